// What the index says of each entry: when it last changed, whether it is still being written, and its
// pass@1 when known. "Running" is a judgement from the files alone (ahe eval and evolve leave no pid):
// an entry that has not finished (a job whose result.json is missing or has finished_at null, a run whose
// state.json step is not 'done', a debug output without report.json) and whose watched files changed
// within ACTIVE_WINDOW_MS. An unfinished entry quiet for longer was interrupted or killed (resume it).
// Statuses are cached by the entry's change token, so a large result.json is parsed once per change.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntryKind } from '../report/load-report.ts';
import { observeEntry } from './entry-watch.ts';

/** How long an unfinished entry counts as running after its last change: a long trial or evolve session writes little. */
export const ACTIVE_WINDOW_MS = 10 * 60 * 1000;

export interface EntryStatus {
  updated_at: string | null;
  running: boolean;
  pass_at_1: number | null;
}

interface Known {
  finished: boolean;
  pass_at_1: number | null;
}

const cache = new Map<string, { token: string; known: Known }>();

export function entryStatus(dir: string, kind: EntryKind, now: number = Date.now()): EntryStatus {
  const { token, newestMs } = observeEntry(dir, kind);
  const key = `${kind}\0${dir}`;
  let cached = cache.get(key);
  if (cached?.token !== token) {
    // A file caught mid-write (never with ahe's atomic writes, maybe with another tool's) keeps the last answer.
    const known = readKnown(dir, kind) ?? cached?.known ?? { finished: false, pass_at_1: null };
    cached = { token, known };
    cache.set(key, cached);
  }
  return {
    updated_at: newestMs > 0 ? new Date(newestMs).toISOString() : null,
    running: !cached.known.finished && now - newestMs < ACTIVE_WINDOW_MS,
    pass_at_1: cached.known.pass_at_1,
  };
}

/** Reads what is known; undefined when a file could not be parsed (being written). */
function readKnown(dir: string, kind: EntryKind): Known | undefined {
  if (kind === 'debug') return { finished: existsSync(join(dir, 'report.json')), pass_at_1: null };
  const file = join(dir, kind === 'job' ? 'result.json' : 'state.json');
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { finished: false, pass_at_1: null };
    return undefined;
  }
  if (kind === 'run') {
    const best = data.best as { pass_at_1?: unknown } | null | undefined;
    return { finished: data.step === 'done', pass_at_1: numberOrNull(best?.pass_at_1) };
  }
  // ahe writes finished_at null while the job runs; a Harbor job's result.json may not have the key at all.
  return { finished: data.finished_at !== null, pass_at_1: jobPassAt1(data) };
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** ahe's pass_at_1, else Harbor's mean reward of its only eval. */
function jobPassAt1(result: Record<string, unknown>): number | null {
  const own = numberOrNull(result.pass_at_1);
  if (own !== null) return own;
  const evals = (result.stats as { evals?: Record<string, { metrics?: { mean?: unknown }[] }> } | undefined)?.evals;
  const only = evals && Object.values(evals).length === 1 ? Object.values(evals)[0] : undefined;
  return numberOrNull(only?.metrics?.[0]?.mean);
}
