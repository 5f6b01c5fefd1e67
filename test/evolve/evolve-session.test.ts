// The evolve step run again after an interruption: commits the interrupted session made (no manifest)
// are reverted before the new session, so no unexplained change reaches an evaluation; the interrupted
// session's records are kept aside (evolve.interrupted-<n>/) and what it spent still counts, once.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadTaskSuite } from '../../src/bench/load-task.ts';
import { runEvolveSession } from '../../src/evolve/evolve-session.ts';
import { interruptedAttemptsSpend } from '../../src/evolve/interrupted-attempts.ts';
import { createWorkspace, type Workspace } from '../../src/evolve/workspace.ts';
import { createModel } from '../../src/model/create-model.ts';
import { killedEvents } from '../support/killed-session.ts';

/** An evolve session whose scripted agent writes an empty manifest and stops. */
async function runNothingToChange(dir: string, ws: Workspace, iterationDir: string) {
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
  return runEvolveSession({
    iteration: 0,
    workspace: ws,
    iterationDir,
    model: await createModel(`scripted:${script}`),
    trainTasks: loadTaskSuite(join(ROOT, 'tasks', 'train')).tasks.slice(0, 3),
    evidenceSections: ['overview'],
    readEvidence: async () => 'nothing',
  });
}

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
  const result = await runNothingToChange(dir, ws, iterationDir);
  assert.deepEqual(result.manifest, { iteration: 0, changes: [] });
  assert.equal(await ws.fileAt('HEAD', 'memory/half-done.md'), undefined);
  assert.match(readFileSync(join(iterationDir, 'change_manifest.json'), 'utf8'), /"changes": \[\]/);
  assert.equal(JSON.parse(readFileSync(join(iterationDir, 'evolve-base.json'), 'utf8')).head, await ws.head());
});

/** The model_call events of an events file: their count and summed tokens. */
function modelCalls(file: string): { calls: number; promptTokens: number; completionTokens: number } {
  const calls = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'model_call');
  const sum = (key: string) => calls.reduce((total, e) => total + e.usage[key], 0);
  return { calls: calls.length, promptTokens: sum('prompt_tokens'), completionTokens: sum('completion_tokens') };
}

test("an interrupted evolve session's transcript and commit attempts are kept aside, and what it spent counts once", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evsession-'));
  const ws = await createWorkspace(join(dir, 'run'), join(ROOT, 'harnesses', 'seed'));
  const iterationDir = join(dir, 'run', 'iterations', '0');
  // What a session killed (kill -9) after two model calls leaves: its events up to then, no session_end.
  const killed = join(iterationDir, 'evolve');
  mkdirSync(join(killed, 'session-1'), { recursive: true });
  const killedTrace = killedEvents({ calls: 2, usage: { prompt_tokens: 5000, completion_tokens: 700 }, cost: 0.5 });
  writeFileSync(join(killed, 'session-1', 'events.jsonl'), killedTrace);
  const killedAttempt = `${JSON.stringify({ session: 1, id: 'half-done', ok: false })}\n`;
  writeFileSync(join(killed, 'commit-attempts.jsonl'), killedAttempt);
  const session = () => runNothingToChange(dir, ws, iterationDir);

  const result = await session();
  const aside = join(iterationDir, 'evolve.interrupted-1');
  assert.equal(readFileSync(join(aside, 'session-1', 'events.jsonl'), 'utf8'), killedTrace, 'kept as it was');
  assert.equal(readFileSync(join(aside, 'commit-attempts.jsonl'), 'utf8'), killedAttempt);
  // The new session has its own transcript, not appended to the killed one's.
  const fresh = modelCalls(join(iterationDir, 'evolve', 'session-1', 'events.jsonl'));
  assert.equal(fresh.calls, 2);
  assert.equal(existsSync(join(iterationDir, 'evolve', 'commit-attempts.jsonl')), false);
  assert.equal(result.usage.calls, 2 + 2);
  assert.equal(result.usage.promptTokens, fresh.promptTokens + 10_000);
  assert.equal(result.usage.completionTokens, fresh.completionTokens + 1400);
  assert.ok(Math.abs(result.usage.costUsd - 1) < 1e-9, String(result.usage.costUsd));

  // The step is run again (killed after this session, before the run recorded it): the finished session
  // is kept aside too, and the killed one still counts once.
  const again = await session();
  assert.deepEqual(
    readdirSync(iterationDir).filter((f) => f.startsWith('evolve')),
    ['evolve', 'evolve-base.json', 'evolve.interrupted-1', 'evolve.interrupted-2'],
  );
  assert.equal(readFileSync(join(aside, 'session-1', 'events.jsonl'), 'utf8'), killedTrace);
  assert.equal(interruptedAttemptsSpend(iterationDir).calls, 2 + 2);
  assert.equal(again.usage.calls, 2 + 2 + 2);
  assert.equal(again.usage.promptTokens, 2 * fresh.promptTokens + 10_000);
});
