// The evolve loop never compares evaluations whose fallback shares differ: a trial whose coding agent
// failed over to its fallback model (`ahe.fallback_used`, src/model/fallback-model.ts) measured another
// model, so a change in how many trials did so would read as a change of the harness. After a complete
// training evaluation, its share of fallback trials is checked against the evaluations the loop will
// compare it with (the previous iteration's and the best one's), and a held-out evaluation's against the
// first and the previous held-out ones; when they differ nothing is judged:
// the evaluation is treated as incomplete — its fallback trials are moved aside (kept under
// `.replaced/`) and the run stops resumably, so `--resume` runs them again, on the primary model once it
// is back. When this evaluation used no fallback but the other did, there is nothing to run again: the
// run stops resumably all the same, naming both shares. See docs/results.md.
import { basename } from 'node:path';
import { fallbackShare, type JobSummary, readJobTrials, usedFallback } from '../bench/job-summary.ts';
import { keepReplacedTrial } from '../bench/keep-replaced-trial.ts';
import { RunStoppedError } from '../errors.ts';
import { EvaluationIncompleteError } from './evaluate-harness.ts';

export interface ComparedEvaluation {
  /** How a message names it, e.g. `iteration 2`. */
  label: string;
  summary: JobSummary;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The first of `others` whose fallback share differs from `current`'s, with both shares; undefined when none. */
export function fallbackShareMismatch(
  current: JobSummary,
  others: readonly ComparedEvaluation[],
): { other: ComparedEvaluation; current: number; share: number } | undefined {
  const mine = fallbackShare(current);
  for (const other of others) {
    const share = fallbackShare(other.summary);
    if (share !== mine) return { other, current: mine, share };
  }
  return undefined;
}

/**
 * Throws (resumably) when the complete evaluation in `jobDir` cannot be compared with one of `others`
 * because their fallback shares differ; moves its fallback trials aside first so resume runs them again.
 */
export function refuseMixedFallbackShares(options: {
  jobDir: string;
  current: JobSummary;
  others: readonly ComparedEvaluation[];
  /** e.g. `iteration 3: training evaluation`. */
  what: string;
  runDir: string;
}): void {
  const mismatch = fallbackShareMismatch(options.current, options.others);
  if (!mismatch) return;
  const shares = `${options.current.n_fallback_trials ?? 0} of its measured trials used the fallback model (${pct(mismatch.current)}), ${mismatch.other.label}'s evaluation ${pct(mismatch.share)}: evaluations of different models are not compared — nothing was judged on it; the run is saved`;
  const fallbackTrials = readJobTrials(options.jobDir)
    .trials.filter((t) => usedFallback(t.result))
    .map((t) => basename(t.dir));
  if (fallbackTrials.length === 0)
    throw new RunStoppedError(
      `${options.what}: ${shares}; no trial of it can be run again to match: resume with ahe evolve --resume ${options.runDir} once the difference is settled, or start a new run from its harness`,
    );
  for (const trial of fallbackTrials) keepReplacedTrial(options.jobDir, trial);
  throw new EvaluationIncompleteError(
    `${options.what}: ${shares}; its fallback trials were moved aside to run again: continue with ahe evolve --resume ${options.runDir} once the model is back`,
    fallbackTrials,
  );
}
