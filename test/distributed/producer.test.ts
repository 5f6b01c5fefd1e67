// The producer side of `--queue` (openTrialQueue) against a real redis-server, with an in-process
// BullMQ worker standing in for `ahe worker`: what it returns is chosen by each test. Skipped (with the
// reason) when redis-server is not installed; run by `npm run test:distributed`.

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadTask } from '../../src/bench/load-task.ts';
import type { TrialResult } from '../../src/bench/trial-result.ts';
import { openTrialQueue, type TrialQueue } from '../../src/queue/enqueue-job.ts';
import { packDirectory } from '../../src/queue/file-bundle.ts';
import { queueName, type TrialPayload, type TrialReturn } from '../../src/queue/trial-payload.ts';
import { makeTask } from '../support/make-task.ts';
import { type RedisServer, redisSkipReason, startRedisServer } from '../support/redis-server.ts';

const skip = redisSkipReason();
if (skip) console.log(`# skipping the producer tests: ${skip}`);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-producer-${prefix}-`));
const task = () => {
  const loaded = loadTask(makeTask({ name: 'tiny' }));
  assert.ok(loaded.task);
  return loaded.task;
};

/** What a worker of this version returns: the trial directory with a finished result.json. */
function trialReturn(p: TrialPayload): TrialReturn {
  const dir = join(tmp('worker'), p.trial_name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'result.json'),
    JSON.stringify({
      trial_name: p.trial_name,
      trial_uri: `file://${dir}`,
      finished_at: new Date().toISOString(),
      verifier_result: { rewards: { reward: 1 } },
    }),
  );
  return {
    trial_name: p.trial_name,
    worker: 'test',
    files: packDirectory(dir).bytes.toString('base64'),
    worker_paths: { trial_dir: dir, task_dir: '/nowhere', harness_dir: null },
  };
}

/** A worker in this process; `process` decides each trial's return value. */
function startFakeWorker(url: string, process: (p: TrialPayload) => unknown): { close: () => Promise<void> } {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const worker = new Worker(queueName('bwrap'), async (job: Job) => process(job.data as TrialPayload), {
    connection,
    concurrency: 50,
  });
  worker.on('error', () => undefined);
  return {
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}

async function withQueue(
  run: (
    redis: RedisServer,
    open: (o?: { pollMs?: number; unreachableMs?: number }) => Promise<TrialQueue>,
  ) => Promise<void>,
): Promise<void> {
  const redis = await startRedisServer();
  const opened: TrialQueue[] = [];
  try {
    await run(redis, async (o = {}) => {
      const q = await openTrialQueue({ url: redis.url, backend: 'bwrap', ...o });
      opened.push(q);
      return q;
    });
  } finally {
    for (const q of opened) await q.close();
    await redis.stop();
  }
}

const trialOptions = (jobDir: string, attempt: number, signal?: AbortSignal) => ({
  task: task(),
  attempt,
  jobDir,
  agent: { kind: 'oracle' as const },
  backend: 'bwrap' as const,
  signal,
});

test('no trial is reported lost while the status sweep runs during its enqueueing (a 1 ms sweep, 12 trials at once)', {
  skip,
  timeout: 120_000,
}, async () => {
  await withQueue(async (redis, open) => {
    const worker = startFakeWorker(redis.url, trialReturn);
    try {
      // A sweep every millisecond lands between every trial's registration and its queue.add, as a
      // 2 s sweep does now and then on a loaded machine.
      const q = await open({ pollMs: 1 });
      const jobDir = tmp('job');
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          q.executeTrial(trialOptions(jobDir, i + 1), { onStart: () => {}, jobId: 'race' }),
        ),
      );
      const failed = results
        .filter((r) => r.status === 'rejected')
        .map((r) => String((r as PromiseRejectedResult).reason?.message).slice(0, 200));
      assert.deepEqual(failed, []);
      for (let i = 1; i <= 12; i++)
        assert.ok(JSON.parse(readFileSync(join(jobDir, `tiny__${i}`, 'result.json'), 'utf8')).finished_at);
    } finally {
      await worker.close();
    }
  });
});

test('30 trials sharing one abort signal leave no abort listener behind and raise no MaxListenersExceededWarning', {
  skip,
  timeout: 120_000,
}, async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`.slice(0, 200));
  process.on('warning', onWarning);
  try {
    await withQueue(async (redis, open) => {
      const worker = startFakeWorker(redis.url, trialReturn);
      try {
        const q = await open();
        const jobDir = tmp('job');
        const controller = new AbortController();
        const results: TrialResult[] = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            q.executeTrial(trialOptions(jobDir, i + 1, controller.signal), { onStart: () => {}, jobId: 'listeners' }),
          ),
        );
        assert.equal(results.length, 30);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
        await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
        assert.deepEqual(
          warnings.filter((w) => /MaxListeners/.test(w)),
          [],
        );
      } finally {
        await worker.close();
      }
    });
  } finally {
    process.off('warning', onWarning);
  }
});

test('an interrupted wait rejects with InterruptedError and leaves no listener', {
  skip,
  timeout: 60_000,
}, async () => {
  await withQueue(async (_redis, open) => {
    const q = await open(); // no worker: the trial waits until the signal aborts
    const controller = new AbortController();
    const waiting = q.executeTrial(trialOptions(tmp('job'), 1, controller.signal), {
      onStart: () => {},
      jobId: 'abort',
    });
    controller.abort();
    await assert.rejects(waiting, { name: 'InterruptedError' });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});

test('a trial a worker completed with an empty return value is reported, not waited on forever', {
  skip,
  timeout: 60_000,
}, async () => {
  await withQueue(async (redis, open) => {
    const worker = startFakeWorker(redis.url, () => null);
    try {
      const q = await open({ pollMs: 200 });
      await assert.rejects(
        q.executeTrial(trialOptions(tmp('job'), 1), { onStart: () => {}, jobId: 'falsy' }),
        /completed on a worker without its files \(return value null\).*same ahe version/,
      );
    } finally {
      await worker.close();
    }
  });
});

test('Redis gone while trials wait: each fails with an error naming the URL instead of hanging, and the queue closes', {
  skip,
  timeout: 60_000,
}, async () => {
  await withQueue(async (redis, open) => {
    const q = await open({ pollMs: 100, unreachableMs: 1000 });
    const started: string[] = [];
    const waiting = [1, 2].map((a) =>
      q.executeTrial(trialOptions(tmp('job'), a), { onStart: () => started.push(String(a)), jobId: 'gone' }),
    );
    // Both trials are in Redis (no worker takes them) before it goes away.
    const check = new Redis(redis.url);
    for (
      let i = 0;
      (await check.keys(`bull:${queueName('bwrap')}:ahe:gone:*`)).filter((k) => /__\d$/.test(k)).length < 2;
      i++
    ) {
      assert.ok(i < 600, 'the trials were never enqueued');
      await new Promise((r) => setTimeout(r, 50));
    }
    check.disconnect();
    await redis.stop();
    for (const w of waiting)
      await assert.rejects(
        w,
        new RegExp(`lost contact with Redis at redis://127\\.0\\.0\\.1:${redis.port}: .*no answer for \\d+ s`),
      );
    assert.deepEqual(started, []);
  });
});

test('a trial that ended on an infrastructure error is run again by a re-run producer, not collected again', {
  skip,
  timeout: 120_000,
}, async () => {
  await withQueue(async (redis, open) => {
    let calls = 0;
    const worker = startFakeWorker(redis.url, (p) => {
      calls += 1;
      const value = trialReturn(p);
      if (calls > 1) return value;
      // The first run: the model was unreachable, as `ahe worker` reports it.
      const dir = value.worker_paths.trial_dir;
      writeFileSync(
        join(dir, 'result.json'),
        JSON.stringify({
          trial_name: p.trial_name,
          trial_uri: `file://${dir}`,
          finished_at: new Date().toISOString(),
          verifier_result: null,
          exception_info: {
            exception_type: 'InfrastructureError',
            exception_message: 'connection refused',
            exception_traceback: '',
            occurred_at: new Date().toISOString(),
          },
        }),
      );
      return { ...value, files: packDirectory(dir).bytes.toString('base64'), infrastructure_error: true };
    });
    try {
      const jobDir = tmp('job');
      const first = await (await open()).executeTrial(trialOptions(jobDir, 1), { onStart: () => {}, jobId: 'infra' });
      assert.equal(first.exception_info?.exception_type, 'InfrastructureError');
      // Resume moves the unmeasured trial aside and asks again, as run-job does.
      rmSync(join(jobDir, 'tiny__1'), { recursive: true, force: true });
      const second = await (await open()).executeTrial(trialOptions(jobDir, 1), { onStart: () => {}, jobId: 'infra' });
      assert.equal(calls, 2);
      assert.equal(second.exception_info ?? null, null);
      assert.equal(second.verifier_result?.rewards.reward, 1);
    } finally {
      await worker.close();
    }
  });
});
