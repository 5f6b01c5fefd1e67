// The producer: `ahe eval --queue` / `ahe evolve --queue` hand each trial to a BullMQ queue instead
// of running it here. One queue job per trial (id `ahe:<job id>:<trial>`, so a resumed or re-run
// producer re-attaches instead of enqueueing twice); each finished trial's files are written into
// the local job directory once, and run-job rewrites the job result.json as for a local run.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TrialExecutor } from '../bench/run-job.ts';
import { trialFinished, TrialInterrupted, trialName, type TrialOptions } from '../bench/run-trial.ts';
import type { TrialResult } from '../bench/trial-result.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import { parseModelSpec } from '../model/create-model.ts';
import type { PriceTable } from '../model/prices.ts';
import { putBlob } from './content-store.ts';
import { packDirectory } from './file-bundle.ts';
import { connectRedis } from './redis-connection.ts';
import { PAYLOAD_VERSION, QUEUE_NAME, trialJobId, type TrialPayload, type TrialReturn } from './trial-payload.ts';
import { writeTrialFiles } from './write-trial-files.ts';

export interface TrialQueueOptions {
  url: string;
  prices?: PriceTable;
  maxRetries?: number;
  /** How often waiting trials are checked besides the queue's events (default 2 s). */
  pollMs?: number;
  /** Attempts of a trial whose worker threw (ahe's fault, not the agent's); a killed worker's trial is retried besides. */
  attempts?: number;
}

export interface TrialQueue {
  executeTrial: TrialExecutor;
  close: () => Promise<void>;
}

const KEEP = { age: 7 * 24 * 3600 };

interface Waiter {
  resolve: (value: TrialReturn) => void;
  reject: (error: Error) => void;
  onStart: () => void;
  onUsage?: (u: { tokens: number; costUsd: number }) => void;
  started: boolean;
}

export async function openTrialQueue(options: TrialQueueOptions): Promise<TrialQueue> {
  const redis = await connectRedis(options.url);
  const eventsConnection: Redis = redis.duplicate();
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection });
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  await events.waitUntilReady();
  const waiters = new Map<string, Waiter>();
  const blobs = new Map<string, Promise<string>>();
  // Packed once per directory and version: an evolving harness keeps its path and changes its content hash.
  const upload = (dir: string, files?: string[], version = '') => {
    const key = `${dir}\0${files ? files.join('\0') : '*'}\0${version}`;
    let sha = blobs.get(key);
    if (!sha) {
      sha = putBlob(redis, files ? packDirectory(dir, files) : packDirectory(dir));
      blobs.set(key, sha);
    }
    return sha;
  };

  const start = (id: string) => {
    const w = waiters.get(id);
    if (w && !w.started) {
      w.started = true;
      w.onStart();
    }
  };
  const settle = async (id: string) => {
    const w = waiters.get(id);
    if (!w) return;
    const job = await Job.fromId<TrialPayload, TrialReturn>(queue, id);
    if (!job) {
      // Enqueued, then gone: Redis restarted without persistence, or someone emptied the queue.
      waiters.delete(id);
      w.reject(new Error(`the queue lost this trial (${id}): Redis restarted without persistence or the queue was emptied; run the same command again to enqueue it anew`));
      return;
    }
    const state = await job.getState();
    if (state === 'active') start(id);
    if (state === 'completed' && job.returnvalue) {
      waiters.delete(id);
      w.resolve(job.returnvalue);
    } else if (state === 'failed') {
      waiters.delete(id);
      w.reject(new Error(`the trial failed on a worker after ${job.attemptsMade} attempt(s): ${job.failedReason}`));
    }
  };
  const check = (id: string) => void settle(id).catch(() => undefined);
  events.on('active', ({ jobId }) => start(jobId));
  events.on('completed', ({ jobId }) => check(jobId));
  events.on('failed', ({ jobId }) => check(jobId));
  events.on('progress', ({ jobId, data }) => {
    const u = data as { tokens?: number; costUsd?: number };
    if (typeof u?.tokens === 'number') waiters.get(jobId)?.onUsage?.({ tokens: u.tokens, costUsd: u.costUsd ?? 0 });
  });
  const poll = setInterval(() => {
    for (const id of waiters.keys()) check(id);
  }, options.pollMs ?? 2000);

  const payloadOf = async (o: TrialOptions, jobRunId: string): Promise<TrialPayload> => {
    const { task, agent } = o;
    const payload: TrialPayload = {
      v: PAYLOAD_VERSION,
      job_run_id: jobRunId,
      trial_name: trialName(task.name, o.attempt),
      attempt: o.attempt,
      task: { sha256: await upload(task.dir), dir: task.dir, name: task.name, source: basename(dirname(task.dir)) },
      agent: { kind: agent.kind, max_steps: agent.maxSteps, max_total_tokens: agent.maxTotalTokens, max_retries: options.maxRetries, prices: options.prices },
      backend: o.backend,
      timeout_multiplier: o.timeoutMultiplier,
      environment_cache: o.environmentCache !== false,
    };
    if (agent.modelSpec) {
      payload.agent.model_spec = agent.modelSpec;
      const { provider, name } = parseModelSpec(agent.modelSpec);
      if (provider === 'scripted' || provider === 'replay') {
        const file = resolve(name);
        payload.agent.model_file = { sha256: await upload(dirname(file), [basename(file)]), dir: dirname(file), name: basename(file) };
      }
    }
    if (agent.harness) {
      const h = agent.harness;
      payload.agent.harness = { sha256: await upload(h.dir, listHarnessFiles(h.dir), h.contentHash), dir: h.dir, name: h.name, content_hash: h.contentHash };
    }
    return JSON.parse(JSON.stringify(payload)) as TrialPayload; // drops undefined fields
  };

  const executeTrial: TrialExecutor = async (o, hooks) => {
    const name = trialName(o.task.name, o.attempt);
    const trialDir = join(o.jobDir, name);
    if (trialFinished(trialDir)) return JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8')) as TrialResult;
    const id = trialJobId(hooks.jobId, name);
    const payload = await payloadOf(o, hooks.jobId);
    const done = new Promise<TrialReturn>((resolve, reject) => waiters.set(id, { resolve, reject, onStart: hooks.onStart, onUsage: o.onUsage, started: false }));
    done.catch(() => undefined);
    const existing = await Job.fromId(queue, id);
    if (existing && (await existing.getState()) === 'failed') await existing.retry('failed'); // a resumed job gives a failed trial another go
    else if (!existing) await queue.add(name, payload, { jobId: id, attempts: options.attempts ?? 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: KEEP, removeOnFail: KEEP });
    check(id);
    const aborted = new Promise<never>((_, reject) => {
      if (o.signal?.aborted) reject(new TrialInterrupted(name));
      o.signal?.addEventListener('abort', () => reject(new TrialInterrupted(name)), { once: true });
    });
    aborted.catch(() => undefined);
    let value: TrialReturn;
    try {
      value = await Promise.race([done, aborted]);
    } finally {
      waiters.delete(id);
    }
    // Written once: another copy of the same trial (a duplicate completion) finds it finished.
    if (trialFinished(trialDir)) return JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8')) as TrialResult;
    const pathMap: [string, string][] = [
      [value.worker_paths.trial_dir, trialDir],
      [value.worker_paths.task_dir, o.task.dir],
      ...(value.worker_paths.harness_dir && o.agent.harness ? [[value.worker_paths.harness_dir, o.agent.harness.dir] as [string, string]] : []),
    ];
    return writeTrialFiles(trialDir, Buffer.from(value.files, 'base64'), pathMap);
  };

  return {
    executeTrial,
    close: async () => {
      clearInterval(poll);
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
      redis.disconnect();
    },
  };
}
