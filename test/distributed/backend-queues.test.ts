// Each backend has its own queue: a worker started with --backend bwrap never takes a trial whose
// producer asked for podman (it would run it in the wrong sandbox, or fail it), and still takes the
// bwrap trials enqueued after it. A payload put by hand into the wrong backend's queue is refused by
// the worker's second guard, naming both backends. Real redis-server; `npm run test:distributed`.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { loadTask } from '../../src/bench/load-task.ts';
import type { Task } from '../../src/bench/task.ts';
import { InterruptedError } from '../../src/errors.ts';
import { openTrialQueue } from '../../src/queue/enqueue-job.ts';
import { startWorker } from '../../src/queue/run-worker.ts';
import { PAYLOAD_VERSION, queueName, type TrialPayload, trialJobId } from '../../src/queue/trial-payload.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';
import { redisSkipReason, startRedisServer } from '../support/redis-server.ts';

const skip = redisSkipReason() || (bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`);
if (skip) console.log(`# skipping the per-backend queue tests: ${skip}`);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-backend-queues-${prefix}-`));

function task(name: string): Task {
  const loaded = loadTask(makeTask({ name }, tmp('suite')));
  assert.ok(loaded.task, loaded.problem?.message);
  return loaded.task;
}

test('queue names differ per backend', () => {
  const names = (['bwrap', 'podman', 'docker', 'image'] as const).map(queueName);
  assert.equal(new Set(names).size, 4);
  for (const n of names) assert.doesNotMatch(n, /:/, 'BullMQ queue names take no colon');
});

test('a bwrap worker never takes the trial of a producer that asked for podman, and takes the bwrap trial enqueued after it', {
  skip,
  timeout: 120_000,
}, async () => {
  const redis = await startRedisServer();
  const log: string[] = [];
  const worker = await startWorker({
    url: redis.url,
    concurrency: 1,
    backend: 'bwrap',
    cacheDir: tmp('cache'),
    log: (l) => log.push(l),
  });
  const podmanProducer = await openTrialQueue({ url: redis.url, backend: 'podman', pollMs: 200 });
  const bwrapProducer = await openTrialQueue({ url: redis.url, backend: 'bwrap', pollMs: 200 });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const podmanQueue = new Queue(queueName('podman'), { connection });
  const abort = new AbortController();
  try {
    // The podman trial goes in first: a worker reading that queue (concurrency 1, first in first out) would take it first.
    const podmanJob = tmp('podman-job');
    const waiting = podmanProducer.executeTrial(
      {
        task: task('wants-podman'),
        attempt: 1,
        jobDir: podmanJob,
        agent: { kind: 'oracle' },
        backend: 'podman',
        signal: abort.signal,
      },
      { onStart: () => assert.fail('no worker of this test runs podman trials'), jobId: 'job-podman' },
    );
    const podmanId = trialJobId('job-podman', 'wants-podman__1');
    // Wait until it is in Redis (an event, not a delay).
    for (let i = 0; i < 600 && !(await Job.fromId(podmanQueue, podmanId)); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(await Job.fromId(podmanQueue, podmanId), 'the podman trial is in its queue');

    const bwrapJob = tmp('bwrap-job');
    const result = await bwrapProducer.executeTrial(
      { task: task('fits-bwrap'), attempt: 1, jobDir: bwrapJob, agent: { kind: 'oracle' }, backend: 'bwrap' },
      { onStart: () => {}, jobId: 'job-bwrap' },
    );
    assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
    assert.equal(result.verifier_result?.rewards?.reward, 1);
    assert.equal(
      JSON.parse(readFileSync(join(bwrapJob, 'fits-bwrap__1', 'result.json'), 'utf8')).trial_name,
      'fits-bwrap__1',
    );

    // The bwrap trial was taken and finished; the podman one, enqueued before it, is still waiting for a podman worker.
    const podman = await Job.fromId(podmanQueue, podmanId);
    assert.equal(await podman!.getState(), 'waiting');
    assert.equal(podman!.attemptsMade, 0);
    assert.ok(
      log.some((l) => l.startsWith('done fits-bwrap__1')),
      log.join('\n'),
    );
    assert.ok(
      !log.some((l) => l.includes('wants-podman')),
      `the bwrap worker saw the podman trial:\n${log.join('\n')}`,
    );

    abort.abort();
    await assert.rejects(waiting, (e: Error) => e instanceof InterruptedError);
    // A producer's executor refuses a trial of another backend than its queue's (a bug, not a user error).
    await assert.rejects(
      bwrapProducer.executeTrial(
        { task: task('mixed'), attempt: 1, jobDir: tmp('mixed'), agent: { kind: 'oracle' }, backend: 'docker' },
        { onStart: () => {}, jobId: 'job-mixed' },
      ),
      /a --backend docker trial given to the queue of --backend bwrap trials/,
    );
  } finally {
    await podmanQueue.close();
    connection.disconnect();
    await podmanProducer.close();
    await bwrapProducer.close();
    await worker.stop(true);
    await redis.stop();
  }
});

test("a payload put by hand into another backend's queue is refused by the worker, naming both backends", {
  skip,
  timeout: 120_000,
}, async () => {
  const redis = await startRedisServer();
  const log: string[] = [];
  const worker = await startWorker({
    url: redis.url,
    concurrency: 1,
    backend: 'bwrap',
    cacheDir: tmp('cache'),
    log: (l) => log.push(l),
  });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName('bwrap'), { connection });
  const eventsConnection = connection.duplicate();
  const events = new QueueEvents(queueName('bwrap'), { connection: eventsConnection });
  try {
    await events.waitUntilReady();
    const payload: TrialPayload = {
      v: PAYLOAD_VERSION,
      job_run_id: 'by-hand',
      trial_name: 'stray__1',
      attempt: 1,
      task: { sha256: '0'.repeat(64), dir: '/nowhere/stray', name: 'stray', source: 'nowhere' },
      agent: { kind: 'oracle' },
      backend: 'podman',
      environment_cache: true,
    };
    const job = await queue.add('stray__1', payload, { jobId: trialJobId('by-hand', 'stray__1'), attempts: 1 });
    await assert.rejects(job.waitUntilFinished(events, 60_000), /runs --backend bwrap, the trial asks for podman/);
  } finally {
    await events.close();
    await queue.close();
    eventsConnection.disconnect();
    connection.disconnect();
    await worker.stop(true);
    await redis.stop();
  }
});
