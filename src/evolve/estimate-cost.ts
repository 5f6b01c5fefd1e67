// The cost a user should expect before an evolution starts. Before any trial has run, only assumptions
// are possible: they are stated with the number (tokens per trial, per analysis, per evolve session),
// and once iterations have run the loop replaces them by what was measured. Unknown prices say so.
import { costOf, type PriceTable, priceOf } from '../model/prices.ts';
import type { Usage } from '../model/types.ts';

export interface CostAssumptions {
  /** Tokens of one coding trial (prompt, completion): many steps, each re-sending the conversation. */
  trial: Usage;
  /** One analyst call over a task's digests. */
  analysis: Usage;
  /** One evolve-agent session. */
  evolve: Usage;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  trial: { promptTokens: 250_000, completionTokens: 8_000, cachedTokens: 150_000 },
  analysis: { promptTokens: 20_000, completionTokens: 800, cachedTokens: 0 },
  evolve: { promptTokens: 400_000, completionTokens: 15_000, cachedTokens: 250_000 },
};

export interface EstimateInput {
  iterations: number;
  trainTasks: number;
  holdoutTasks: number;
  /** Held-out evaluations over the run (every M iterations and at the end). */
  holdoutEvaluations: number;
  k: number;
  /** Evolve-agent sessions per iteration (best-of-N, --evolvers; default 1): each candidate is also evaluated. */
  evolvers?: number;
  model: string;
  evolveModel: string;
  debugModel?: string;
  prices?: PriceTable;
  assumptions?: CostAssumptions;
}

export interface RoleEstimate {
  role: 'coding' | 'debugger' | 'evolver';
  model: string;
  calls: number;
  tokens: number;
  /** null when the model's price is unknown. */
  cost_usd: number | null;
}

export interface CostEstimate {
  roles: RoleEstimate[];
  tokens: number;
  cost_usd: number | null;
  assumptions: CostAssumptions;
}

const scale = (u: Usage, n: number): Usage => ({
  promptTokens: u.promptTokens * n,
  completionTokens: u.completionTokens * n,
  cachedTokens: u.cachedTokens * n,
});
const priced = (model: string, usage: Usage, prices?: PriceTable): number | null => {
  if (/^(scripted|replay):/.test(model)) return 0;
  return priceOf(model, prices) ? costOf(model, usage, prices) : null;
};

export function estimateRunCost(input: EstimateInput): CostEstimate {
  const a = input.assumptions ?? DEFAULT_ASSUMPTIONS;
  // Iteration 0 evaluates the seed; every later iteration evaluates the previous one's changes.
  // With best-of-N every candidate of an iteration is evaluated on the training split too (at most N per iteration).
  const evolvers = input.evolvers ?? 1;
  const candidateTrials = evolvers > 1 ? input.iterations * evolvers * input.trainTasks * input.k : 0;
  const trainTrials = (input.iterations + 1) * input.trainTasks * input.k + candidateTrials;
  const holdoutTrials = input.holdoutEvaluations * input.holdoutTasks * input.k;
  const trials = trainTrials + holdoutTrials;
  const codingUsage = scale(a.trial, trials);
  const roles: RoleEstimate[] = [
    {
      role: 'coding',
      model: input.model,
      calls: trials,
      tokens: codingUsage.promptTokens + codingUsage.completionTokens,
      cost_usd: priced(input.model, codingUsage, input.prices),
    },
  ];
  if (input.debugModel) {
    // At most one analysis per training task per evaluated iteration (tasks that all pass are skipped).
    const n = (input.iterations + 1) * input.trainTasks;
    const u = scale(a.analysis, n);
    roles.push({
      role: 'debugger',
      model: input.debugModel,
      calls: n,
      tokens: u.promptTokens + u.completionTokens,
      cost_usd: priced(input.debugModel, u, input.prices),
    });
  }
  const ev = scale(a.evolve, input.iterations * evolvers);
  roles.push({
    role: 'evolver',
    model: input.evolveModel,
    calls: input.iterations * evolvers,
    tokens: ev.promptTokens + ev.completionTokens,
    cost_usd: priced(input.evolveModel, ev, input.prices),
  });
  const known = roles.every((r) => r.cost_usd !== null);
  return {
    roles,
    tokens: roles.reduce((s, r) => s + r.tokens, 0),
    cost_usd: known ? roles.reduce((s, r) => s + (r.cost_usd ?? 0), 0) : null,
    assumptions: a,
  };
}
