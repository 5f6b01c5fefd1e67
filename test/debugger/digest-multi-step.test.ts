// The debugger reads a multi-step trial (steps/<name>/{agent,verifier}/, step_results): real trials of the
// fixture task test/fixtures/multi-step/greet in the bwrap sandbox, digested.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask } from '../../src/bench/load-task.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import { findTrialDirs } from '../../src/debugger/debug-job.ts';
import { digestTrial } from '../../src/debugger/digest-trial.ts';
import { showStep } from '../../src/debugger/show-evidence.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import type { CompletionRequest } from '../../src/model/types.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { QueueModel, toolCall } from '../support/agent-fixtures.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const FIXTURE = fileURLToPath(new URL('../fixtures/multi-step/greet', import.meta.url));
const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));

const temps: string[] = [];
test.after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
function fixture(edit?: (dir: string) => void): Task {
  const dir = join(tempDir('ahe-debug-steps-'), 'greet');
  cpSync(FIXTURE, dir, { recursive: true });
  edit?.(dir);
  const { task, problem } = loadTask(dir);
  assert.ok(task, problem?.message);
  return task;
}

test("a multi-step harness trial is digested as one: every step's commands in order, each step's verifier read", {
  skip,
}, async () => {
  const commands = [
    `printf '#!/bin/bash\\necho hello\\n' > /app/greet.sh && chmod +x /app/greet.sh`,
    `printf '#!/bin/bash\\necho "Hello, $(cat /app/config.txt)!"\\n' > /app/greet.sh`,
    // The last step writes no README: its verifier fails, and the digest shows why.
    `echo no-readme-written`,
  ];
  let step = 0;
  const model = new QueueModel((request: CompletionRequest) =>
    request.messages.at(-1)!.role === 'tool'
      ? { content: `finished step ${step}` }
      : { toolCalls: [toolCall('run_shell_command', { command: commands[step++]! })] },
  );
  const jobDir = tempDir('ahe-debug-job-');
  const r = await runTrial({
    task: fixture(),
    attempt: 1,
    jobDir,
    agent: { kind: 'harness', harness: await loadHarness(SEED), modelSpec: 'test:queue', newModel: async () => model },
    backend: 'bwrap',
  });
  assert.deepEqual(
    r.step_results?.map((s) => s.verifier_result?.rewards.reward),
    [1, 1, 0],
  );
  const [trialDir] = findTrialDirs(jobDir);
  assert.equal(trialDir, join(jobDir, 'greet__1'));
  assert.deepEqual(findTrialDirs(trialDir!), [trialDir]); // a multi-step trial directory given alone
  const digest = await digestTrial(trialDir!);
  assert.equal(digest.source, 'ahe-events');
  assert.equal(digest.reward, 2 / 3);
  assert.equal(digest.passed, false);
  const ran = digest.steps.filter((s) => s.kind === 'command').map((s) => s.command);
  assert.deepEqual(ran, commands);
  const numbers = digest.steps.map((s) => s.step);
  assert.deepEqual(
    numbers,
    [...numbers].sort((a, b) => a - b),
  ); // step numbers run on across the steps
  assert.match(digest.instruction ?? '', /\[step scaffold\][\s\S]*\[step implement\][\s\S]*\[step document\]/);
  assert.match(digest.finalMessage ?? '', /finished step 3/);
  for (const file of [
    'steps/scaffold/agent/events.jsonl',
    'steps/document/agent/events.jsonl',
    'steps/document/verifier/test-stdout.txt',
  ])
    assert.ok(digest.sourceFiles.includes(file), `${file} in ${digest.sourceFiles.join(', ')}`);
  assert.equal(digest.stats.tokens?.prompt, 600);
  // `ahe debug show --step N --raw` finds a later task step's raw trace by the running number.
  const last = digest.steps.find((s) => s.command === commands[2])!;
  assert.ok(last.step > 1 && last.origin?.dir === 'steps/document', JSON.stringify(last));
  const raw = await showStep(jobDir, 'greet', '1', last.step, { raw: true });
  assert.match(raw, /## tool_result run_shell_command/);
  assert.match(raw, /no-readme-written/);
  assert.doesNotMatch(raw, /no raw trace holds step/);
});

test("a step's exception explains a multi-step trial that has none of its own", { skip }, async () => {
  const jobDir = tempDir('ahe-debug-job-');
  const task = fixture((dir) =>
    writeFileSync(
      join(dir, 'task.toml'),
      readFileSync(join(dir, 'task.toml'), 'utf8').replace('test -x /app/greet.sh', 'test -e /app/never-there'),
    ),
  );
  const r = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info, null);
  const digest = await digestTrial(join(jobDir, 'greet__1'));
  assert.equal(digest.exception?.type, 'HealthcheckError');
  assert.match(digest.exception?.message ?? '', /^step implement: healthcheck failed/);
  assert.equal(digest.reward, 1);
  assert.ok(digest.sourceFiles.includes('steps/scaffold/verifier/test-stdout.txt'), digest.sourceFiles.join(', '));
});
