// The cost a user should expect before an evolution starts. Before any trial has run, only assumptions
// are possible: they are stated with the number (tokens per trial, per analysis, per evolve session),
// and once iterations have run the loop replaces them by what was measured. Unknown prices say so.
import { estimatedCost, type PriceTable } from '../model/prices.ts';
import type { Usage } from '../model/types.ts';
import { ADAPTIVE_DEFAULTS, fixedRollouts } from './eval-policy.ts';
import type { EvalPolicyName } from './eval-policy-names.ts';
import type { EvolveMethod } from './evolve-methods.ts';

export interface CostAssumptions {
  /** Tokens of one coding trial (prompt, completion): many steps, each re-sending the conversation. */
  trial: Usage;
  /** One analyst call over a task's digests. */
  analysis: Usage;
  /** One evolve-agent session. */
  evolve: Usage;
  /** One model call of a baseline method (ace's reflector or curator, tf-grpo's advantage or update call). */
  methodCall: Usage;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  trial: { promptTokens: 250_000, completionTokens: 8_000, cachedTokens: 150_000 },
  analysis: { promptTokens: 20_000, completionTokens: 800, cachedTokens: 0 },
  evolve: { promptTokens: 400_000, completionTokens: 15_000, cachedTokens: 250_000 },
  methodCall: { promptTokens: 30_000, completionTokens: 2_000, cachedTokens: 0 },
};

export interface EstimateInput {
  iterations: number;
  trainTasks: number;
  holdoutTasks: number;
  /** A held-out evaluation every this many iterations, and one at the end (--holdout-every). */
  holdoutEvery: number;
  k: number;
  /** Evolve-agent sessions per iteration (best-of-N, --evolvers; default 1): each candidate is also evaluated. */
  evolvers?: number;
  model: string;
  evolveModel: string;
  /** How the harness is changed (--method; default ahe): decides what the evolver role's calls are. */
  method?: EvolveMethod;
  /** --eval-policy (default fixed): under adaptive the trials are its budget, a share of fixed's. */
  evalPolicy?: EvalPolicyName;
  debugModel?: string;
  prices?: PriceTable;
  assumptions?: CostAssumptions;
}

export interface RoleEstimate {
  role: 'coding' | 'debugger' | 'evolver';
  model: string;
  calls: number;
  /** What one call is: trials, analyses, evolve sessions, or single model calls (ace, tf-grpo). */
  unit: 'trials' | 'analyses' | 'sessions' | 'calls';
  /** True when `calls` (and so the tokens) is an upper bound rather than what the run will do. */
  atMost: boolean;
  /** How the calls are counted, when it is not one per item. */
  note?: string;
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

export function estimateRunCost(input: EstimateInput): CostEstimate {
  const a = input.assumptions ?? DEFAULT_ASSUMPTIONS;
  // Iteration 0 evaluates the seed; every later iteration evaluates the previous one's changes.
  // With best-of-N every candidate of an iteration is evaluated on the training split too (at most N per iteration).
  const evolvers = input.evolvers ?? 1;
  const candidateTrials = evolvers > 1 ? input.iterations * evolvers * input.trainTasks * input.k : 0;
  const fixedTrials = fixedRollouts(input);
  // Adaptive keeps to its budget (eval-policy.ts): a share of what fixed runs, held-out included.
  const adaptive = input.evalPolicy === 'adaptive';
  const trials = (adaptive ? Math.floor(ADAPTIVE_DEFAULTS.budgetShare * fixedTrials) : fixedTrials) + candidateTrials;
  const codingUsage = scale(a.trial, trials);
  const roles: RoleEstimate[] = [
    {
      role: 'coding',
      model: input.model,
      calls: trials,
      unit: 'trials',
      atMost: false,
      ...(adaptive
        ? {
            note: `adaptive's budget, ${ADAPTIVE_DEFAULTS.budgetShare * 100}% of fixed's ${fixedTrials}; the predicted and surprised tasks' attempts can take it past that`,
          }
        : {}),
      tokens: codingUsage.promptTokens + codingUsage.completionTokens,
      cost_usd: estimatedCost(input.model, codingUsage, input.prices),
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
      unit: 'analyses',
      atMost: true,
      tokens: u.promptTokens + u.completionTokens,
      cost_usd: estimatedCost(input.debugModel, u, input.prices),
    });
  }
  roles.push(evolverEstimate(input, a, evolvers));
  const known = roles.every((r) => r.cost_usd !== null);
  return {
    roles,
    tokens: roles.reduce((s, r) => s + r.tokens, 0),
    cost_usd: known ? roles.reduce((s, r) => s + (r.cost_usd ?? 0), 0) : null,
    assumptions: a,
  };
}

/**
 * The evolver role: one evolve-agent session per iteration and candidate (ahe); two calls per iteration
 * (ace: reflector and curator); at most one advantage call per training task with a mixed group plus one
 * update call per iteration (tf-grpo). Retries of malformed replies are not counted.
 */
function evolverEstimate(input: EstimateInput, a: CostAssumptions, evolvers: number): RoleEstimate {
  const method = input.method ?? 'ahe';
  const perIteration = method === 'ace' ? 2 : method === 'tf-grpo' ? input.trainTasks + 1 : 1;
  const calls = input.iterations * evolvers * perIteration;
  const u = scale(method === 'ahe' ? a.evolve : a.methodCall, calls);
  return {
    role: 'evolver',
    model: input.evolveModel,
    calls,
    unit: method === 'ahe' ? 'sessions' : 'calls',
    atMost: method === 'tf-grpo',
    ...(method === 'ace'
      ? { note: 'reflector + curator per iteration' }
      : method === 'tf-grpo'
        ? { note: 'one advantage call per task with passing and failing attempts, one update per iteration' }
        : {}),
    tokens: u.promptTokens + u.completionTokens,
    cost_usd: estimatedCost(input.evolveModel, u, input.prices),
  };
}
