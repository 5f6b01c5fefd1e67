// Distributed rollouts as a user meets them: a real redis-server, `ahe worker` processes and
// `ahe eval --queue`. A worker killed with SIGKILL mid-run and a producer killed with -9 and run
// again change nothing: the job equals a local run of the same job. Skipped (with the reason) when
// redis-server is not installed; run by `npm run test:distributed`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { redisSkipReason, startRedisServer, freePort } from '../support/redis-server.ts';
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
      { delay_ms: 300, reply: { content: 'Running the fix.', tool_calls: [{ name: 'run_shell_command', arguments: { command: solve(task) } }] } },
      { delay_ms: 300, reply: { content: 'Done.' } },
    ],
  });
  const file = join(dir, 'solver.yaml');
  writeFileSync(file, stringify({ name: 'dist-solver', variants: [solving('sales.csv', 'csv-region-totals'), solving('book.txt', 'top-words'), { when: { user_contains: 'config.json' }, turns: [{ delay_ms: 300, reply: { content: 'I cannot fix this.' } }] }] }));
  return file;
}

const evalArgs = (script: string, out: string) => ['eval', '--tasks', join(ROOT, 'tasks', 'train'), '--task', ...TASKS, '--harness', join(ROOT, 'harnesses', 'seed'), '--model', `scripted:${script}`, '-k', String(K), '--out', out, '--quiet'];

function startWorker(url: string, cacheDir: string, log: string[]): ResultPromise {
  const child = execa('node', [BIN, 'worker', '--queue', url, '--concurrency', '3', '--lock-ms', '3000'], { reject: false, stdin: 'ignore', env: { AHE_CACHE_DIR: cacheDir, OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined }, all: true, buffer: false });
  child.all?.on('data', (d: Buffer) => log.push(...String(d).split('\n').filter(Boolean)));
  return child;
}

const finishedTrials = (jobDir: string) => (existsSync(jobDir) ? readdirSync(jobDir).filter((d) => existsSync(join(jobDir, d, 'result.json'))).length : 0);

/** Per trial directory, the files it holds (relative paths, sorted). */
function trialFiles(jobDir: string): Record<string, string[]> {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return Object.fromEntries(readdirSync(jobDir).filter((d) => d.includes('__')).sort().map((d) => [d, walk(join(jobDir, d)).map((f) => relative(join(jobDir, d), f)).sort()]));
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('21 trials on two workers, one killed with SIGKILL mid-run and the producer killed with -9 and re-run: the job equals a local run', { skip, timeout: 240_000 }, async () => {
  const dir = tmp('job');
  const script = writeScript(dir);
  const local = join(dir, 'local');
  // The reference: the same job run locally (first, so the two runs do not compete for the machine).
  // Each run has its own environment cache (AHE_CACHE_DIR), so no other ahe run on the machine shares it.
  const reference = await runCli([...evalArgs(script, local), '--concurrency', '6'], { timeoutMs: 180_000, env: { AHE_CACHE_DIR: tmp('cache0') } });
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
    await waitFor('worker 1 running a trial', () => logs[0]!.filter((l) => / start /.test(l)).length > logs[0]!.filter((l) => / done /.test(l)).length);
    workers[0]!.kill('SIGKILL');
    await workers[0];
    const killedWhileRunning = logs[0]!.filter((l) => / start /.test(l)).length - logs[0]!.filter((l) => / done /.test(l)).length;
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
    assert.equal(readFileSync(join(dist, 'job.log'), 'utf8').match(/ done /g)?.length, 21);
    // Worker 2 ran what worker 1 dropped.
    assert.ok(logs[1]!.some((l) => / done /.test(l)));
  } finally {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers);
    await redis.stop();
  }
});

test('a worker stops gracefully on SIGTERM; an unreachable queue is one clear error naming the URL', { skip, timeout: 120_000 }, async () => {
  const port = await freePort();
  const missing = await runCli(['eval', '--tasks', join(ROOT, 'tasks', 'train'), '--task', 'top-words', '--agent', 'oracle', '--out', join(tmp('none'), 'j'), '--queue', `redis://127.0.0.1:${port}`]);
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
    assert.ok(log.some((l) => /stopping: finishing 0 running trial/.test(l)), log.join('\n'));
    assert.ok(log.some((l) => /worker closed/.test(l)));
  } finally {
    worker.kill('SIGKILL');
    await redis.stop();
  }
});
