// Which trial details a static report file carries. Every trial's detail (its whole trajectory) would
// make a 20-iteration run's file hundreds of megabytes, so details are embedded gzip-compressed (the page
// inflates them with DecompressionStream) in priority order until a byte budget is spent: the trials a
// reader opens first — the latest and the best iteration's, failing trials of failed or partial tasks
// before passing ones — and the rest are named in the payload as left out (`ahe serve` shows them).
// Each detail is read once; a trial whose trajectory is far larger than what is left of the budget is
// not read at all.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { atifCandidates } from '../debugger/source-atif.ts';
import { gzipDetail } from './html.ts';
import type { DebugInfo } from './load-debug-info.ts';
import type { LoadedJob } from './load-job.ts';
import { createTrialLoader, type TrialLoader } from './load-trial.ts';
import type { TrialDetail } from './report-data.ts';

export interface TrialCandidate {
  ref: string;
  jobDir: string;
  trialId: string;
  /** The job's debug info, read once when the job was loaded. */
  debug: DebugInfo | null;
  /** Lower first. */
  rank: number;
}

/** Base64 of gzip: what one embedded detail costs in the file (its ref and JSON punctuation aside). */
export const embeddedSize = (detail: TrialDetail | string) =>
  Math.ceil(gzipDetail(typeof detail === 'string' ? detail : JSON.stringify(detail)).length / 3) * 4;

/** Details compressed to learn the ratio; the others are estimated from it, with a margin. */
const MEASURED_DETAILS = 12;
const ESTIMATE_MARGIN = 1.1;

/** A trajectory compresses well, but not by more than this: larger than this many budgets, it cannot fit. */
const MAX_COMPRESSION = 25;
/** Below this much budget left, no detail fits: stop reading. */
const MIN_DETAIL_BYTES = 1024;
/** After this many details in a row did not fit, the budget is spent: the rest are not read. */
const MAX_MISSES = 8;

/**
 * The order within one job: failing trials of tasks that did not always pass, then the passing trials of
 * those tasks (what worked, beside what did not), then the trials of tasks that always passed.
 */
export function jobCandidates(job: LoadedJob, tier: number): TrialCandidate[] {
  const status = new Map(job.report.tasks.map((t) => [t.task, t.status]));
  return job.report.trials.map((t) => {
    const troubled = status.get(t.task) !== 'passed';
    const within = troubled ? (t.passed ? 1 : 0) : 2;
    return { ref: t.detail_ref, jobDir: job.dir, trialId: t.id, debug: job.debug, rank: tier * 10 + within };
  });
}

export interface Embedded {
  trials: Record<string, TrialDetail>;
  leftOut: string[];
  bytes: number;
}

function trajectoryBytes(trialDir: string): number {
  try {
    return atifCandidates(trialDir).reduce((n, f) => n + statSync(f).size, 0);
  } catch {
    return 0;
  }
}

/**
 * Sizes are measured by compressing the first details and estimated from their ratio after that (with a
 * margin): compressing every detail twice, here and again when the page is written, would double the
 * cost of writing a large report. The file's writer checks the real size (write-report.ts).
 */
export async function embedTrials(candidates: TrialCandidate[], budgetBytes: number): Promise<Embedded> {
  const ordered = candidates.map((c, i) => ({ c, i })).sort((a, b) => a.c.rank - b.c.rank || a.i - b.i);
  const loaders = new Map<string, TrialLoader>();
  const out: Embedded = { trials: {}, leftOut: [], bytes: 0 };
  const seen = new Set<string>();
  // Trajectory bytes read and embedded bytes they became: predicts whether the next one fits before reading it.
  let raw = 0;
  let packed = 0;
  let misses = 0;
  // JSON characters and compressed bytes of the measured details: the ratio the others are estimated by.
  let measured = 0;
  let json = 0;
  let gz = 0;
  const sizeOf = (detail: TrialDetail): number => {
    const text = JSON.stringify(detail);
    if (measured < MEASURED_DETAILS) {
      const size = embeddedSize(text);
      measured++;
      json += text.length;
      gz += size;
      return size;
    }
    return Math.ceil(((text.length * gz) / json) * ESTIMATE_MARGIN);
  };
  const miss = (ref: string) => {
    out.leftOut.push(ref);
    misses++;
  };
  for (const { c } of ordered) {
    if (seen.has(c.ref)) continue;
    seen.add(c.ref);
    const left = budgetBytes - out.bytes;
    if (left < MIN_DETAIL_BYTES || misses >= MAX_MISSES) {
      out.leftOut.push(c.ref);
      continue;
    }
    const bytes = trajectoryBytes(join(c.jobDir, c.trialId));
    const predicted = raw > 0 ? (bytes * packed) / raw : bytes / MAX_COMPRESSION;
    if (bytes > left * MAX_COMPRESSION || predicted > left * 1.5) {
      miss(c.ref);
      continue;
    }
    let loader = loaders.get(c.jobDir);
    if (!loader) loaders.set(c.jobDir, (loader = createTrialLoader(c.jobDir, c.debug)));
    let detail: TrialDetail;
    try {
      detail = await loader.load(c.trialId);
    } catch {
      out.leftOut.push(c.ref);
      continue;
    }
    const size = sizeOf(detail) + c.ref.length + 8;
    raw += bytes;
    packed += size;
    if (size > left) {
      miss(c.ref);
      continue;
    }
    misses = 0;
    out.trials[c.ref] = detail;
    out.bytes += size;
  }
  return out;
}
