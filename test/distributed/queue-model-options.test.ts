// A run's model options reach the workers: the coding agent's reasoning effort and its fallback model
// travel in each trial's payload, so a trial through `--queue` asks its model what a local trial would
// (before, `--reasoning-effort` was refused with `--queue` and an evolve run's fallback was dropped).
// Real redis-server, a worker in this process and a fake OpenAI server; `npm run test:distributed`.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import { UserError } from '../../src/errors.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { createModel } from '../../src/model/create-model.ts';
import { openTrialQueue } from '../../src/queue/enqueue-job.ts';
import { startWorker } from '../../src/queue/run-worker.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { openaiError, openaiStream, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { makeTask } from '../support/make-task.ts';
import { redisSkipReason, startRedisServer } from '../support/redis-server.ts';

const skip = redisSkipReason() || (bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`);
if (skip) console.log(`# skipping the queue model-options test: ${skip}`);
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-queue-model-${prefix}-`));

test('through the queue, the trial asks its model with the run’s reasoning effort and falls back as a local trial would', {
  skip,
  timeout: 180_000,
}, async () => {
  const fake = await startFakeOpenAIServer([
    openaiError(404, 'The model `gpt-primary` does not exist'),
    openaiStream({ text: ['done'], prompt: 50, completion: 2 }),
  ]);
  const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
  // The worker builds its models from its own environment, as on another machine.
  process.env.OPENAI_API_KEY = 'sk-test-queue-abcdefghijkl';
  process.env.OPENAI_BASE_URL = fake.url;
  const redis = await startRedisServer();
  const worker = await startWorker({
    url: redis.url,
    concurrency: 1,
    backend: 'bwrap',
    cacheDir: tmp('cache'),
    log: () => {},
  });
  const producer = await openTrialQueue({
    url: redis.url,
    backend: 'bwrap',
    pollMs: 200,
    maxRetries: 0,
    reasoningEffort: 'high',
    fallback: 'openai:gpt-fallback',
  });
  try {
    const loaded = loadTask(makeTask({ name: 'asks-model' }, tmp('suite')));
    assert.ok(loaded.task, loaded.problem?.message);
    const harness = await loadHarness(resolve('harnesses/seed'));
    const jobDir = tmp('job');
    const result = await producer.executeTrial(
      {
        task: loaded.task,
        attempt: 1,
        jobDir,
        backend: 'bwrap',
        agent: {
          kind: 'harness',
          harness,
          modelSpec: 'openai:gpt-primary',
          // The producer's own factory is not what runs: the worker builds the model from the payload.
          newModel: () => createModel('scripted:/nonexistent.yaml'),
        },
      },
      { onStart: () => {}, jobId: 'job-model-options' },
    );
    assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
    const bodies = fake.requests.map((r) => r.body as { model: string; reasoning_effort?: string });
    assert.deepEqual(
      bodies.map((b) => [b.model, b.reasoning_effort]),
      [
        ['gpt-primary', 'high'],
        ['gpt-fallback', 'high'],
      ],
    );
    const written = JSON.parse(readFileSync(join(jobDir, 'asks-model__1', 'result.json'), 'utf8'));
    assert.equal(written.ahe.fallback_used, true);
  } finally {
    await producer.close();
    await worker.stop(true);
    await redis.stop();
    await fake.close();
    process.env.OPENAI_API_KEY = saved.key;
    process.env.OPENAI_BASE_URL = saved.url;
    if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
    if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
  }
});

test('a fallback that reads a file (scripted:) is refused for the queue, naming the flag', async () => {
  await assert.rejects(
    openTrialQueue({ url: 'redis://127.0.0.1:1', backend: 'bwrap', fallback: 'scripted:fallback.yaml' }),
    (e: Error) => e instanceof UserError && /--fallback-model scripted:fallback\.yaml reads a file/.test(e.message),
  );
});
