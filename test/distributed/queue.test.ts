// Distributed rollouts as a user meets them: a real redis-server, `ahe worker` processes and
// `ahe eval --queue`. A worker killed with SIGKILL mid-run and a producer killed with -9 and run
// again change nothing: the job equals a local run of the same job. Skipped (with the reason) when
// redis-server is not installed; run by `npm run test:distributed`.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';
import { freePort, redisSkipReason, startRedisServer } from '../support/redis-server.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const skip = redisSkipReason() || (bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`);
if (skip) console.log(`# skipping the distributed tests: ${skip}`);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-dist-${prefix}-`));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TASKS = ['csv-region-totals', 'top-words', 'repair-json-config'];
const K = 7; // 21 trials

/** A scripted model that solves two bundled tasks and gives up on the third, 300 ms per call. */
function writeScript(dir: string): string {
  const solve = (task: string) => readFileSync(join(ROOT, 'tasks', 'train', task, 'solution', 'solve.sh'), 'utf8');
  const solving = (needle: string, task: string) => ({
    when: { user_contains: needle },
    turns: [
      {
        delay_ms: 300,
        reply: {
          content: 'Running the fix.',
          tool_calls: [{ name: 'run_shell_command', arguments: { command: solve(task) } }],
        },
      },
      { delay_ms: 300, reply: { content: 'Done.' } },
    ],
  });
  const file = join(dir, 'solver.yaml');
  writeFileSync(
    file,
    stringify({
      name: 'dist-solver',
      variants: [
        solving('sales.csv', 'csv-region-totals'),
        solving('book.txt', 'top-words'),
        {
          when: { user_contains: 'config.json' },
          turns: [{ delay_ms: 300, reply: { content: 'I cannot fix this.' } }],
        },
      ],
    }),
  );
  return file;
}

const evalArgs = (script: string, out: string) => [
  'eval',
  '--tasks',
  join(ROOT, 'tasks', 'train'),
  '--task',
  ...TASKS,
  '--harness',
  join(ROOT, 'harnesses', 'seed'),
  '--model',
  `scripted:${script}`,
  '-k',
  String(K),
  '--out',
  out,
  '--quiet',
];

function startWorker(url: string, cacheDir: string, log: string[]): ResultPromise {
  const child = execa('node', [BIN, 'worker', '--queue', url, '--concurrency', '3', '--lock-ms', '3000'], {
    reject: false,
    stdin: 'ignore',
    env: { AHE_CACHE_DIR: cacheDir, OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined },
    all: true,
    buffer: false,
  });
  child.all?.on('data', (d: Buffer) => log.push(...String(d).split('\n').filter(Boolean)));
  return child;
}

const finishedTrials = (jobDir: string) =>
  existsSync(jobDir) ? readdirSync(jobDir).filter((d) => existsSync(join(jobDir, d, 'result.json'))).length : 0;

/** Per trial directory, the files it holds (relative paths, sorted). */
function trialFiles(jobDir: string): Record<string, string[]> {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return Object.fromEntries(
    readdirSync(jobDir)
      .filter((d) => d.includes('__'))
      .sort()
      .map((d) => [
        d,
        walk(join(jobDir, d))
          .map((f) => relative(join(jobDir, d), f))
          .sort(),
      ]),
  );
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('21 trials on two workers, one killed with SIGKILL mid-run and the producer killed with -9 and re-run: the job equals a local run', {
  skip,
  timeout: 240_000,
}, async () => {
  const dir = tmp('job');
  const script = writeScript(dir);
  const local = join(dir, 'local');
  // The reference: the same job run locally (first, so the two runs do not compete for the machine).
  // Each run has its own environment cache (AHE_CACHE_DIR), so no other ahe run on the machine shares it.
  const reference = await runCli([...evalArgs(script, local), '--concurrency', '6'], {
    timeoutMs: 180_000,
    env: { AHE_CACHE_DIR: tmp('cache0') },
  });
  assert.equal(reference.exitCode, 0, reference.stderr);

  const redis = await startRedisServer();
  const logs: string[][] = [[], []];
  const workers = [startWorker(redis.url, tmp('cache1'), logs[0]!), startWorker(redis.url, tmp('cache2'), logs[1]!)];
  try {
    const dist = join(dir, 'dist');
    const args = [...evalArgs(script, dist), '--queue', redis.url];
    // The producer dies first (kill -9 after 3 finished trials) …
    const producer = execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
    await waitFor('3 finished trials', () => finishedTrials(dist) >= 3);
    producer.kill('SIGKILL');
    await producer;
    // … then a worker dies while it runs trials.
    await waitFor(
      'worker 1 running a trial',
      () => logs[0]!.filter((l) => / start /.test(l)).length > logs[0]!.filter((l) => / done /.test(l)).length,
    );
    workers[0]!.kill('SIGKILL');
    await workers[0];
    const killedWhileRunning =
      logs[0]!.filter((l) => / start /.test(l)).length - logs[0]!.filter((l) => / done /.test(l)).length;
    assert.ok(killedWhileRunning > 0);

    // Re-running the same command re-attaches to the queue; the killed worker's trials go to worker 2.
    const again = await runCli(args, { timeoutMs: 180_000 });
    assert.equal(again.exitCode, 0, again.stderr);
    const job = readJson(join(dist, 'result.json'));
    const expected = readJson(join(local, 'result.json'));
    assert.ok(job.finished_at);
    assert.equal(job.n_total_trials, 21);
    assert.equal(job.stats.n_trials, 21);
    assert.deepEqual(job.tasks, expected.tasks);
    assert.deepEqual(job.tasks['top-words'], { n: 7, c: 7, rewards: [1, 1, 1, 1, 1, 1, 1], exceptions: [] });
    assert.equal(job.tasks['repair-json-config'].c, 0);
    assert.equal(job.pass_at_1, expected.pass_at_1);
    assert.deepEqual(job.tokens, expected.tokens);
    assert.deepEqual(trialFiles(dist), trialFiles(local));
    // Each trial was written once, with the producer's paths.
    const trial = readJson(join(dist, 'top-words__3', 'result.json'));
    assert.equal(trial.trial_uri, `file://${join(dist, 'top-words__3')}`);
    assert.equal(trial.task_id.path, join(ROOT, 'tasks', 'train', 'top-words'));
    assert.equal(trial.source, 'train');
    assert.equal(trial.config.agent.harness.dir, join(ROOT, 'harnesses', 'seed'));
    assert.equal(trial.config.agent.model, `scripted:${script}`);
    // The re-run ran exactly the trials not finished on disk (a trial the killed producer had just
    // written may lack its job.log line, as in a local run killed at that instant).
    const rerun = readFileSync(join(dist, 'job.log'), 'utf8')
      .split(/^(?=.* planned )/m)
      .at(-1)!;
    const toRun = Number(/planned 21 trials: \d+ already finished, (\d+) to run/.exec(rerun)?.[1]);
    assert.ok(toRun > 0 && toRun < 21, rerun);
    assert.equal(rerun.match(/ done /g)?.length, toRun);
    // Worker 2 ran what worker 1 dropped.
    assert.ok(logs[1]!.some((l) => / done /.test(l)));
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers);
    await redis.stop();
  }
});

test('SIGTERM: a worker finishes its running trials and exits; a second SIGTERM returns them to the queue for another worker', {
  skip,
  timeout: 180_000,
}, async () => {
  const suite = tmp('slow');
  makeTask({ name: 'slow', solve: 'sleep 3; touch /app/done\n' }, suite);
  const redis = await startRedisServer();
  const children: ResultPromise[] = [];
  const worker = (log: string[]) => {
    const w = startWorker(redis.url, tmp('cache'), log);
    children.push(w);
    return w;
  };
  const starts = (log: string[]) => log.filter((l) => / start /.test(l)).length;
  const produce = (out: string) =>
    runCli(['eval', '--tasks', suite, '--agent', 'oracle', '-k', '2', '--out', out, '--queue', redis.url, '--quiet'], {
      timeoutMs: 120_000,
    });
  try {
    // One SIGTERM: both running trials finish on this worker, which then exits 0.
    const logA: string[] = [];
    const a = worker(logA);
    const outA = join(tmp('job'), 'j');
    const jobA = produce(outA);
    await waitFor('2 trials running on worker A', () => starts(logA) === 2);
    a.kill('SIGTERM');
    assert.equal((await a).exitCode, 0);
    assert.ok(
      logA.some((l) => /stopping: finishing 2 running trial/.test(l)),
      logA.join('\n'),
    );
    assert.equal(logA.filter((l) => / done /.test(l)).length, 2);
    const rA = await jobA;
    assert.equal(rA.exitCode, 0, rA.stderr);
    assert.deepEqual(readJson(join(outA, 'result.json')).tasks.slow, { n: 2, c: 2, rewards: [1, 1], exceptions: [] });

    // Two SIGTERMs: the running trials go back to the queue at once and worker C runs them.
    const logB: string[] = [];
    const b = worker(logB);
    const outB = join(tmp('job'), 'j');
    const jobB = produce(outB);
    await waitFor('2 trials running on worker B', () => starts(logB) === 2);
    b.kill('SIGTERM');
    await sleep(200);
    b.kill('SIGTERM');
    assert.equal((await b).exitCode, 0);
    assert.equal(logB.filter((l) => /returned slow__[12] to the queue/.test(l)).length, 2, logB.join('\n'));
    assert.equal(logB.filter((l) => / done /.test(l)).length, 0);
    const logC: string[] = [];
    worker(logC);
    const rB = await jobB;
    assert.equal(rB.exitCode, 0, rB.stderr);
    assert.equal(logC.filter((l) => / done /.test(l)).length, 2);
    assert.deepEqual(readJson(join(outB, 'result.json')).tasks.slow, { n: 2, c: 2, rewards: [1, 1], exceptions: [] });
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children);
    await redis.stop();
  }
});

test('an idle worker stops at once on SIGTERM; an unreachable queue is one clear error naming the URL', {
  skip,
  timeout: 120_000,
}, async () => {
  const port = await freePort();
  const missing = await runCli([
    'eval',
    '--tasks',
    join(ROOT, 'tasks', 'train'),
    '--task',
    'top-words',
    '--agent',
    'oracle',
    '--out',
    join(tmp('none'), 'j'),
    '--queue',
    `redis://127.0.0.1:${port}`,
  ]);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
  assert.doesNotMatch(missing.stderr, STACK_LINE);
  const noWorker = await runCli(['worker', '--queue', `redis://127.0.0.1:${port}`]);
  assert.equal(noWorker.exitCode, 2);
  assert.match(noWorker.stderr, /cannot reach Redis at/);

  const redis = await startRedisServer();
  const log: string[] = [];
  const worker = startWorker(redis.url, tmp('cache'), log);
  try {
    await waitFor('the worker to start', () => log.some((l) => /ahe worker ·/.test(l)), 30_000);
    worker.kill('SIGTERM');
    const r = await worker;
    assert.equal(r.exitCode, 0);
    assert.ok(
      log.some((l) => /stopping: finishing 0 running trial/.test(l)),
      log.join('\n'),
    );
    assert.ok(log.some((l) => /worker closed/.test(l)));
  } finally {
    worker.kill('SIGKILL');
    await redis.stop();
  }
});
