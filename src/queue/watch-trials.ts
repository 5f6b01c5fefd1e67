// The producer's view of the queue jobs it waits for. QueueEvents report most changes at once; a
// status sweep every `pollMs` catches what events miss (a reconnect, a trimmed event stream), notices a
// trial that is gone from Redis, and notices a Redis that stopped answering. A trial is only judged
// "gone" once it is known to have been enqueued: a sweep that reads a trial between its registration
// and the end of its `queue.add` would otherwise find nothing and call it lost (under CPU load that
// window is long enough to be hit).
import { Job, type Queue, type QueueEvents } from 'bullmq';
import type { TrialReturn } from './trial-payload.ts';

export interface WatchOptions {
  queue: Queue;
  events: QueueEvents;
  /** The queue URL as it may be printed (password masked). */
  url: string;
  pollMs: number;
  /** Without a single answer from Redis for this long, every waiting trial fails with the reason. */
  unreachableMs: number;
  /** One cheap round-trip proving Redis answers (a PING). */
  ping: () => Promise<unknown>;
}

export interface WatchedTrial {
  /** Settles once the trial completes, fails, is lost, is interrupted, or Redis stops answering. */
  done: Promise<TrialReturn>;
  /** The trial is in Redis (added now, or found there): from here on its absence means it was lost. */
  enqueued: () => void;
  fail: (error: Error) => void;
  /** Stops watching (always call it, also after `done` settled). */
  cancel: () => void;
}

export interface TrialWatch {
  watch: (
    id: string,
    hooks: { onStart: () => void; onUsage?: (u: { tokens: number; costUsd: number }) => void },
  ) => WatchedTrial;
  /** The last reason Redis gave for not answering (a connection error), shown when it stays silent. */
  noteError: (error: Error) => void;
  close: () => void;
}

interface Waiter {
  resolve: (value: TrialReturn) => void;
  reject: (error: Error) => void;
  onStart: () => void;
  onUsage?: (u: { tokens: number; costUsd: number }) => void;
  started: boolean;
  enqueued: boolean;
}

/** A return value a worker of this ahe version produces; anything else is reported, never waited on. */
function isTrialReturn(value: unknown): value is TrialReturn {
  const v = value as TrialReturn | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.files === 'string' &&
    typeof v.worker_paths === 'object' &&
    v.worker_paths !== null &&
    typeof v.worker_paths.trial_dir === 'string'
  );
}

export function watchTrials(options: WatchOptions): TrialWatch {
  const { queue, events } = options;
  const waiters = new Map<string, Waiter>();
  let lastError: Error | undefined;

  const finish = (id: string, outcome: { value: TrialReturn } | { error: Error }) => {
    const w = waiters.get(id);
    if (!w) return;
    waiters.delete(id);
    if ('value' in outcome) w.resolve(outcome.value);
    else w.reject(outcome.error);
  };
  const start = (id: string) => {
    const w = waiters.get(id);
    if (w && !w.started) {
      w.started = true;
      w.onStart();
    }
  };

  /** Reads one trial's state and settles its waiter when it is final. Throws when Redis does not answer. */
  const settle = async (id: string) => {
    if (!waiters.get(id)?.enqueued) return;
    // The state first, then the job: a job read first could be `active` without a return value and
    // `completed` by the time its state is read.
    const state = await queue.getJobState(id);
    if (state === 'active') start(id);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
    const job = await Job.fromId<unknown, unknown>(queue, id);
    if (!job) {
      // Enqueued, then gone: Redis restarted without persistence, or someone emptied the queue.
      finish(id, {
        error: new Error(
          `the queue lost this trial (${id}): Redis restarted without persistence or the queue was emptied; run the same command again to enqueue it anew`,
        ),
      });
    } else if (state === 'failed') {
      finish(id, {
        error: new Error(`the trial failed on a worker after ${job.attemptsMade} attempt(s): ${job.failedReason}`),
      });
    } else if (isTrialReturn(job.returnvalue)) {
      finish(id, { value: job.returnvalue });
    } else if (state === 'completed') {
      const shown = JSON.stringify(job.returnvalue) ?? 'undefined';
      finish(id, {
        error: new Error(
          `the trial completed on a worker without its files (return value ${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown}): is every worker running the same ahe version as this producer?`,
        ),
      });
    }
  };
  const check = (id: string) =>
    void settle(id).catch((error: Error) => {
      lastError = error;
    });
  events.on('active', ({ jobId }) => start(jobId));
  events.on('completed', ({ jobId }) => check(jobId));
  events.on('failed', ({ jobId }) => check(jobId));
  events.on('progress', ({ jobId, data }) => {
    const u = data as { tokens?: number; costUsd?: number };
    if (typeof u?.tokens === 'number') waiters.get(jobId)?.onUsage?.({ tokens: u.tokens, costUsd: u.costUsd ?? 0 });
  });

  // One sweep and one PING at a time: while Redis does not answer, they stay pending (ioredis queues
  // commands until it reconnects) instead of piling up. Silence is measured from the oldest PING
  // not answered since the last PONG.
  let sweeping = false;
  let pingSentAt: number | undefined;
  let unansweredSince: number | undefined;
  const tick = () => {
    if (waiters.size === 0) {
      unansweredSince = undefined;
      return;
    }
    const now = Date.now();
    if (!sweeping) {
      sweeping = true;
      void Promise.all([...waiters.keys()].map(settle))
        .catch((error: Error) => {
          lastError = error;
        })
        .finally(() => {
          sweeping = false;
        });
    }
    if (pingSentAt === undefined) {
      const sent = (pingSentAt = now);
      void options.ping().then(
        () => {
          pingSentAt = undefined;
          unansweredSince = undefined;
          lastError = undefined;
        },
        (error: Error) => {
          pingSentAt = undefined;
          lastError = error;
          unansweredSince ??= sent;
        },
      );
    } else {
      unansweredSince ??= pingSentAt;
    }
    if (unansweredSince === undefined || now - unansweredSince < options.unreachableMs) return;
    const reason = lastError ? `${lastError.message}; ` : '';
    const error = new Error(
      `lost contact with Redis at ${options.url}: ${reason}no answer for ${Math.round((now - unansweredSince) / 1000)} s. Workers may still run these trials: run the same command again once Redis answers, and it collects them`,
    );
    for (const id of [...waiters.keys()]) finish(id, { error });
  };
  const poll = setInterval(tick, options.pollMs);

  return {
    watch: (id, hooks) => {
      let waiter!: Waiter;
      const done = new Promise<TrialReturn>((resolve, reject) => {
        waiter = { resolve, reject, onStart: hooks.onStart, onUsage: hooks.onUsage, started: false, enqueued: false };
      });
      done.catch(() => undefined);
      waiters.set(id, waiter);
      return {
        done,
        enqueued: () => {
          if (waiters.get(id) !== waiter) return;
          waiter.enqueued = true;
          check(id); // it may have finished before its events were listened to
        },
        fail: (error) => {
          if (waiters.get(id) === waiter) finish(id, { error });
        },
        cancel: () => {
          if (waiters.get(id) === waiter) waiters.delete(id);
        },
      };
    },
    noteError: (error) => {
      lastError = error;
    },
    close: () => clearInterval(poll),
  };
}
