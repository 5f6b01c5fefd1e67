// The cost of an experiment before it runs: the trials it still has to run (tasks × k per job to
// evaluate, less what earlier invocations measured) at the same per-trial assumption as `ahe evolve`'s
// estimate (src/evolve/estimate-cost.ts), stated with the number. Unknown prices say so.
import { DEFAULT_ASSUMPTIONS } from '../evolve/estimate-cost.ts';
import { estimatedCost, type PriceTable } from '../model/prices.ts';
import { readJobResult } from './experiment-spend.ts';

export interface ExperimentEstimate {
  jobs: number;
  /** Trials of the whole plan, and those already measured by earlier invocations. */
  planned: number;
  measured: number;
  /** Assumed prompt + completion tokens of the trials still to run. */
  tokens: number;
  /** null when the model's price is unknown. */
  cost_usd: number | null;
  /** The assumption (prompt tokens per trial) the numbers rest on. */
  prompt_tokens_per_trial: number;
}

export function estimateExperiment(input: {
  jobDirs: readonly string[];
  tasks: number;
  k: number;
  model: string;
  prices?: PriceTable;
}): ExperimentEstimate {
  const perJob = input.tasks * input.k;
  const planned = perJob * input.jobDirs.length;
  const measured = input.jobDirs.reduce((sum, dir) => {
    const result = readJobResult(dir);
    const n = result ? Object.values(result.tasks).reduce((s, t) => s + t.n, 0) : 0;
    return sum + Math.min(n, perJob);
  }, 0);
  const toRun = planned - measured;
  const t = DEFAULT_ASSUMPTIONS.trial;
  const usage = {
    promptTokens: t.promptTokens * toRun,
    completionTokens: t.completionTokens * toRun,
    cachedTokens: t.cachedTokens * toRun,
  };
  const cost = estimatedCost(input.model, usage, input.prices);
  return {
    jobs: input.jobDirs.length,
    planned,
    measured,
    tokens: usage.promptTokens + usage.completionTokens,
    cost_usd: cost,
    prompt_tokens_per_trial: t.promptTokens,
  };
}
