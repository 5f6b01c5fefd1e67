// `--queue` with a `chaos:` model spec: the producer ships the inner scripted model's file like a
// `scripted:` one, and the worker builds the chaos wrapper around its own copy. The producer's file is
// deleted before a worker takes the trial, so only the shipped copy can answer. Skipped (with the
// reason) when redis-server or bwrap is missing; run by `npm run test:distributed`.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { loadTask } from '../../src/bench/load-task.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { openTrialQueue } from '../../src/queue/enqueue-job.ts';
import { startWorker } from '../../src/queue/run-worker.ts';
import { queueName } from '../../src/queue/trial-payload.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';
import { redisSkipReason, startRedisServer } from '../support/redis-server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const skip = redisSkipReason() || (bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`);
if (skip) console.log(`# skipping the chaos --queue test: ${skip}`);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-chaos-queue-${prefix}-`));

test('a chaos: spec over --queue runs on the worker with the shipped inner script', { skip }, async () => {
  const redis = await startRedisServer();
  const scriptDir = tmp('script');
  const script = join(scriptDir, 'solver.yaml');
  writeFileSync(
    script,
    stringify({
      name: 'chaos-queue',
      turns: [
        {
          reply: {
            content: '',
            tool_calls: [{ name: 'run_shell_command', arguments: { command: 'touch /app/done' } }],
          },
        },
        { reply: { content: 'Done.' } },
      ],
    }),
  );
  // Rate 0: no call is faulted, so the outcome is the script's; the spec's options still have to survive.
  const spec = `chaos:0:seed=7:faults=empty_reply:scripted:${script}`;
  const loaded = loadTask(makeTask({ name: 'tiny' }));
  assert.ok(loaded.task, loaded.problem?.message);
  const harness = await loadHarness(join(ROOT, 'harnesses', 'seed'));
  const queue = await openTrialQueue({ url: redis.url, backend: 'bwrap', pollMs: 200 });
  const log: string[] = [];
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const watcher = new Queue(queueName('bwrap'), { connection });
  try {
    const jobDir = tmp('job');
    const done = queue.executeTrial(
      {
        task: loaded.task,
        attempt: 1,
        jobDir,
        agent: { kind: 'harness', harness, modelSpec: spec },
        backend: 'bwrap',
      },
      { onStart: () => {}, jobId: 'chaos-job' },
    );
    // Once the trial is in the queue its script is shipped: the producer's copy goes before any worker runs.
    while ((await watcher.getJobCounts('waiting')).waiting === 0) await new Promise((r) => setTimeout(r, 50));
    rmSync(scriptDir, { recursive: true, force: true });
    worker = await startWorker({
      url: redis.url,
      concurrency: 1,
      backend: 'bwrap',
      cacheDir: tmp('cache'),
      log: (line) => log.push(line),
    });
    const result = await done;
    assert.equal(result.exception_info, null, `${result.exception_info?.exception_message}\n${log.join('\n')}`);
    assert.deepEqual(result.verifier_result, { rewards: { reward: 1 } });
    assert.equal((result.config.agent as { model?: string }).model, spec, 'recorded as the producer named it');
  } finally {
    await worker?.stop(false);
    await watcher.close();
    connection.disconnect();
    await queue.close();
    await redis.stop();
  }
});
