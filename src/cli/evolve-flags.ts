// What `ahe evolve --resume RUN` may change. A run's numbers compare iterations with each other, so
// everything that decides what an iteration measures (harness, task suites, models, k, timeouts) is
// fixed when the run starts; how far and how fast it goes (iterations, budgets, concurrency) may be
// changed, which also extends a finished run. Flags of one invocation (output, queue, prices, retries)
// are not part of the run. Every flag of `ahe evolve` must be in this table (a test enforces it).
import { resolve } from 'node:path';
import { absoluteModelSpec } from '../model/model-file.ts';

export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

export type ResumeRule =
  /** Recorded in the run's config; a new value on --resume replaces it (and may reopen a finished run). */
  | 'changeable'
  /** Recorded in the run's config; --resume refuses a different value. */
  | 'fixed'
  /** Not part of the run: each invocation gives its own (or the default). */
  | 'invocation';

export interface EvolveFlagRule {
  flag: string;
  rule: ResumeRule;
  /** The run config's key (state.json config) for recorded flags. */
  key?: string;
  /** The recorded form of the flag's value (paths are absolute). */
  record?: (value: unknown) => JSONValue;
}

const path = (v: unknown) => resolve(String(v));
const list = (v: unknown) => (v as string[]).map(String);

/** Keyed by commander's attribute name of each `ahe evolve` option. */
export const EVOLVE_FLAGS: Record<string, EvolveFlagRule> = {
  harness: { flag: '--harness', rule: 'fixed', key: 'harness', record: path },
  tasks: { flag: '--tasks', rule: 'fixed', key: 'tasks', record: path },
  holdout: { flag: '--holdout', rule: 'fixed', key: 'holdout', record: path },
  model: { flag: '--model', rule: 'fixed', key: 'model' },
  evolveModel: { flag: '--evolve-model', rule: 'fixed', key: 'evolve_model' },
  reasoningEffort: { flag: '--reasoning-effort', rule: 'fixed', key: 'reasoning_effort' },
  evolveReasoningEffort: { flag: '--evolve-reasoning-effort', rule: 'fixed', key: 'evolve_reasoning_effort' },
  debugReasoningEffort: { flag: '--debug-reasoning-effort', rule: 'fixed', key: 'debug_reasoning_effort' },
  debugModel: {
    flag: '--debug-model',
    rule: 'fixed',
    key: 'debug_model',
    record: (v) => (v === 'none' ? null : String(v)),
  },
  k: { flag: '-k', rule: 'fixed', key: 'k' },
  holdoutEvery: { flag: '--holdout-every', rule: 'fixed', key: 'holdout_every' },
  timeoutMultiplier: { flag: '--timeout-multiplier', rule: 'fixed', key: 'timeout_multiplier' },
  backend: { flag: '--backend', rule: 'fixed', key: 'backend' },
  task: { flag: '--task', rule: 'fixed', key: 'task_include', record: list },
  exclude: { flag: '--exclude', rule: 'fixed', key: 'task_exclude', record: list },
  nTasks: { flag: '--n-tasks', rule: 'fixed', key: 'n_tasks' },
  sampleSeed: { flag: '--sample-seed', rule: 'fixed', key: 'sample_seed' },
  holdoutTask: { flag: '--holdout-task', rule: 'fixed', key: 'holdout_include', record: list },
  holdoutExclude: { flag: '--holdout-exclude', rule: 'fixed', key: 'holdout_exclude', record: list },
  holdoutNTasks: { flag: '--holdout-n-tasks', rule: 'fixed', key: 'holdout_n_tasks' },
  holdoutSampleSeed: { flag: '--holdout-sample-seed', rule: 'fixed', key: 'holdout_sample_seed' },
  iterations: { flag: '--iterations', rule: 'changeable', key: 'iterations' },
  concurrency: { flag: '--concurrency', rule: 'changeable', key: 'concurrency' },
  budgetUsd: { flag: '--budget-usd', rule: 'changeable', key: 'budget_usd' },
  budgetTokens: { flag: '--budget-tokens', rule: 'changeable', key: 'budget_tokens' },
  budgetMinutes: { flag: '--budget-minutes', rule: 'changeable', key: 'budget_minutes' },
  evolveMaxSteps: { flag: '--evolve-max-steps', rule: 'changeable', key: 'evolve_max_steps' },
  evolveMaxMinutes: { flag: '--evolve-max-minutes', rule: 'changeable', key: 'evolve_max_minutes' },
  // A fallback model may be added once a provider is down; a coding trial that used it is measured apart.
  fallbackModel: { flag: '--fallback-model', rule: 'changeable', key: 'fallback_model' },
  evolveFallbackModel: { flag: '--evolve-fallback-model', rule: 'changeable', key: 'evolve_fallback_model' },
  debugFallbackModel: { flag: '--debug-fallback-model', rule: 'changeable', key: 'debug_fallback_model' },
  method: { flag: '--method', rule: 'fixed', key: 'method' },
  evalPolicy: { flag: '--eval-policy', rule: 'fixed', key: 'eval_policy' },
  reviewKept: { flag: '--review-kept', rule: 'fixed', key: 'review_kept' },
  evolvers: { flag: '--evolvers', rule: 'changeable', key: 'evolvers' },
  evolverHints: { flag: '--evolver-hints', rule: 'changeable', key: 'evolver_hints', record: list },
  targetPassRate: { flag: '--target-pass-rate', rule: 'changeable', key: 'target_pass_rate' },
  config: { flag: '--config', rule: 'invocation' },
  maxInfraFailures: { flag: '--max-infra-failures', rule: 'invocation' },
  skipInvalidTasks: { flag: '--skip-invalid-tasks', rule: 'invocation' },
  prices: { flag: '--prices', rule: 'invocation' },
  maxRetries: { flag: '--max-retries', rule: 'invocation' },
  out: { flag: '--out', rule: 'invocation' },
  resume: { flag: '--resume', rule: 'invocation' },
  estimateOnly: { flag: '--estimate-only', rule: 'invocation' },
  quiet: { flag: '--quiet', rule: 'invocation' },
  queue: { flag: '--queue', rule: 'invocation' },
};

export interface ResumeComparison {
  /** Config keys to replace, with their new values. */
  changes: Record<string, JSONValue>;
  /** `--model (recorded "a", given "b")` for each fixed flag given with another value. */
  refused: string[];
}

const show = (v: unknown) => (v === null || v === undefined ? 'none' : JSON.stringify(v));

/**
 * Compares the flags given on the command line of `--resume` (attribute name → value) with the run's
 * recorded config. Flags not given keep the recorded values; a flag missing from the table is a bug.
 */
const MODEL_KEYS = new Set([
  'model',
  'evolve_model',
  'debug_model',
  'fallback_model',
  'evolve_fallback_model',
  'debug_fallback_model',
]);

export function compareResumeFlags(given: Record<string, unknown>, config: Record<string, unknown>): ResumeComparison {
  const changes: Record<string, JSONValue> = {};
  const refused: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    const rule = EVOLVE_FLAGS[name];
    if (!rule) throw new Error(`ahe evolve: the option ${name} is missing from EVOLVE_FLAGS (src/cli/evolve-flags.ts)`);
    if (rule.rule === 'invocation' || !rule.key) continue;
    const recordedValue = (rule.record ?? ((v) => v as JSONValue))(value);
    const before = config[rule.key] ?? null;
    if (JSON.stringify(before) === JSON.stringify(recordedValue)) continue;
    // A run recorded before model files were made absolute holds the spec as typed, relative to where it
    // was started: resumed from that directory, it is the same model.
    if (MODEL_KEYS.has(rule.key) && typeof before === 'string' && absoluteModelSpec(before) === recordedValue) continue;
    if (rule.rule === 'fixed') refused.push(`${rule.flag} (recorded ${show(before)}, given ${show(recordedValue)})`);
    else changes[rule.key] = recordedValue;
  }
  return { changes, refused };
}
