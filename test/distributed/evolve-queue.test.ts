// `ahe evolve --queue`: the offline evolution demo with every evaluation's trials run by two `ahe
// worker` processes through a real redis-server reaches the verdicts of a local run. (The same on podman,
// docker and image: test/containers/evolve-backends.test.ts.)

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveArgs } from '../support/demo-evolve.ts';
import { redisSkipReason, startRedisServer } from '../support/redis-server.ts';
import { runCli } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const skip = redisSkipReason() || (bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`);
if (skip) console.log(`# skipping the distributed evolve test: ${skip}`);

test('evolve --queue: the demo evolution with its trials on two workers ends with the verdicts of a local run', {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-dist-evolve-'));
  const demo = makeDemo(dir);
  const redis = await startRedisServer();
  const logs: string[] = [];
  const workers: ResultPromise[] = [1, 2].map((i) => {
    const w = execa('node', [BIN, 'worker', '--queue', redis.url, '--concurrency', '2', '--backend', 'bwrap'], {
      reject: false,
      stdin: 'ignore',
      all: true,
      buffer: false,
      env: { AHE_CACHE_DIR: mkdtempSync(join(tmpdir(), `ahe-dist-evolve-cache${i}-`)) },
    });
    w.all?.on('data', (d: Buffer) => logs.push(...String(d).split('\n').filter(Boolean)));
    return w;
  });
  try {
    const run = join(dir, 'run');
    const r = await runCli(
      [...demoEvolveArgs(demo, { out: run, iterations: 3 }), '--backend', 'bwrap', '--queue', redis.url],
      { timeoutMs: 150_000 },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /check-stated-rules EFFECTIVE/);
    assert.match(r.stdout, /save-time HARMFUL \| save-time/);
    assert.match(r.stdout, /Stopped: all 3 iterations done\./);
    const job = JSON.parse(readFileSync(join(run, 'iterations', '1', 'job', 'result.json'), 'utf8'));
    assert.ok(job.finished_at);
    assert.equal(JSON.parse(readFileSync(join(run, 'iterations', '1', 'job', 'config.json'), 'utf8')).backend, 'bwrap');
    // Every trial of every evaluation ran on a worker.
    const done = logs.filter((l) => / done /.test(l)).length;
    assert.ok(done >= 4 * Object.keys(job.tasks).length, `${done} trials done by the workers:\n${logs.join('\n')}`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers);
    await redis.stop();
  }
});
