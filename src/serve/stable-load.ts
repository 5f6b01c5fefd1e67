// Loads that survive files being written while they read: a failure that is not the user's (a JSON file
// caught mid-write by a tool that does not write atomically, a file removed between listing and reading)
// is retried a few times, then answered with the last good result of the same request when there is one.
// Results are kept per key with the change token they were loaded at, so an unchanged entry is not parsed
// again; identical requests arriving together share one load.
import { UserError } from '../errors.ts';
import { HttpError } from './http-error.ts';

export interface StableResult<T> {
  value: T;
  /** Why an older answer was given instead of a fresh one (the page may say it). */
  stale?: string;
}

interface Kept<T> {
  token: string;
  at: number;
  value: T;
}

const RETRIES = 3;
const RETRY_DELAY_MS = 150;
/** An unchanged token is trusted this long; after that the entry is loaded again anyway (what the token does not watch). */
const MAX_AGE_MS = 30_000;
const MAX_KEPT = 64;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** User errors and HTTP errors are answers, not accidents: never retried, never hidden. */
const isAnswer = (error: unknown) => error instanceof UserError || error instanceof HttpError;

export class StableLoader<T> {
  private readonly kept = new Map<string, Kept<T>>();
  private readonly inFlight = new Map<string, Promise<StableResult<T>>>();

  constructor(private readonly options: { retries?: number; retryDelayMs?: number } = {}) {}

  /** The value for `key` at `token`: kept, or loaded (retried on accidents), or the last good one. */
  get(key: string, token: string, load: () => Promise<T>): Promise<StableResult<T>> {
    const kept = this.kept.get(key);
    if (kept && kept.token === token && Date.now() - kept.at < MAX_AGE_MS)
      return Promise.resolve({ value: kept.value });
    const flightKey = `${key}\0${token}`;
    const running = this.inFlight.get(flightKey);
    if (running) return running;
    const promise = this.load(key, token, load).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, promise);
    return promise;
  }

  private async load(key: string, token: string, load: () => Promise<T>): Promise<StableResult<T>> {
    const retries = this.options.retries ?? RETRIES;
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep((this.options.retryDelayMs ?? RETRY_DELAY_MS) * attempt);
      try {
        const value = await load();
        this.keep(key, { token, at: Date.now(), value });
        return { value };
      } catch (error) {
        if (isAnswer(error)) throw error;
        lastError = error;
      }
    }
    const previous = this.kept.get(key);
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    if (previous) return { value: previous.value, stale: reason };
    throw lastError;
  }

  private keep(key: string, kept: Kept<T>): void {
    this.kept.delete(key);
    this.kept.set(key, kept);
    // Oldest first out: a long session over many entries keeps memory bounded.
    while (this.kept.size > MAX_KEPT) this.kept.delete(this.kept.keys().next().value as string);
  }
}
