// Trials end to end in the bwrap sandbox, with the oracle agent as the actor (it runs any script).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import { readReward } from '../../src/bench/run-verifier.ts';
import type { Task } from '../../src/bench/task.ts';
import { AheTrialInfoSchema } from '../../src/bench/trial-result.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { createCgroup } from '../../src/sandbox/cgroup-limits.ts';
import { makeTask, type TaskSpec } from '../support/make-task.ts';
import { HONEST_VERIFIER_SCRIPT, killedStrays, strayProcessesScript } from '../support/stray-processes.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

function load(spec: TaskSpec): Task {
  const { task, problem } = loadTask(makeTask(spec));
  assert.ok(task, problem?.message);
  return task;
}
const jobDir = () => mkdtempSync(join(tmpdir(), 'ahe-job-'));

test("oracle passes, noop fails; the trial directory has Harbor's files and keys", { skip }, async () => {
  const task = load({});
  const dir = jobDir();
  const oracle = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.deepEqual(oracle.verifier_result, { rewards: { reward: 1 } });
  assert.equal(oracle.exception_info, null);
  assert.equal(oracle.ahe?.passed, true);
  const trial = join(dir, 'task__1');
  for (const f of [
    'config.json',
    'result.json',
    'trial.log',
    'agent/oracle.txt',
    'verifier/reward.txt',
    'verifier/test-stdout.txt',
  ])
    assert.ok(existsSync(join(trial, f)), f);
  const saved = JSON.parse(readFileSync(join(trial, 'result.json'), 'utf8'));
  for (const key of [
    'id',
    'task_name',
    'trial_name',
    'task_id',
    'source',
    'task_checksum',
    'config',
    'agent_info',
    'agent_result',
    'verifier_result',
    'exception_info',
    'started_at',
    'finished_at',
    'environment_setup',
    'agent_setup',
    'agent_execution',
    'verifier',
  ]) {
    assert.ok(key in saved, key);
  }
  assert.equal(saved.trial_name, 'task__1');
  // ahe's own block holds only what its schema names (readers parse it with the same schema).
  assert.deepEqual(AheTrialInfoSchema.strict().parse(saved.ahe), saved.ahe);
  assert.ok(Date.parse(saved.verifier.finished_at) >= Date.parse(saved.agent_execution.started_at));
  const noop = await runTrial({ task, attempt: 2, jobDir: dir, agent: { kind: 'noop' }, backend: 'bwrap' });
  assert.deepEqual(noop.verifier_result, { rewards: { reward: 0 } });
  assert.equal(noop.ahe?.passed, false);
});

test('an agent timeout is recorded and the verifier still runs (the work done counts)', { skip }, async () => {
  const task = load({ agentTimeoutSec: 5, solve: 'touch /app/done; sleep 60\n' });
  const r = await runTrial({ task, attempt: 1, jobDir: jobDir(), agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'AgentTimeoutError');
  assert.deepEqual(r.verifier_result, { rewards: { reward: 1 } }); // success comes from the reward
  assert.equal(r.ahe?.passed, true);
});

test('a verifier that times out fails the trial with VerifierTimeoutError', { skip }, async () => {
  const task = load({ verifierTimeoutSec: 1, test: 'sleep 30\n' });
  const started = Date.now();
  const r = await runTrial({ task, attempt: 1, jobDir: jobDir(), agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'VerifierTimeoutError');
  assert.equal(r.verifier_result, null);
  assert.ok(Date.now() - started < 25_000); // the verifier was stopped, not left to sleep 30 s
});

test('a failing Dockerfile fails the environment, names the line, and runs no agent', { skip }, async () => {
  const task = load({
    dockerfile: 'FROM x\nWORKDIR /app\nRUN echo cannot-build >&2; exit 3\n',
    solve: 'touch /tmp/agent-ran\n',
  });
  const dir = jobDir();
  const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'EnvironmentSetupError');
  assert.match(r.exception_info!.exception_message, /environment\/Dockerfile:3: RUN .* exited with 3:\ncannot-build/);
  assert.equal(r.agent_execution, null);
  assert.equal(r.verifier_result, null);
  assert.match(readFileSync(join(dir, 'task__1', 'exception.txt'), 'utf8'), /^EnvironmentSetupError/);
});

test('an agent that reaches for the network, writes outside, peeks at /tests, floods output and forges its reward is contained', {
  skip,
}, async () => {
  const server = createServer((s) => s.end('secret'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const task = load({
    solve: [
      `(timeout 3 cat < /dev/tcp/127.0.0.1/${port} && echo NET-REACHED) 2>/dev/null || echo net-blocked`,
      'echo x > /usr/pwned 2>/dev/null && echo WROTE-USR || echo usr-readonly',
      'echo x > /etc/pwned 2>/dev/null && echo WROTE-ETC || echo etc-readonly',
      '[ -z "$(ls -A /tests)" ] && echo tests-hidden || echo SAW-TESTS',
      'head -c 33554432 /dev/zero | tr "\\0" x', // 32 MB: 8 times the 4 MB cap
      'mkdir -p /logs/verifier && echo 1 > /logs/verifier/reward.txt',
      'echo after-flood >&2',
    ].join('\n'),
    // The verifier writes no reward unless the work is done: a forged reward must not count.
    test: 'if [ -f /app/done ]; then echo 1 > /logs/verifier/reward.txt; fi\n',
  });
  const dir = jobDir();
  try {
    const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    const out = readFileSync(join(dir, 'task__1', 'agent', 'oracle.txt'), 'utf8');
    // Asserted on sizes and markers, never printed: the file holds megabytes of x.
    const head = out.slice(0, 120).replace(/x{20,}/g, '<x…>');
    assert.ok(out.length < 10 * 1024 * 1024, `oracle.txt is ${out.length} bytes`);
    assert.ok(
      /net-blocked\nusr-readonly\netc-readonly\ntests-hidden\n/.test(out),
      `markers missing; oracle.txt starts ${JSON.stringify(head)}`,
    );
    assert.ok(out.includes('after-flood'), 'after-flood missing from oracle.txt');
    assert.ok(/\[\d+ bytes dropped\]/.test(out), 'no "[N bytes dropped]" line in oracle.txt');
    assert.equal(existsSync('/usr/pwned') || existsSync('/etc/pwned'), false);
    assert.equal(r.verifier_result, null);
    assert.equal(r.exception_info?.exception_type, 'RewardFileNotFoundError');
  } finally {
    server.close();
  }
});

test('a fork flood stops at the pids limit and the trial goes on', { skip }, async (t) => {
  const probe = createCgroup('ahe-probe-trial', { pidsMax: 10 });
  probe.remove();
  if (probe.kind === 'none') return t.skip(`no usable cgroup: ${probe.reason}`);
  // Python's fork fails at once with EAGAIN (bash would retry for a long while); the children exit after 2 s.
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
  const task = load({ solve: `python3 - <<'PY'\n${flood}\nPY\ntouch /app/done\n` });
  const dir = jobDir();
  const r = await runTrial({
    task,
    attempt: 1,
    jobDir: dir,
    agent: { kind: 'oracle' },
    backend: 'bwrap',
    pidsMax: 100,
  });
  const out = readFileSync(join(dir, 'task__1', 'agent', 'oracle.txt'), 'utf8');
  const forked = Number(/forked (\d+)/.exec(out)?.[1]);
  assert.ok(forked > 0 && forked < 100, out.slice(0, 300));
  assert.deepEqual(r.verifier_result, { rewards: { reward: 1 } });
});

test('reward.json is read before reward.txt; bad reward files are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-reward-'));
  mkdirSync(dir, { recursive: true });
  assert.deepEqual(readReward(dir), {});
  writeFileSync(join(dir, 'reward.txt'), '0\n');
  assert.deepEqual(readReward(dir), { rewards: { reward: 0 } });
  writeFileSync(join(dir, 'reward.json'), '{"reward": 0.5, "style": 1, "note": "x"}');
  assert.deepEqual(readReward(dir), { rewards: { reward: 0.5, style: 1 } });
  writeFileSync(join(dir, 'reward.json'), '{"a": 1, "b": 0}');
  assert.match(readReward(dir).problem!, /no numeric "reward" field \(keys: a, b\)/);
  writeFileSync(join(dir, 'reward.json'), '{oops');
  assert.match(readReward(dir).problem!, /reward.json is not valid JSON/);
  const txt = mkdtempSync(join(tmpdir(), 'ahe-reward-'));
  writeFileSync(join(txt, 'reward.txt'), 'PASSED');
  assert.match(readReward(txt).problem!, /reward.txt holds "PASSED", not a number/);
});

test('prepared environments are cached per task: later trials start from a clean copy of the first build', {
  skip,
}, async () => {
  process.env.AHE_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ahe-envcache-'));
  try {
    const task = load({
      dockerfile:
        'FROM x\nWORKDIR /app\nCOPY seed.txt .\nRUN echo "built $(date +%s%N)" > stamp.txt && mkdir -p /root/.config && echo cfg > /root/.config/x && ln -s seed.txt link.txt && chmod +x seed.txt\n',
      files: { 'seed.txt': 'seed\n' },
      solve: 'echo changed-by-agent >> /app/seed.txt; touch /app/done\n',
    });
    const dir = jobDir();
    await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    const second = await runTrial({ task, attempt: 2, jobDir: dir, agent: { kind: 'noop' }, backend: 'bwrap' });
    assert.match(readFileSync(join(dir, 'task__2', 'trial.log'), 'utf8'), /restored from the cache/);
    assert.deepEqual(second.verifier_result, { rewards: { reward: 0 } }); // the oracle's /app/done did not leak
    // A third trial sees the build exactly: the same stamp, the symlink, the mode, /root, and not the agent's change.
    const probe = load({
      dockerfile:
        'FROM x\nWORKDIR /app\nCOPY seed.txt .\nRUN echo "built $(date +%s%N)" > stamp.txt && mkdir -p /root/.config && echo cfg > /root/.config/x && ln -s seed.txt link.txt && chmod +x seed.txt\n',
      files: { 'seed.txt': 'seed\n' },
      solve: 'cat stamp.txt; readlink link.txt; test -x seed.txt && echo exec; cat /root/.config/x seed.txt\n',
    });
    const d3 = jobDir();
    await runTrial({ task: probe, attempt: 1, jobDir: d3, agent: { kind: 'oracle' }, backend: 'bwrap' });
    await runTrial({ task: probe, attempt: 2, jobDir: d3, agent: { kind: 'oracle' }, backend: 'bwrap' });
    const a = readFileSync(join(d3, 'task__1', 'agent', 'oracle.txt'), 'utf8');
    const b = readFileSync(join(d3, 'task__2', 'agent', 'oracle.txt'), 'utf8');
    assert.match(a, /^built \d+\nseed.txt\nexec\ncfg\nseed\n$/);
    assert.equal(b, a);
  } finally {
    delete process.env.AHE_CACHE_DIR;
  }
});

test('a build that writes outside the trial directories is not cached', { skip }, async () => {
  process.env.AHE_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ahe-envcache-'));
  try {
    const task = load({
      dockerfile: 'FROM x\nWORKDIR /app\nRUN mkdir -p /srv/data && echo x > /srv/data/f\n',
      solve: 'test -f /srv/data/f && touch /app/done\n',
    });
    const dir = jobDir();
    const first = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    const second = await runTrial({ task, attempt: 2, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    assert.equal(first.ahe?.passed, true);
    assert.equal(second.ahe?.passed, true);
    assert.doesNotMatch(readFileSync(join(dir, 'task__2', 'trial.log'), 'utf8'), /restored from the cache/);
  } finally {
    delete process.env.AHE_CACHE_DIR;
  }
});

test('a Terminal-Bench 1 task runs: solution.sh as the oracle, run-tests.sh as the verifier (pass = exit 0)', {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-tb1-'));
  const taskDir = join(dir, 'count-lines');
  mkdirSync(join(taskDir, 'tests'), { recursive: true });
  writeFileSync(
    join(taskDir, 'task.yaml'),
    '# TB1\ninstruction: |-\n  Write /app/count.sh printing the number of lines of /app/data.txt.\ndifficulty: easy\ntags: [bash]\nmax_agent_timeout_sec: 30.0\nmax_test_timeout_sec: 30\n',
  );
  writeFileSync(join(taskDir, 'Dockerfile'), 'FROM ubuntu:24.04\nWORKDIR /app\nCOPY data.txt /app/data.txt\n');
  writeFileSync(join(taskDir, 'data.txt'), 'a\nb\nc\n');
  writeFileSync(join(taskDir, 'run-tests.sh'), '#!/bin/bash\nbash $TEST_DIR/check.sh\n');
  writeFileSync(
    join(taskDir, 'tests', 'check.sh'),
    '[ "$(bash /app/count.sh)" = 3 ] && echo PASSED || { echo FAILED; exit 1; }\n',
  );
  writeFileSync(join(taskDir, 'solution.sh'), "echo 'wc -l < /app/data.txt' > /app/count.sh\n");
  const { task, problem } = loadTask(taskDir);
  assert.ok(task, problem?.message);
  const jd = jobDir();
  const oracle = await runTrial({ task, attempt: 1, jobDir: jd, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.deepEqual(
    oracle.verifier_result,
    { rewards: { reward: 1 } },
    readFileSync(join(jd, 'count-lines__1', 'verifier', 'test-stdout.txt'), 'utf8'),
  );
  const noop = await runTrial({ task, attempt: 2, jobDir: jd, agent: { kind: 'noop' }, backend: 'bwrap' });
  assert.deepEqual(noop.verifier_result, { rewards: { reward: 0 } });
  assert.equal(readFileSync(join(jd, 'count-lines__2', 'verifier', 'reward.txt'), 'utf8'), '0\n');
});

test("the task's memory limit holds: a process that allocates past it is killed, the trial goes on", {
  skip,
}, async (t) => {
  const probe = createCgroup('ahe-probe-mem', { memoryMb: 64 });
  probe.remove();
  if (probe.kind === 'none') return t.skip(`no usable cgroup: ${probe.reason}`);
  const dir = makeTask({
    solve: 'python3 -c "x = bytearray(400 * 1024 * 1024); print(len(x))"; echo "exit $?"; touch /app/done\n',
  });
  writeFileSync(
    join(dir, 'task.toml'),
    readFileSync(join(dir, 'task.toml'), 'utf8').replace('[environment]', '[environment]\nmemory = "128M"'),
  );
  const { task } = loadTask(dir);
  assert.equal(task!.environment.memoryMb, 128);
  const jd = jobDir();
  const r = await runTrial({ task: task!, attempt: 1, jobDir: jd, agent: { kind: 'oracle' }, backend: 'bwrap' });
  const out = readFileSync(join(jd, 'task__1', 'agent', 'oracle.txt'), 'utf8');
  assert.match(out, /exit (137|1)\b/); // killed by the OOM killer (137) or MemoryError (1)
  assert.doesNotMatch(out, /^419430400$/m);
  assert.equal(r.ahe?.passed, true);
});

test('a verifier that tries to download its test tools offline is reported as VerifierNeedsNetworkError', {
  skip,
}, async () => {
  const task = load({ test: 'echo "installing pytest"\n(exec 3<>/dev/tcp/pypi.org/443) 2>&1\nexit 1\n' });
  const r = await runTrial({ task, attempt: 1, jobDir: jobDir(), agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'VerifierNeedsNetworkError');
  assert.equal(r.verifier_result, null);
});

test('a task asking for what ahe cannot run (an MCP sidecar) is refused clearly, naming the field', async () => {
  const dir = makeTask({});
  const toml = readFileSync(join(dir, 'task.toml'), 'utf8');
  writeFileSync(
    join(dir, 'task.toml'),
    toml.replace(
      '[environment]',
      '[environment]\nmcp_servers = [{ name = "db", transport = "sse", url = "http://db/sse" }]',
    ),
  );
  const { task } = loadTask(dir);
  const r = await runTrial({ task: task!, attempt: 1, jobDir: jobDir(), agent: { kind: 'noop' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'UnsupportedTaskError');
  assert.match(r.exception_info!.exception_message, /^task\.toml \[environment\]\.mcp_servers: MCP server sidecars/);
  assert.equal(r.environment_setup, null);
});

// Each kind of process an agent can leave behind; every one keeps forging a reward of 1 and marking
// itself alive in /tmp. Their output goes to /dev/null so a closed pipe cannot end them by itself.
test('nothing the agent phase started outlives it: background, double-forked, setsid, TERM-ignoring and fork-loop processes cannot forge the reward', {
  skip,
}, async () => {
  const task = load({ solve: strayProcessesScript('named-like-the-sandbox'), test: HONEST_VERIFIER_SCRIPT });
  const dir = jobDir();
  const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  const verifierOut = readFileSync(join(dir, 'task__1', 'verifier', 'test-stdout.txt'), 'utf8');
  assert.match(verifierOut, /^alive:$/m, verifierOut.slice(0, 300));
  assert.deepEqual(r.verifier_result, { rewards: { reward: 0 } });
  assert.equal(r.exception_info, null);
  const killed = killedStrays(readFileSync(join(dir, 'task__1', 'trial.log'), 'utf8'));
  assert.ok(killed >= 6, `killed ${killed}`);
});

test('files the agent planted in /tests or /logs/verifier are gone before the verifier runs', { skip }, async () => {
  const task = load({
    solve:
      'mkdir -p /logs/verifier /tests/sub; echo 1 > /logs/verifier/reward.txt; echo planted > /tests/conftest.py; echo x > /tests/.hidden; echo x > /tests/sub/f\n',
    test: 'mkdir -p /logs/verifier; echo "tests:$(ls -A /tests | sort | tr "\\n" " ")"; [ -f /logs/verifier/reward.txt ] && echo FORGED-REWARD-SEEN\n',
  });
  const dir = jobDir();
  const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  const out = readFileSync(join(dir, 'task__1', 'verifier', 'test-stdout.txt'), 'utf8');
  assert.match(out, /^tests:test.sh $/m, out.slice(0, 300));
  assert.doesNotMatch(out, /FORGED-REWARD-SEEN/);
  assert.equal(r.verifier_result, null);
  assert.equal(r.exception_info?.exception_type, 'RewardFileNotFoundError');
});

test('when the sandbox cannot be cleaned (the agent killed its init), the verifier does not run: SandboxCleanupError', {
  skip,
}, async () => {
  const task = load({ solve: 'kill -KILL 2; sleep 5\n', test: 'echo 1 > /logs/verifier/reward.txt\n' });
  const dir = jobDir();
  const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'SandboxCleanupError');
  assert.equal(r.verifier_result, null);
  assert.equal(r.verifier, null);
  assert.ok(existsSync(join(dir, 'task__1', 'result.json')));
});

test("whatever the agent's components throw, the trial ends with a result.json (AgentError with its traceback)", {
  skip,
}, async () => {
  const { makeHarness, QueueModel, echoTool, middleware, toolCall } = await import('../support/agent-fixtures.ts');
  const task = load({});
  const callTool = (name: string) => () =>
    new QueueModel([{ toolCalls: [toolCall(name, { text: 'x' })] }, { content: 'done' }]);
  const cases = {
    'model factory throws': {
      harness: makeHarness(),
      newModel: async () => {
        throw new Error('no model for you');
      },
    },
    'tool returns a BigInt': {
      harness: makeHarness({ tools: [echoTool('big', async () => ({ output: 'ok', metadata: { n: 10n } }))] }),
      newModel: async () => callTool('big')(),
    },
    'tool throws': {
      harness: makeHarness({
        tools: [
          echoTool('boom', async () => {
            throw new Error('tool exploded');
          }),
        ],
      }),
      newModel: async () => callTool('boom')(),
    },
    'middleware afterAgent throws': {
      harness: makeHarness({
        middleware: [
          middleware('bad', {
            afterAgent: () => {
              throw new Error('middleware exploded');
            },
          }),
        ],
      }),
      newModel: async () => new QueueModel([{ content: 'done' }]),
    },
  };
  for (const [label, agent] of Object.entries(cases)) {
    const dir = jobDir();
    const r = await runTrial({
      task,
      attempt: 1,
      jobDir: dir,
      agent: { kind: 'harness', modelSpec: 'test:queue', ...agent },
      backend: 'bwrap',
    });
    const saved = JSON.parse(readFileSync(join(dir, 'task__1', 'result.json'), 'utf8'));
    assert.equal(typeof saved.finished_at, 'string', label);
    assert.deepEqual(saved.verifier_result, { rewards: { reward: 0 } }, label); // the verifier still judged the work
    if (r.exception_info)
      assert.ok(
        r.exception_info.exception_type === 'AgentError' && r.exception_info.exception_message.length > 0,
        `${label}: ${r.exception_info.exception_type}`,
      );
  }
  const crashed = await runTrial({
    task,
    attempt: 2,
    jobDir: jobDir(),
    agent: { kind: 'harness', modelSpec: 'test:queue', ...cases['model factory throws'] },
    backend: 'bwrap',
  });
  assert.equal(crashed.exception_info?.exception_type, 'AgentError');
  assert.match(crashed.exception_info!.exception_message, /no model for you/);
  assert.match(crashed.exception_info!.exception_traceback, /at .*run-trial/);
});

test('a model of unknown price leaves the trial cost unknown (null, shown $?), never $0', { skip }, async () => {
  const { makeHarness, QueueModel } = await import('../support/agent-fixtures.ts');
  const { summarizeTrials } = await import('../../src/bench/job-summary.ts');
  const task = load({});
  const trial = async (priced: boolean) => {
    const dir = jobDir();
    const model = Object.assign(new QueueModel([{ content: 'done' }]), { priced });
    const r = await runTrial({
      task,
      attempt: 1,
      jobDir: dir,
      agent: { kind: 'harness', modelSpec: 'test:queue', harness: makeHarness(), newModel: async () => model },
      backend: 'bwrap',
    });
    const saved = JSON.parse(readFileSync(join(dir, 'task__1', 'result.json'), 'utf8'));
    assert.deepEqual(saved.agent_result.cost_usd, r.agent_result?.cost_usd);
    return r;
  };
  const unknown = await trial(false);
  assert.equal(unknown.agent_result?.cost_usd, null);
  assert.ok((unknown.agent_result?.n_input_tokens ?? 0) > 0, 'the tokens are still counted');
  const known = await trial(true);
  assert.equal(typeof known.agent_result?.cost_usd, 'number');
  assert.equal(summarizeTrials([known]).cost_usd, known.agent_result?.cost_usd);
  assert.equal(summarizeTrials([known, { ...unknown, trial_name: 'task__2' }]).cost_usd, null);
});

test('a cache entry that cannot be restored whole is not built on: the workspace is wiped and the trial prepares afresh', {
  skip,
}, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'ahe-envcache-'));
  process.env.AHE_CACHE_DIR = cache;
  try {
    const task = load({
      dockerfile:
        'FROM x\nWORKDIR /app\nRUN echo built > stamp.txt && mkdir -p /root/.config && echo cfg > /root/.config/x\n',
      solve:
        'test -e /app/half-copied && echo SAW-HALF-COPY; test -f /app/stamp.txt && test -f /root/.config/x && touch /app/done\n',
    });
    const dir = jobDir();
    await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    // Damage the entry: /app restores (with a file the build never made), then /root is missing.
    const { readdirSync, rmSync } = await import('node:fs');
    const entry = join(
      cache,
      'ahe',
      'environments',
      readdirSync(join(cache, 'ahe', 'environments')).find((n) => !n.startsWith('.'))!,
    );
    writeFileSync(join(entry, 'fs', 'app', 'half-copied'), 'x');
    rmSync(join(entry, 'fs', 'root'), { recursive: true });
    const second = await runTrial({ task, attempt: 2, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    const log = readFileSync(join(dir, 'task__2', 'trial.log'), 'utf8');
    assert.match(log, /could not be restored, preparing afresh: .*fs\/root is missing/);
    assert.doesNotMatch(readFileSync(join(dir, 'task__2', 'agent', 'oracle.txt'), 'utf8'), /SAW-HALF-COPY/);
    assert.equal(second.ahe?.passed, true);
  } finally {
    delete process.env.AHE_CACHE_DIR;
  }
});

test('trials of one task restoring from a shared cache in parallel all read their rewards', { skip }, async () => {
  process.env.AHE_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ahe-envcache-'));
  try {
    // A build big enough that copying it takes a while, beside trials that are reading their verifier's files.
    const task = load({
      dockerfile: 'FROM x\nWORKDIR /app\nRUN for i in $(seq 300); do head -c 20000 /dev/urandom > f$i; done\n',
    });
    const dir = jobDir();
    await runTrial({ task, attempt: 0, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        runTrial({ task, attempt: i + 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'bwrap' }),
      ),
    );
    const wrong = results
      .filter((r) => r.verifier_result?.rewards.reward !== 1)
      .map((r) => `${r.trial_name}: ${r.exception_info?.exception_type ?? r.verifier_result?.rewards.reward}`);
    assert.deepEqual(wrong, []);
  } finally {
    delete process.env.AHE_CACHE_DIR;
  }
});
