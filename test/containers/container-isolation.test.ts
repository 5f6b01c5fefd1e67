// What an agent cannot do to a trial in a podman or docker container: leave processes behind that
// forge the reward (background, double-forked, setsid, TERM-ignoring, fork loops, a disguised name;
// from the oracle's script and from a harness agent's tool call), plant a reward or tests, flood the
// output, or fork past the pids limit. The same attacks as the bwrap tests (test/bench/run-trial.test.ts),
// once per engine; an engine that cannot run here is skipped with its reason (npm run test:containers).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask } from '../../src/bench/load-task.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { containerEngine } from '../../src/sandbox/container-engine.ts';
import { QueueModel, toolCall } from '../support/agent-fixtures.ts';
import { CONTAINER_ENGINES, containerSkipReason, containersLabelled } from '../support/container-engines.ts';
import { makeTask, type TaskSpec } from '../support/make-task.ts';
import { HONEST_VERIFIER_SCRIPT, killedStrays, strayProcessesScript } from '../support/stray-processes.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const jobDir = () => mkdtempSync(join(tmpdir(), 'ahe-cjob-'));
function made(spec: TaskSpec): Task {
  const { task, problem } = loadTask(makeTask(spec));
  assert.ok(task, problem?.message);
  return task;
}
const trialFile = (dir: string, file: string) => readFileSync(join(dir, 'task__1', file), 'utf8');

for (const kind of CONTAINER_ENGINES) {
  const skip = containerSkipReason(kind);
  const engine = containerEngine(kind);

  /** The forged reward must not count: the verifier's own 0 is the result and no stray is seen alive. */
  const assertNoStrays = async (dir: string, r: Awaited<ReturnType<typeof runTrial>>) => {
    const out = trialFile(dir, 'verifier/test-stdout.txt');
    assert.match(out, /^alive:$/m, out.slice(0, 300));
    assert.deepEqual(r.verifier_result, { rewards: { reward: 0 } });
    assert.equal(r.exception_info, null, JSON.stringify(r.exception_info));
    const killed = killedStrays(trialFile(dir, 'trial.log'));
    assert.ok(killed >= 6, `killed ${killed}`);
    assert.deepEqual(await containersLabelled(engine, 'ahe.trial=task__1'), []);
  };

  test(`${kind}: nothing the oracle started outlives it: background, double-forked, setsid, TERM-ignoring and fork-loop processes cannot forge the reward`, {
    skip,
  }, async () => {
    const task = made({ solve: strayProcessesScript('named-like-pid-1'), test: HONEST_VERIFIER_SCRIPT });
    const dir = jobDir();
    const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: kind });
    await assertNoStrays(dir, r);
  });

  test(`${kind}: nothing a harness agent's tool call started outlives the agent phase either`, { skip }, async () => {
    const task = made({ solve: 'exit 1\n', test: HONEST_VERIFIER_SCRIPT });
    const harness = await loadHarness(join(ROOT, 'harnesses/seed'));
    const model = new QueueModel([
      { toolCalls: [toolCall('run_shell_command', { command: strayProcessesScript('sleep infinity') })] },
      { content: 'done' },
    ]);
    const dir = jobDir();
    const r = await runTrial({
      task,
      attempt: 1,
      jobDir: dir,
      agent: { kind: 'harness', modelSpec: 'test:queue', harness, newModel: async () => model },
      backend: kind,
    });
    // The forging loops did run during the agent phase: the tool's command started them.
    const events = trialFile(dir, 'agent/events.jsonl');
    assert.match(events, /run_shell_command/);
    await assertNoStrays(dir, r);
  });

  test(`${kind}: files the agent planted in /tests or /logs/verifier are gone before the verifier runs`, {
    skip,
  }, async () => {
    const task = made({
      solve:
        'mkdir -p /logs/verifier /tests/sub; echo 1 > /logs/verifier/reward.txt; echo planted > /tests/conftest.py; echo x > /tests/.hidden; echo x > /tests/sub/f\n',
      test: 'mkdir -p /logs/verifier; echo "tests:$(ls -A /tests | sort | tr "\\n" " ")"; [ -f /logs/verifier/reward.txt ] && echo FORGED-REWARD-SEEN\n',
    });
    const dir = jobDir();
    const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: kind });
    const out = trialFile(dir, 'verifier/test-stdout.txt');
    assert.match(out, /^tests:test.sh $/m, out.slice(0, 300));
    assert.doesNotMatch(out, /FORGED-REWARD-SEEN/);
    assert.equal(r.verifier_result, null);
    assert.equal(r.exception_info?.exception_type, 'RewardFileNotFoundError');
  });

  test(`${kind}: an agent that peeks at /tests, floods its output and forges its reward gets no reward`, {
    skip,
  }, async () => {
    const task = made({
      solve: [
        '[ -z "$(ls -A /tests 2>/dev/null)" ] && echo tests-hidden || echo SAW-TESTS',
        'head -c 33554432 /dev/zero | tr "\\0" x', // 32 MB: 8 times the 4 MB cap
        'mkdir -p /logs/verifier && echo 1 > /logs/verifier/reward.txt',
        'echo after-flood >&2',
      ].join('\n'),
      // The verifier writes no reward unless the work is done: a forged reward must not count.
      test: 'if [ -f /app/done ]; then echo 1 > /logs/verifier/reward.txt; fi\n',
    });
    const dir = jobDir();
    const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: kind });
    const out = trialFile(dir, 'agent/oracle.txt');
    // Asserted on sizes and markers, never printed: the file holds megabytes of x.
    assert.ok(out.length < 10 * 1024 * 1024, `oracle.txt is ${out.length} bytes`);
    assert.ok(out.startsWith('tests-hidden\n'), `oracle.txt starts ${JSON.stringify(out.slice(0, 40))}`);
    assert.ok(out.includes('after-flood'), 'after-flood missing from oracle.txt');
    assert.ok(/\[\d+ bytes dropped/.test(out), 'no "[N bytes dropped" line in oracle.txt');
    assert.equal(r.verifier_result, null);
    assert.equal(r.exception_info?.exception_type, 'RewardFileNotFoundError');
  });

  test(`${kind}: a fork flood stops at the pids limit and the trial goes on`, { skip }, async () => {
    // Python's fork fails at once with EAGAIN at the limit; the children exit after 2 s.
    const flood = [
      'import os, time',
      'n = 0',
      'for i in range(2000):',
      '    try:',
      '        pid = os.fork()',
      '    except OSError:',
      '        break',
      '    if pid == 0:',
      '        time.sleep(2)',
      '        os._exit(0)',
      '    n += 1',
      'print("forked", n, flush=True)',
      'while True:',
      '    try:',
      '        os.wait()',
      '    except ChildProcessError:',
      '        break',
    ].join('\n');
    const task = made({ solve: `python3 - <<'PY'\n${flood}\nPY\ntouch /app/done\n` });
    const dir = jobDir();
    const r = await runTrial({
      task,
      attempt: 1,
      jobDir: dir,
      agent: { kind: 'oracle' },
      backend: kind,
      pidsMax: 64,
    });
    const forked = Number(/forked (\d+)/.exec(trialFile(dir, 'agent/oracle.txt'))?.[1]);
    assert.ok(forked > 0 && forked < 64, `forked ${forked}`);
    assert.equal(r.exception_info, null, JSON.stringify(r.exception_info));
    assert.deepEqual(r.verifier_result, { rewards: { reward: 1 } });
  });
}
