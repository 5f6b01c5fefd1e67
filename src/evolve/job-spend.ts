// What an evaluation's trials spent, as the evolve ledger counts it.
import type { JobResult } from '../bench/job-summary.ts';
import { replacedTrialsSpend } from '../bench/keep-replaced-trial.ts';
import type { Spend } from '../model/usage.ts';

/**
 * A job result counts its tokens per trial, not per model call; this adds the trials moved aside to run
 * again (an infrastructure error, a fallback share): the job's result no longer counts them, but their
 * calls were made and paid for.
 */
export function jobSpend(result: JobResult, jobDir: string): Spend {
  const replaced = replacedTrialsSpend(jobDir);
  return {
    calls: result.n_total_trials + replaced.trials,
    promptTokens: result.tokens.prompt + replaced.promptTokens,
    completionTokens: result.tokens.completion + replaced.completionTokens,
    cachedTokens: result.tokens.cached + replaced.cachedTokens,
    costUsd: (result.cost_usd ?? 0) + replaced.costUsd,
  };
}
