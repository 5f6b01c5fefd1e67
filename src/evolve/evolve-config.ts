// The configuration of an evolve run: the flags that started it, recorded in RUN/state.json `config`
// and validated with the rest of state.json whenever a run is resumed, so a damaged or hand-edited
// config is refused naming the file and the field instead of failing an iteration later. Which keys
// `--resume` may change is src/cli/evolve-flags.ts's table; the keys themselves are here. Keys added
// after the first release have defaults, so a run started before them resumes as it ran.
import { z } from 'zod';
import type { TaskSelection } from '../bench/select-tasks.ts';
import { BACKENDS } from '../bench/trial-context.ts';

const int = z.number().int();
const spec = z.string().min(1);
const path = z.string().min(1);
const patterns = z.array(z.string().min(1)).default([]);

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
});
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
