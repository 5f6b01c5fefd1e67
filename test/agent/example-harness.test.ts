// The example harness end to end: real component code (tools and middleware compiled into the vm),
// a skill, a sub-agent, the host sandbox, and the files a session leaves behind.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordSession } from '../../src/agent/record-session.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { createScriptedModel } from '../../src/model/scripted-model.ts';
import { createHostSandbox } from '../../src/sandbox/host-sandbox.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { readEvents } from '../../src/trace/event-log.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('the example harness runs a skill, a sub-agent and its own tool, and records it all', async () => {
  const work = mkdtempSync(join(tmpdir(), 'ahe-example-'));
  writeFileSync(join(work, 'input.txt'), 'data\n');
  const out = join(mkdtempSync(join(tmpdir(), 'ahe-example-out-')), 'run');
  const harness = await loadHarness(join(ROOT, 'harnesses/example'));
  const model = await createScriptedModel(join(ROOT, 'test/fixtures/scripts/example-harness.yaml'));
  const sandbox = createHostSandbox({ workdir: work });
  const result = await recordSession({
    harness,
    model,
    instruction: 'Write the list of files to out/report.txt',
    sandbox,
    outDir: out,
    env: {},
  });
  await sandbox.close();

  assert.equal(result.status, 'completed', result.error);
  assert.equal(result.finalMessage, 'Wrote out/report.txt.');
  assert.equal(readFileSync(join(work, 'out/report.txt'), 'utf8'), 'input.txt\n');
  const { events } = readEvents(result.eventsFile);
  const start = events.find((e) => e.type === 'subagent_start')!;
  assert.equal(start.subagent, 'explorer');
  const childFile = join(out, `trajectory.subagent-${start.child_session_id}.json`);
  assert.ok(existsSync(childFile));
  const root = JSON.parse(readFileSync(result.trajectoryFile, 'utf8'));
  const child = JSON.parse(readFileSync(childFile, 'utf8'));
  assert.deepEqual(validateAtif(root), []);
  assert.deepEqual(validateAtif(child), []);
  assert.equal(child.steps[0].message.startsWith('You investigate'), true);
  assert.deepEqual(
    child.agent.tool_definitions.map((t: { function: { name: string } }) => t.function.name),
    ['run_shell_command'],
  );
  assert.equal(events.filter((e) => e.type === 'middleware_error').length, 0);
  assert.equal(result.usage.promptTokens > 0, true);
});
