// Distributed rollouts (issue 7): trials/min with 1, 2 and 4 local `ahe worker` processes (each
// --concurrency 4) on a scripted model that waits 1 s per call (two calls per trial), and the queue's
// overhead per trial: a serial job (one worker, --concurrency 1) against the same job run locally,
// (job wall − Σ trial wall) / trials for each. Target: < 20 ms of queue overhead per trial.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { bwrapAvailable, bwrapInstallHint } from '../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../test/support/make-task.ts';
import { redisSkipReason, startRedisServer } from '../test/support/redis-server.ts';

const skip = redisSkipReason() || (bwrapAvailable() ? false : bwrapInstallHint());
if (skip) {
  console.log(`skipped: ${skip}`);
  process.exit(0);
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const TRIALS = Number(process.env.TRIALS ?? 32);
const SERIAL_TRIALS = Number(process.env.SERIAL_TRIALS ?? 20);
const WORKER_CONCURRENCY = 4;
const suite = mkdtempSync(join(tmpdir(), 'ahe-bench-dist-'));
makeTask({ name: 'touch-done' }, suite);
const script = (delayMs: number) => {
  const file = join(suite, `script-${delayMs}.yaml`);
  writeFileSync(
    file,
    stringify({
      turns: [
        {
          delay_ms: delayMs,
          reply: {
            content: 'Creating it.',
            tool_calls: [{ name: 'run_shell_command', arguments: { command: 'touch /app/done' } }],
          },
        },
        { delay_ms: delayMs, reply: { content: 'Done.' } },
      ],
    }),
  );
  return file;
};
const cache = () => mkdtempSync(join(tmpdir(), 'ahe-bench-dist-cache-'));

async function startWorkers(url: string, n: number, concurrency: number): Promise<ResultPromise[]> {
  // Wrapped in an object: a child process is a thenable, and resolving with it would wait for its exit.
  const started = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<{ w: ResultPromise }>((resolve) => {
          const w = execa('node', [BIN, 'worker', '--queue', url, '--concurrency', String(concurrency), '--quiet'], {
            reject: false,
            stdin: 'ignore',
            all: true,
            buffer: false,
            env: { AHE_CACHE_DIR: cache() },
          });
          // --quiet still prints the start line; ready once it is there.
          w.all?.on('data', (d: Buffer) => /ahe worker ·/.test(String(d)) && resolve({ w }));
        }),
    ),
  );
  return started.map((s) => s.w);
}

async function stopWorkers(workers: ResultPromise[]): Promise<void> {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers);
}

interface JobTimes {
  wall: number;
  trialSum: number;
  n: number;
  /** Serial jobs: job start → first trial start, and the gaps between one trial's end and the next one's start. */
  firstGap: number;
  gaps: number[];
}

/** Runs a job; returns its wall (from result.json), the sum of its trials' walls and the gaps between trials. */
async function job(k: number, scriptFile: string, extra: string[]): Promise<JobTimes> {
  const out = join(mkdtempSync(join(tmpdir(), 'ahe-bench-dist-job-')), 'job');
  const r = await execa(
    'node',
    [
      BIN,
      'eval',
      '--tasks',
      suite,
      '--harness',
      join(ROOT, 'harnesses', 'seed'),
      '--model',
      `scripted:${scriptFile}`,
      '-k',
      String(k),
      '--out',
      out,
      '--quiet',
      ...extra,
    ],
    { reject: false, env: { AHE_CACHE_DIR: cache() } },
  );
  if (r.exitCode !== 0) throw new Error(`ahe eval failed: ${r.stderr}`);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  const trials = readdirSync(out)
    .filter((d) => d.includes('__'))
    .map((d) => JSON.parse(readFileSync(join(out, d, 'result.json'), 'utf8')));
  const ts = (s: string) => Date.parse(s) / 1000;
  trials.sort((a, b) => ts(a.started_at) - ts(b.started_at));
  const gaps = trials.slice(1).map((t, i) => ts(t.started_at) - ts(trials[i].finished_at));
  return {
    wall: result.wall_sec,
    trialSum: trials.reduce((s, t) => s + t.ahe.wall_sec, 0),
    n: trials.length,
    firstGap: ts(trials[0].started_at) - ts(result.started_at),
    gaps,
  };
}

const redis = await startRedisServer();
try {
  const slow = script(1000);
  console.log(
    `| workers (× --concurrency ${WORKER_CONCURRENCY}) | trials | job wall | trials/min | ideal trials/min |\n|---|---|---|---|---|`,
  );
  const single = await job(1, slow, ['--concurrency', '1']);
  for (const n of [1, 2, 4]) {
    const workers = await startWorkers(redis.url, n, WORKER_CONCURRENCY);
    const r = await job(TRIALS, slow, ['--queue', redis.url]);
    await stopWorkers(workers);
    const ideal = (60 / single.trialSum) * n * WORKER_CONCURRENCY;
    console.log(
      `| ${n} | ${r.n} | ${r.wall.toFixed(2)} s | ${((r.n / r.wall) * 60).toFixed(1)} | ${ideal.toFixed(1)} |`,
    );
  }
  console.log(
    `\n(ideal: one trial alone takes ${single.trialSum.toFixed(2)} s; n × ${WORKER_CONCURRENCY} of them at once)\n`,
  );

  const fast = script(0);
  const local = await job(SERIAL_TRIALS, fast, ['--concurrency', '1']);
  const workers = await startWorkers(redis.url, 1, 1);
  const queued = await job(SERIAL_TRIALS, fast, ['--queue', redis.url]);
  await stopWorkers(workers);
  const per = (r: JobTimes) => ((r.wall - r.trialSum) / r.n) * 1000;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! * 1000;
  console.log(
    `| serial job of ${SERIAL_TRIALS} trials (no model latency) | job wall | Σ trial wall | (wall − Σ trial) / trials | start → 1st trial | median gap between trials |\n|---|---|---|---|---|---|`,
  );
  for (const [name, r] of [
    ['local, --concurrency 1', local],
    ['queue, 1 worker × --concurrency 1', queued],
  ] as const) {
    console.log(
      `| ${name} | ${r.wall.toFixed(2)} s | ${r.trialSum.toFixed(2)} s | ${per(r).toFixed(1)} ms | ${(r.firstGap * 1000).toFixed(0)} ms | ${median(r.gaps).toFixed(1)} ms |`,
    );
  }
  console.log(
    `\nqueue overhead per trial, steady state (median gap, queue − local): ${(median(queued.gaps) - median(local.gaps)).toFixed(1)} ms (target < 20 ms)`,
  );
  console.log(
    `queue overhead per trial, everything included (first-trial warm-up, outliers): ${(per(queued) - per(local)).toFixed(1)} ms`,
  );
} finally {
  await redis.stop();
}
