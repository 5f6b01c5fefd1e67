// `ahe experiments run --queue`: two experiment files on the offline demo, every evaluation's trials run
// by an `ahe worker` through a real redis-server, and the comparison table written as without a queue.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { redisSkipReason, startRedisServer } from '../support/redis-server.ts';
import { runCli } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const skip = redisSkipReason() || (bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`);
if (skip) console.log(`# skipping the distributed experiments test: ${skip}`);

test('experiments run --queue: both experiments evaluated on a worker, one table', {
  skip,
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-dist-experiments-'));
  const demo = makeDemo(dir);
  const base = [
    `harness: ${join(ROOT, 'harnesses', 'seed')}`,
    'tasks: tasks',
    `model: scripted:${demo.codingScript}`,
    `evolve-model: scripted:${demo.evolveScript}`,
    'debug-model: none',
    'k: 1',
    'quiet: true',
  ];
  writeFileSync(join(dir, 'base.yaml'), `${base.join('\n')}\n`);
  writeFileSync(join(dir, 'a.yaml'), 'extends: base.yaml\niterations: 0\nout: runs/a\n');
  writeFileSync(join(dir, 'b.yaml'), 'extends: base.yaml\niterations: 1\nout: runs/b\n');
  const redis = await startRedisServer();
  const logs: string[] = [];
  const worker: ResultPromise = execa(
    'node',
    [BIN, 'worker', '--queue', redis.url, '--concurrency', '3', '--backend', 'bwrap'],
    {
      reject: false,
      stdin: 'ignore',
      all: true,
      buffer: false,
      env: { AHE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'ahe-dist-experiments-cache-')) },
    },
  );
  worker.all?.on('data', (d: Buffer) => logs.push(...String(d).split('\n').filter(Boolean)));
  try {
    const r = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml', '--queue', redis.url], {
      cwd: dir,
      timeoutMs: 240_000,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const rows = JSON.parse(readFileSync(join(dir, 'experiments.json'), 'utf8')).experiments;
    assert.deepEqual(
      rows.map((row: { file: string; stop_reason: string }) => [row.file, row.stop_reason]),
      [
        ['a.yaml', 'all 0 iterations done'],
        ['b.yaml', 'all 1 iterations done'],
      ],
    );
    // Every trial of the three evaluations (a: seed; b: seed and iteration 1) ran on the worker.
    const tasks = Object.keys(JSON.parse(readFileSync(join(dir, 'runs/b/iterations/1/job/result.json'), 'utf8')).tasks);
    const done = logs.filter((l) => / done /.test(l)).length;
    assert.ok(done >= 3 * tasks.length, `${done} trials done by the worker:\n${logs.join('\n')}`);
  } finally {
    worker.kill('SIGTERM');
    await worker;
    await redis.stop();
  }
});
