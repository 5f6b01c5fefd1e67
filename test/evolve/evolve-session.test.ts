// The evolve step run again after an interruption: commits the interrupted session made (no manifest)
// are reverted before the new session, so no unexplained change reaches an evaluation.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadTaskSuite } from '../../src/bench/load-task.ts';
import { runEvolveSession } from '../../src/evolve/evolve-session.ts';
import { createWorkspace } from '../../src/evolve/workspace.ts';
import { createModel } from '../../src/model/create-model.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test("an interrupted evolve session's commits are reverted when the step runs again", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evsession-'));
  const ws = await createWorkspace(join(dir, 'run'), join(ROOT, 'harnesses', 'seed'));
  const iterationDir = join(dir, 'run', 'iterations', '0');
  mkdirSync(iterationDir, { recursive: true });
  writeFileSync(join(iterationDir, 'evolve-base.json'), JSON.stringify({ head: await ws.head() }));
  // What the interrupted session had committed before it was killed.
  mkdirSync(join(ws.dir, 'memory'));
  writeFileSync(join(ws.dir, 'memory', 'half-done.md'), '- an unexplained lesson\n');
  await ws.commitChange({ message: 'half-done: interrupted' });
  const script = join(dir, 'evolver.yaml');
  writeFileSync(
    script,
    stringify({
      turns: [
        {
          reply: {
            content: '',
            tool_calls: [{ name: 'write_manifest', arguments: { manifest: { iteration: 0, changes: [] } } }],
          },
        },
        { reply: { content: 'Nothing to change.' } },
      ],
    }),
  );
  const result = await runEvolveSession({
    iteration: 0,
    workspace: ws,
    iterationDir,
    model: await createModel(`scripted:${script}`),
    trainTasks: loadTaskSuite(join(ROOT, 'tasks', 'train')).tasks.slice(0, 3),
    evidenceSections: ['overview'],
    readEvidence: async () => 'nothing',
  });
  assert.deepEqual(result.manifest, { iteration: 0, changes: [] });
  assert.equal(await ws.fileAt('HEAD', 'memory/half-done.md'), undefined);
  assert.match(readFileSync(join(iterationDir, 'change_manifest.json'), 'utf8'), /"changes": \[\]/);
  assert.equal(JSON.parse(readFileSync(join(iterationDir, 'evolve-base.json'), 'utf8')).head, await ws.head());
});
