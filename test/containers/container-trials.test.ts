// Trials in podman containers, offline: bundled tasks with the oracle (pass) and the noop agent
// (fail), the network cut, a build failure recorded as the trial's exception while the job goes on,
// time limits, and no container left behind (after a trial, and after a crash: `ahe gc`).
// Run through `npm run test:containers` (scripts/setup-podman.mjs prepares podman and the local
// base image first); under `npm run test:unit` these tests skip and say so.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask } from '../../src/bench/load-task.ts';
import { runJob } from '../../src/bench/run-job.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import { containerEngine, runEngine } from '../../src/sandbox/container-engine.ts';
import { createContainerSandbox } from '../../src/sandbox/container-sandbox.ts';
import { makeTask, type TaskSpec } from '../support/make-task.ts';
import { HONEST_VERIFIER_SCRIPT, killedStrays, strayProcessesScript } from '../support/stray-processes.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const SKIP_FILE = join(tmpdir(), 'ahe-containers-skip.txt');
const engine = containerEngine('podman');

function skipReason(): string | false {
  if (process.env.AHE_CONTAINER_TESTS !== '1')
    return 'container tests run only through `npm run test:containers` (it prepares podman and the base image)';
  if (existsSync(SKIP_FILE)) return readFileSync(SKIP_FILE, 'utf8').trim();
  const info = spawnSync('podman', [...engine.argv.slice(1), 'image', 'exists', 'ahe-base:local']);
  if (info.error || info.status !== 0)
    return 'podman cannot run here or ahe-base:local is missing (run node scripts/setup-podman.mjs)';
  return false;
}
const skip = skipReason();
if (skip) process.stdout.write(`# container tests skipped: ${skip}\n`);

const jobDir = () => mkdtempSync(join(tmpdir(), 'ahe-cjob-'));
function bundled(name: string): Task {
  const { task, problem } = loadTask(join(ROOT, 'tasks/train', name));
  assert.ok(task, problem?.message);
  return task;
}
function made(spec: TaskSpec, root?: string): Task {
  const { task, problem } = loadTask(makeTask(spec, root));
  assert.ok(task, problem?.message);
  return task;
}
async function containersOf(label: string): Promise<string[]> {
  const r = await runEngine(engine, ['ps', '-a', '-q', '--filter', `label=${label}`]);
  return r.stdout.split('\n').filter(Boolean);
}

test('bundled tasks: the oracle passes and the noop agent fails, in podman; no container is left', {
  skip,
}, async () => {
  const tasks = [bundled('top-words'), bundled('csv-region-totals')];
  for (const agent of ['oracle', 'noop'] as const) {
    const dir = jobDir();
    const outcome = await runJob({
      jobDir: dir,
      tasks,
      k: 1,
      agent: { kind: agent },
      backend: 'podman',
      concurrency: 2,
      tasksDir: join(ROOT, 'tasks/train'),
    });
    for (const t of tasks) {
      const result = JSON.parse(readFileSync(join(dir, `${t.name}__1`, 'result.json'), 'utf8'));
      assert.equal(result.config.environment.type, 'podman');
      if (agent === 'oracle') {
        assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
        assert.equal(result.verifier_result.rewards.reward, 1, t.name);
      } else assert.equal(result.verifier_result.rewards.reward, 0, t.name);
    }
    assert.equal(outcome.interrupted, false);
  }
  assert.deepEqual(await containersOf('ahe.trial=top-words__1'), []);
});

test("the network is cut unless the task allows it; the image's WORKDIR and ENV apply", { skip }, async () => {
  const probe =
    'python3 -c "import socket; socket.create_connection((\'1.1.1.1\', 53), timeout=3)" 2>/dev/null && echo online || echo offline';
  const task = made({
    dockerfile: 'FROM debian:bookworm-slim\nENV GREETING=hello\nWORKDIR /work/dir\n',
    solve: `{ pwd; echo "$GREETING"; ip -o link 2>/dev/null | grep -v ' lo:' | wc -l; ${probe}; } > /tmp/probe.txt\n`,
    test: 'mkdir -p /logs/verifier; cp /tmp/probe.txt /logs/verifier/probe.txt; echo 1 > /logs/verifier/reward.txt\n',
  });
  const dir = jobDir();
  const result = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'podman' });
  assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
  const lines = readFileSync(join(dir, 'task__1', 'verifier', 'probe.txt'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines[0], '/work/dir');
  assert.equal(lines[1], 'hello');
  assert.equal(lines.at(-1), 'offline');
});

test("a build failure is the trial's exception and the job goes on; a missing base image is an ImagePullError", {
  skip,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ahe-csuite-'));
  const broken = made({ name: 'broken', dockerfile: 'FROM debian:bookworm-slim\nRUN exit 3\n' }, root);
  const unpullable = made({ name: 'unpullable', dockerfile: 'FROM registry.invalid/nothing:here\n' }, root);
  const fine = made({ name: 'fine' }, root);
  const dir = jobDir();
  const tasks = [broken, unpullable, fine];
  const outcome = await runJob({
    jobDir: dir,
    tasks,
    k: 1,
    agent: { kind: 'oracle' },
    backend: 'podman',
    concurrency: 3,
    tasksDir: root,
  });
  const read = (name: string) => JSON.parse(readFileSync(join(dir, `${name}__1`, 'result.json'), 'utf8'));
  assert.equal(read('broken').exception_info.exception_type, 'EnvironmentBuildError');
  assert.match(read('broken').exception_info.exception_message, /build of broken's environment\/Dockerfile failed/);
  assert.equal(read('unpullable').exception_info.exception_type, 'ImagePullError');
  assert.match(read('unpullable').exception_info.exception_message, /cannot be pulled/);
  assert.equal(read('fine').verifier_result.rewards.reward, 1);
  assert.equal(outcome.result.n_total_trials, 3);
});

test('exec: a timed-out command is killed inside the container, output is capped, files go both ways', {
  skip,
}, async () => {
  const sandbox = await createContainerSandbox({
    engine,
    image: 'ahe-base:local',
    trialName: 'exec-probe__1',
    workdir: '/app',
    pidsMax: 256,
  });
  try {
    const slow = await sandbox.exec('sleep 30 & sleep 30', { timeoutSec: 1 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.exitCode, null);
    const ps = await sandbox.exec('ps -eo cmd | grep -c "^sleep 30" || true', { timeoutSec: 10 });
    assert.equal(ps.stdout.trim(), '0');
    const loud = await sandbox.exec('head -c 100000 /dev/zero | tr "\\0" x', { maxOutputBytes: 1000 });
    assert.ok(loud.stdout.length < 1100, `${loud.stdout.length} bytes kept`);
    assert.match(loud.stdout, /bytes dropped by the output cap/);
    assert.ok(loud.droppedBytes >= 99000);
    await sandbox.writeFile('notes/a.txt', 'hi\n');
    assert.equal(await sandbox.readFile('/app/notes/a.txt'), 'hi\n');
    const out = mkdtempSync(join(tmpdir(), 'ahe-dl-'));
    await sandbox.download('notes', join(out, 'notes'));
    assert.equal(readFileSync(join(out, 'notes', 'a.txt'), 'utf8'), 'hi\n');
    await sandbox.upload(join(out, 'notes'), '/tests');
    assert.equal((await sandbox.exec('cat /tests/a.txt')).stdout, 'hi\n');
  } finally {
    await sandbox.close();
  }
  assert.deepEqual(await containersOf('ahe.trial=exec-probe__1'), []);
});

test('after a crash (kill -9 mid-trial) `ahe gc` removes the leftover container', { skip }, async () => {
  const task = made({ solve: 'sleep 60\n', agentTimeoutSec: 120 });
  const out = jobDir();
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/ahe.js'),
      'eval',
      '--tasks',
      join(task.dir, '..'),
      '--agent',
      'oracle',
      '--backend',
      'podman',
      '--out',
      out,
      '--quiet',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 60_000;
  while ((await containersOf('ahe.trial=task__1')).length === 0) {
    assert.ok(Date.now() < deadline, 'the trial container never started');
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal((await containersOf('ahe.trial=task__1')).length, 1, 'kill -9 leaves the container behind');
  const gc = spawnSync(process.execPath, [join(ROOT, 'bin/ahe.js'), 'gc', '--backend', 'podman'], { encoding: 'utf8' });
  assert.equal(gc.status, 0, gc.stderr);
  assert.match(gc.stdout, /[1-9]\d* containers? removed/);
  assert.deepEqual(await containersOf('ahe=1'), []);
});

test('Ctrl-C (SIGINT) during a trial removes its container before ahe exits', { skip }, async () => {
  const task = made({ solve: 'sleep 60\n', agentTimeoutSec: 120 });
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/ahe.js'),
      'eval',
      '--tasks',
      join(task.dir, '..'),
      '--agent',
      'oracle',
      '--backend',
      'podman',
      '--out',
      jobDir(),
      '--quiet',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 60_000;
  while ((await containersOf('ahe.trial=task__1')).length === 0) {
    assert.ok(Date.now() < deadline, 'the trial container never started');
    await new Promise((r) => setTimeout(r, 300));
  }
  child.kill('SIGINT');
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 130);
  assert.deepEqual(await containersOf('ahe.trial=task__1'), []);
});

test('nothing the agent phase started outlives it in a container: background, double-forked, setsid, TERM-ignoring and fork-loop processes cannot forge the reward', {
  skip,
}, async () => {
  const task = made({ solve: strayProcessesScript('named-like-pid-1'), test: HONEST_VERIFIER_SCRIPT });
  const dir = jobDir();
  const r = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'podman' });
  const out = readFileSync(join(dir, 'task__1', 'verifier', 'test-stdout.txt'), 'utf8');
  assert.match(out, /^alive:$/m, out.slice(0, 300));
  assert.deepEqual(r.verifier_result, { rewards: { reward: 0 } });
  const killed = killedStrays(readFileSync(join(dir, 'task__1', 'trial.log'), 'utf8'));
  assert.ok(killed >= 6, `killed ${killed}`);
});
