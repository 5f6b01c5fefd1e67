// The producer: `ahe eval --queue` / `ahe evolve --queue` hand each trial to a BullMQ queue instead
// of running it here, into the queue of their backend (`ahe-trials-<backend>`, which only workers of
// that backend read). One queue job per trial (id `ahe:<job id>:<trial>`, so a resumed or re-run
// producer re-attaches instead of enqueueing twice); each finished trial's files are written into
// the local job directory once, and run-job rewrites the job result.json as for a local run.

import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TrialExecutor } from '../bench/run-job.ts';
import { type BackendKind, type TrialOptions, trialFinished, trialName } from '../bench/run-trial.ts';
import type { TrialResult } from '../bench/trial-result.ts';
import { InterruptedError, UserError } from '../errors.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import { modelSpecFile } from '../model/model-file.ts';
import type { PriceTable } from '../model/prices.ts';
import type { ReasoningEffort } from '../model/types.ts';
import { putBlob } from './content-store.ts';
import { packDirectory } from './file-bundle.ts';
import { connectRedis, displayUrl } from './redis-connection.ts';
import { PAYLOAD_VERSION, queueName, type TrialPayload, type TrialReturn, trialJobId } from './trial-payload.ts';
import { watchTrials } from './watch-trials.ts';
import { writeTrialFiles } from './write-trial-files.ts';

export interface TrialQueueOptions {
  url: string;
  /** The backend of the trials: they go to that backend's queue, where only its workers take them. */
  backend: BackendKind;
  prices?: PriceTable;
  maxRetries?: number;
  /** The coding agent's reasoning effort (a run's flag, over the harness's own), carried to the workers. */
  reasoningEffort?: ReasoningEffort;
  /** The coding agent's fallback model, carried to the workers: a provider's spec (a file-reading one is refused). */
  fallback?: string;
  /** How often waiting trials are checked besides the queue's events (default 2 s). */
  pollMs?: number;
  /** Without an answer from Redis for this long, the waiting trials fail with the reason (default 60 s). */
  unreachableMs?: number;
  /** Attempts of a trial whose worker threw (ahe's fault, not the agent's); a killed worker's trial is retried besides. */
  attempts?: number;
}

export interface TrialQueue {
  executeTrial: TrialExecutor;
  close: () => Promise<void>;
}

const KEEP = { age: 7 * 24 * 3600 };

// One 'abort' listener per signal however many trials wait on it: a job's trials share its signal and
// are all enqueued at once, and a listener each trips Node's MaxListenersExceededWarning from the 11th.
// The listener goes with the signal's last waiting trial (an evolve run's signal outlives each job).
const abortWaiters = new WeakMap<AbortSignal, { handlers: Set<() => void>; listener: () => void }>();

/** Calls `handler` once when `signal` aborts; returns the function that stops listening. */
function onAbort(signal: AbortSignal | undefined, handler: () => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    handler();
    return () => {};
  }
  let entry = abortWaiters.get(signal);
  if (!entry) {
    const handlers = new Set<() => void>();
    const listener = () => {
      abortWaiters.delete(signal);
      for (const h of handlers) h();
    };
    entry = { handlers, listener };
    abortWaiters.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { handlers, listener } = entry;
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
    if (handlers.size === 0 && abortWaiters.get(signal)?.handlers === handlers) {
      abortWaiters.delete(signal);
      signal.removeEventListener('abort', listener);
    }
  };
}

export async function openTrialQueue(options: TrialQueueOptions): Promise<TrialQueue> {
  // A fallback travels as a spec; one that reads a file (scripted:, replay:) would name a producer's path.
  if (options.fallback && modelSpecFile(options.fallback))
    throw new UserError(
      `--fallback-model ${options.fallback} reads a file, which is not shipped to queue workers: use a provider's model as the fallback, or run without --queue`,
    );
  const redis = await connectRedis(options.url);
  const eventsConnection: Redis = redis.duplicate();
  const events = new QueueEvents(queueName(options.backend), { connection: eventsConnection });
  const queue = new Queue(queueName(options.backend), { connection: redis });
  const watch = watchTrials({
    queue,
    events,
    url: displayUrl(options.url),
    pollMs: options.pollMs ?? 2000,
    unreachableMs: options.unreachableMs ?? 60_000,
    ping: () => redis.ping(),
  });
  // A lost connection is retried by ioredis; its reason is kept for the message if Redis stays silent
  // (without these listeners BullMQ prints each reconnection error with its stack).
  queue.on('error', watch.noteError);
  events.on('error', watch.noteError);
  await events.waitUntilReady();
  const blobs = new Map<string, Promise<string>>();
  // Packed once per directory and version: an evolving harness keeps its path and changes its content hash.
  const upload = (dir: string, files?: string[], version = '') => {
    const key = `${dir}\0${files ? files.join('\0') : '*'}\0${version}`;
    let sha = blobs.get(key);
    if (!sha) {
      sha = putBlob(redis, files ? packDirectory(dir, files) : packDirectory(dir));
      blobs.set(key, sha);
      sha.catch(() => blobs.delete(key)); // a failed upload is tried again by the next trial
    }
    return sha;
  };

  const payloadOf = async (o: TrialOptions, jobRunId: string): Promise<TrialPayload> => {
    const { task, agent } = o;
    const payload: TrialPayload = {
      v: PAYLOAD_VERSION,
      job_run_id: jobRunId,
      trial_name: trialName(task.name, o.attempt),
      attempt: o.attempt,
      task: { sha256: await upload(task.dir), dir: task.dir, name: task.name, source: basename(dirname(task.dir)) },
      agent: {
        kind: agent.kind,
        max_steps: agent.maxSteps,
        max_total_tokens: agent.maxTotalTokens,
        max_retries: options.maxRetries,
        prices: options.prices,
        ...(options.reasoningEffort ? { reasoning_effort: options.reasoningEffort } : {}),
        ...(options.fallback ? { fallback_model: options.fallback } : {}),
        ...(agent.iteration !== undefined ? { iteration: agent.iteration } : {}),
      },
      backend: o.backend,
      timeout_multiplier: o.timeoutMultiplier,
      environment_cache: o.environmentCache !== false,
    };
    if (agent.modelSpec) {
      payload.agent.model_spec = agent.modelSpec;
      const shipped = modelSpecFile(agent.modelSpec);
      if (shipped) {
        const file = resolve(shipped.path);
        payload.agent.model_file = {
          sha256: await upload(dirname(file), [basename(file)]),
          dir: dirname(file),
          name: basename(file),
        };
      }
    }
    if (agent.harness) {
      const h = agent.harness;
      payload.agent.harness = {
        sha256: await upload(h.dir, listHarnessFiles(h.dir), h.contentHash),
        dir: h.dir,
        name: h.name,
        content_hash: h.contentHash,
      };
    }
    return JSON.parse(JSON.stringify(payload)) as TrialPayload; // drops undefined fields
  };

  /** Puts the trial in the queue unless it is there already (a resumed or re-run producer re-attaches). */
  const enqueue = async (id: string, o: TrialOptions, jobRunId: string) => {
    const payload = await payloadOf(o, jobRunId);
    let existing = await Job.fromId<TrialPayload, TrialReturn>(queue, id);
    const state = existing ? await existing.getState() : undefined;
    if (existing && state === 'completed' && existing.returnvalue?.infrastructure_error === true) {
      // It ended without a measurement (model unreachable…): the job is re-run, not collected again.
      await existing.remove();
      existing = undefined;
    }
    if (existing && state === 'failed')
      await existing.retry('failed'); // a resumed job gives a failed trial another go
    else if (!existing)
      await queue.add(payload.trial_name, payload, {
        jobId: id,
        attempts: options.attempts ?? 3,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: KEEP,
        removeOnFail: KEEP,
      });
  };

  const executeTrial: TrialExecutor = async (o, hooks) => {
    if (o.backend !== options.backend)
      throw new Error(`a --backend ${o.backend} trial given to the queue of --backend ${options.backend} trials`);
    const name = trialName(o.task.name, o.attempt);
    const trialDir = join(o.jobDir, name);
    if (trialFinished(trialDir)) return JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8')) as TrialResult;
    const id = trialJobId(hooks.jobId, name);
    // Watched before it is enqueued, so no event is missed; judged lost only once it is in Redis.
    const trial = watch.watch(id, { onStart: hooks.onStart, onUsage: o.onUsage });
    const stopListening = onAbort(o.signal, () => trial.fail(new InterruptedError(name)));
    let value: TrialReturn;
    try {
      // The trial's own outcome also ends a hung enqueue (Redis silent, the run interrupted).
      await Promise.race([enqueue(id, o, hooks.jobId).then(trial.enqueued), trial.done]);
      value = await trial.done;
    } finally {
      stopListening();
      trial.cancel();
    }
    // Written once: another copy of the same trial (a duplicate completion) finds it finished.
    if (trialFinished(trialDir)) return JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8')) as TrialResult;
    const pathMap: [string, string][] = [
      [value.worker_paths.trial_dir, trialDir],
      [value.worker_paths.task_dir, o.task.dir],
      ...(value.worker_paths.harness_dir && o.agent.harness
        ? [[value.worker_paths.harness_dir, o.agent.harness.dir] as [string, string]]
        : []),
    ];
    return writeTrialFiles(trialDir, Buffer.from(value.files, 'base64'), pathMap);
  };

  return {
    executeTrial,
    close: async () => {
      watch.close();
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
      redis.disconnect();
    },
  };
}
