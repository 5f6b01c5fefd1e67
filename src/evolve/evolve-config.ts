// The configuration of an evolve run: the flags that started it, recorded in RUN/state.json `config`
// and validated with the rest of state.json whenever a run is resumed, so a damaged or hand-edited
// config is refused naming the file and the field instead of failing an iteration later. Which keys
// `--resume` may change is src/cli/evolve-flags.ts's table; the keys themselves are here. Keys added
// after the first release have defaults, so a run started before them resumes as it ran.
import { z } from 'zod';
import type { TaskSelection } from '../bench/select-tasks.ts';
import { BACKENDS } from '../bench/trial-context.ts';
import { REASONING_EFFORTS } from '../model/types.ts';
import { EVAL_POLICY_NAMES } from './eval-policy-names.ts';
import { EVOLVE_METHODS } from './evolve-methods.ts';

const int = z.number().int();
const spec = z.string().min(1);
const path = z.string().min(1);
const patterns = z.array(z.string().min(1)).default([]);
const effort = z.enum(REASONING_EFFORTS).nullable().default(null);

export const EvolveConfigSchema = z.strictObject({
  /** The starting harness (an absolute path). */
  harness: path,
  /** The training tasks (an absolute path). */
  tasks: path,
  /** The held-out tasks, never shown to the evolve agent; null without a held-out split. */
  holdout: path.nullable(),
  /** The coding agent's model spec. */
  model: spec,
  evolve_model: spec,
  /** The debugger's analyst model; null for the heuristic report only. */
  debug_model: spec.nullable(),
  /** Evolve steps after the seed evaluation. */
  iterations: int.nonnegative(),
  /** Attempts per task and evaluation. */
  k: int.positive(),
  /** Trials run at once. */
  concurrency: int.positive(),
  /** Held-out evaluation every this many iterations (and at the end). */
  holdout_every: int.nonnegative(),
  budget_usd: z.number().nonnegative().nullable(),
  budget_tokens: int.nonnegative().nullable(),
  budget_minutes: z.number().nonnegative().nullable(),
  /** Scales every task's timeouts. */
  timeout_multiplier: z.number().positive(),
  /** Where every trial of the run runs (--backend). */
  backend: z.enum(BACKENDS).default('bwrap'),
  /** The training tasks kept (--task; empty: all), then left out (--exclude), then sampled (--n-tasks, --sample-seed). */
  task_include: patterns,
  task_exclude: patterns,
  n_tasks: int.positive().nullable().default(null),
  sample_seed: int.nonnegative().nullable().default(null),
  /** The same for the held-out split (--holdout-task, --holdout-exclude, --holdout-n-tasks, --holdout-sample-seed). */
  holdout_include: patterns,
  holdout_exclude: patterns,
  holdout_n_tasks: int.positive().nullable().default(null),
  holdout_sample_seed: int.nonnegative().nullable().default(null),
  /** Reasoning effort of each role's model calls (--reasoning-effort, --evolve-reasoning-effort, --debug-reasoning-effort); null: the harness's. */
  reasoning_effort: effort,
  evolve_reasoning_effort: effort,
  debug_reasoning_effort: effort,
  /**
   * Each role's fallback model (--fallback-model, --evolve-fallback-model, --debug-fallback-model; docs/models.md);
   * null: none. Changeable on --resume: a coding trial that used it is measured apart (src/evolve/fallback-shares.ts).
   */
  fallback_model: spec.nullable().default(null),
  evolve_fallback_model: spec.nullable().default(null),
  debug_fallback_model: spec.nullable().default(null),
  /** The evolve agent's model calls and wall time per session (--evolve-max-steps, --evolve-max-minutes); null: harnesses/evolver's. */
  evolve_max_steps: int.positive().nullable().default(null),
  evolve_max_minutes: z.number().positive().nullable().default(null),
  /**
   * How the harness is changed between evaluations (--method): `ahe` (the evolve agent, every component,
   * with predictions), `ace` (Agentic Context Engineering: reflector + curator of a memory playbook) or
   * `tf-grpo` (Training-Free GRPO: an experience library from groups of k rollouts). Fixed on resume.
   */
  method: z.enum(EVOLVE_METHODS).default('ahe'),
  /** Best-of-N (--evolvers): evolve-agent sessions per iteration from the same evidence; the best candidate is kept. */
  evolvers: int.positive().default(1),
  /** Strategy hints given to the N sessions in turn (--evolver-hints); empty: none. */
  evolver_hints: z.array(z.string().min(1)).default([]),
  /** Stop once the training pass@1 reaches this (--target-pass-rate, 0–1); null: run every iteration. */
  target_pass_rate: z.number().min(0).max(1).nullable().default(null),
  /**
   * Which trials each training evaluation runs (--eval-policy): `fixed` every task k times, `adaptive`
   * where a decision can turn on them (src/evolve/eval-policy.ts). Held-out evaluations are always in full.
   */
  eval_policy: z.enum(EVAL_POLICY_NAMES).default('fixed'),
  /**
   * After each gate, roll back the earlier kept change whose removal the estimate over every evaluation
   * says raises the training pass rate (--review-kept; src/evolve/review-kept.ts). Fixed on resume.
   */
  review_kept: z.boolean().default(false),
  /** The experiment file this run was started from (--config), resolved; null: flags only. */
  experiment: z.record(z.string(), z.unknown()).nullable().default(null),
});

/** The reasoning effort a role's model calls ask for (null: the harness's own setting). */
export function roleEffort(
  config: EvolveConfig,
  role: 'coding' | 'evolver' | 'debugger',
): (typeof REASONING_EFFORTS)[number] | null {
  const effort = {
    coding: config.reasoning_effort,
    evolver: config.evolve_reasoning_effort,
    debugger: config.debug_reasoning_effort,
  }[role];
  return effort ?? null;
}
/** The fallback model spec of a role (undefined: none). */
export function roleFallback(config: EvolveConfig, role: 'coding' | 'evolver' | 'debugger'): string | undefined {
  const spec = {
    coding: config.fallback_model,
    evolver: config.evolve_fallback_model,
    debugger: config.debug_fallback_model,
  }[role];
  return spec ?? undefined;
}
/** The config a new run is given: keys with defaults (those added after the first release) may be left out. */
export type EvolveConfig = z.input<typeof EvolveConfigSchema>;
/** A run's config as state.json holds it: every key present. */
export type RunConfig = z.output<typeof EvolveConfigSchema>;

/** The training split's task selection recorded in a run's config. */
export const trainSelection = (c: RunConfig): TaskSelection => ({
  include: c.task_include,
  exclude: c.task_exclude,
  n_tasks: c.n_tasks,
  sample_seed: c.sample_seed,
});

/** The held-out split's task selection recorded in a run's config. */
export const holdoutSelection = (c: RunConfig): TaskSelection => ({
  include: c.holdout_include,
  exclude: c.holdout_exclude,
  n_tasks: c.holdout_n_tasks,
  sample_seed: c.holdout_sample_seed,
});
