// Trials in podman and docker containers, offline: bundled tasks with the oracle (pass) and the noop
// agent (fail), the network cut, a build failure recorded as the trial's exception while the job goes
// on, time limits, and no container left behind (after a job, after Ctrl-C, and after a crash:
// `ahe gc`). Every test runs once per engine; an engine that cannot run here is skipped with its reason.
// Run through `npm run test:containers` (scripts/setup-podman.mjs and scripts/setup-docker.mjs prepare
// the engines and the local base image first); under `npm run test:unit` these tests skip and say so.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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
import { CONTAINER_ENGINES, containerSkipReason, containersLabelled } from '../support/container-engines.ts';
import { makeTask, type TaskSpec } from '../support/make-task.ts';
import { liveProcesses } from '../support/processes.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const AHE = join(ROOT, 'bin/ahe.js');

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
/** The reaper (src/sandbox/reaper.ts) a process started: its child running the reaper's script. */
const reaperOf = (pid: number) =>
  liveProcesses().find((p) => p.ppid === pid && p.cmdline.includes('declare -A groups'))?.pid;
const exited = (child: ChildProcess) =>
  new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));

for (const kind of CONTAINER_ENGINES) {
  const skip = containerSkipReason(kind);
  const engine = containerEngine(kind);
  const containersOf = (label: string) => containersLabelled(engine, label);
  /** `ahe eval` of one made task, its trial container running `sleep 60`, spawned as a user would. */
  const evalSleeper = async (out: string) => {
    const task = made({ solve: 'sleep 60\n', agentTimeoutSec: 120 });
    const child = spawn(
      process.execPath,
      [AHE, 'eval', '--tasks', join(task.dir, '..'), '--agent', 'oracle', '--backend', kind, '--out', out, '--quiet'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 120_000;
    while ((await containersOf(`ahe.pid=${child.pid}`)).length === 0) {
      assert.ok(Date.now() < deadline && child.exitCode === null, 'the trial container never started');
      await new Promise((r) => setTimeout(r, 300));
    }
    return child;
  };

  test(`${kind}: bundled tasks: the oracle passes and the noop agent fails; no container is left`, {
    skip,
  }, async () => {
    const tasks = ['top-words', 'csv-region-totals', 'build-shared-library', 'git-recover-lost-work'].map(bundled);
    for (const agent of ['oracle', 'noop'] as const) {
      const dir = jobDir();
      const outcome = await runJob({
        jobDir: dir,
        tasks,
        k: 1,
        agent: { kind: agent },
        backend: kind,
        concurrency: 2,
        tasksDir: join(ROOT, 'tasks/train'),
      });
      for (const t of tasks) {
        const result = JSON.parse(readFileSync(join(dir, `${t.name}__1`, 'result.json'), 'utf8'));
        assert.equal(result.config.environment.type, kind);
        if (agent === 'oracle') {
          assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
          assert.equal(result.verifier_result.rewards.reward, 1, t.name);
        } else
          assert.equal(
            result.verifier_result?.rewards.reward,
            0,
            `${t.name}: ${JSON.stringify(result.exception_info)}`,
          );
      }
      assert.equal(outcome.interrupted, false);
    }
    for (const t of tasks) assert.deepEqual(await containersOf(`ahe.trial=${t.name}__1`), [], t.name);
  });

  test(`${kind}: \`ahe eval\` leaves no container behind when it exits`, { skip }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'ahe-csuite-'));
    made({ name: 'one' }, root);
    made({ name: 'two', solve: 'sleep 0.2 & touch /app/done\n' }, root);
    const out = jobDir();
    const child = spawn(
      process.execPath,
      [AHE, 'eval', '--tasks', root, '--agent', 'oracle', '--backend', kind, '--out', out, '--quiet'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (d) => {
      if (output.length < 20_000) output += d;
    });
    child.stderr?.on('data', (d) => {
      if (output.length < 20_000) output += d;
    });
    assert.equal(await exited(child), 0, output);
    const summary = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.equal(summary.stats.n_trials, 2, JSON.stringify(summary.stats));
    assert.equal(summary.stats.n_errors, 0, JSON.stringify(summary.stats));
    for (const name of ['one', 'two']) {
      const trial = JSON.parse(readFileSync(join(out, `${name}__1`, 'result.json'), 'utf8'));
      assert.equal(trial.verifier_result.rewards.reward, 1, name);
    }
    assert.deepEqual(await containersOf(`ahe.pid=${child.pid}`), []);
  });

  test(`${kind}: the network is cut unless the task allows it; the image's WORKDIR and ENV apply`, {
    skip,
  }, async () => {
    const probe =
      'python3 -c "import socket; socket.create_connection((\'1.1.1.1\', 53), timeout=3)" 2>/dev/null && echo online || echo offline';
    const task = made({
      dockerfile: 'FROM debian:bookworm-slim\nENV GREETING=hello\nWORKDIR /work/dir\n',
      solve: `{ pwd; echo "$GREETING"; ip -o link 2>/dev/null | grep -v ' lo:' | wc -l; ${probe}; } > /tmp/probe.txt\n`,
      test: 'mkdir -p /logs/verifier; cp /tmp/probe.txt /logs/verifier/probe.txt; echo 1 > /logs/verifier/reward.txt\n',
    });
    const dir = jobDir();
    const result = await runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: kind });
    assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
    const lines = readFileSync(join(dir, 'task__1', 'verifier', 'probe.txt'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(lines[0], '/work/dir');
    assert.equal(lines[1], 'hello');
    assert.equal(lines[2], '0', 'a network interface besides lo');
    assert.equal(lines.at(-1), 'offline');
  });

  test(`${kind}: a build failure is the trial's exception and the job goes on; a missing base image is an ImagePullError`, {
    skip,
  }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'ahe-csuite-'));
    const broken = made({ name: 'broken', dockerfile: 'FROM debian:bookworm-slim\nRUN exit 3\n' }, root);
    const unpullable = made({ name: 'unpullable', dockerfile: 'FROM registry.invalid/nothing:here\n' }, root);
    const fine = made({ name: 'fine' }, root);
    const dir = jobDir();
    const tasks = [broken, unpullable, fine];
    // Containers left by a failed `RUN exit 3` step (this one's, or earlier runs' before --force-rm).
    const leftBehind = async () => {
      const ps = await runEngine(engine, ['ps', '-a', '--format', '{{.Command}}']);
      assert.equal(ps.exitCode, 0, ps.stderr);
      return ps.stdout.split('\n').filter((l) => /exit 3/.test(l)).length;
    };
    const before = await leftBehind();
    const outcome = await runJob({
      jobDir: dir,
      tasks,
      k: 1,
      agent: { kind: 'oracle' },
      backend: kind,
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
    assert.equal(await leftBehind(), before, 'the failed build left no container behind');
  });

  test(`${kind}: exec: a timed-out command is killed inside the container, output is capped, files go both ways`, {
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

  test(`${kind}: kill -9 mid-trial: ahe's reaper removes the trial's container`, { skip }, async () => {
    const child = await evalSleeper(jobDir());
    child.kill('SIGKILL');
    await exited(child);
    const deadline = Date.now() + 120_000;
    while ((await containersOf(`ahe.pid=${child.pid}`)).length > 0) {
      assert.ok(Date.now() < deadline, 'the container of a killed ahe is still there after 120 s');
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  test(`${kind}: after a crash that takes the reaper too, \`ahe gc --backend ${kind}\` removes the leftover container`, {
    skip,
  }, async () => {
    const child = await evalSleeper(jobDir());
    const reaper = reaperOf(child.pid!);
    assert.ok(reaper, 'no reaper process under ahe');
    process.kill(reaper, 'SIGKILL');
    child.kill('SIGKILL');
    await exited(child);
    const left = await containersOf(`ahe.pid=${child.pid}`);
    assert.equal(left.length, 1, 'kill -9 of ahe and its reaper leaves the container behind');
    const gc = spawnSync(process.execPath, [AHE, 'gc', '--backend', kind], { encoding: 'utf8' });
    assert.equal(gc.status, 0, gc.stderr);
    assert.match(gc.stdout, /^[1-9]\d* containers? removed: /m);
    assert.ok(gc.stdout.includes(left[0]!.slice(0, 12)), gc.stdout);
    assert.deepEqual(await containersOf(`ahe.pid=${child.pid}`), []);
    // Again, with nothing of this run left: no error. (Only the form of the line is checked: other
    // runs on this machine may have left containers of their own meanwhile.)
    const again = spawnSync(process.execPath, [AHE, 'gc', '--backend', kind], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^\d+ containers? removed/);
  });

  test(`${kind}: \`ahe gc\` keeps the container of a run that still runs (--all removes it)`, { skip }, async () => {
    const child = await evalSleeper(jobDir());
    try {
      const mine = await containersOf(`ahe.pid=${child.pid}`);
      assert.equal(mine.length, 1);
      const gc = spawnSync(process.execPath, [AHE, 'gc', '--backend', kind], { encoding: 'utf8' });
      assert.equal(gc.status, 0, gc.stderr);
      assert.match(gc.stdout, /containers? kept: the run that made/);
      assert.ok(gc.stdout.split('kept:')[1]?.includes(mine[0]!.slice(0, 12)), gc.stdout);
      assert.deepEqual(await containersOf(`ahe.pid=${child.pid}`), mine);
      const all = spawnSync(process.execPath, [AHE, 'gc', '--backend', kind, '--all'], { encoding: 'utf8' });
      assert.equal(all.status, 0, all.stderr);
      assert.deepEqual(await containersOf(`ahe.pid=${child.pid}`), []);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  test(`${kind}: Ctrl-C (SIGINT) during a trial removes its container before ahe exits`, { skip }, async () => {
    const child = await evalSleeper(jobDir());
    child.kill('SIGINT');
    assert.equal(await exited(child), 130);
    assert.deepEqual(await containersOf(`ahe.pid=${child.pid}`), []);
  });

  test(`${kind}: an uncaught failure's exit still removes the containers (the exit hook)`, { skip }, async () => {
    // A process that starts a sandbox and exits without closing it, as a crash would.
    const script = [
      `import { containerEngine } from ${JSON.stringify(join(ROOT, 'src/sandbox/container-engine.ts'))};`,
      `import { createContainerSandbox } from ${JSON.stringify(join(ROOT, 'src/sandbox/container-sandbox.ts'))};`,
      `await createContainerSandbox({ engine: containerEngine('${kind}'), image: 'ahe-base:local', trialName: 'exit-hook__1', workdir: '/app' });`,
      "process.stdout.write('started\\n');",
      'process.exit(3);',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(child.status, 3, child.stderr);
    assert.equal(child.stdout, 'started\n');
    assert.deepEqual(await containersOf('ahe.trial=exit-hook__1'), []);
  });
}
