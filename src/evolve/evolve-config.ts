// The configuration of an evolve run: the flags that started it, recorded in RUN/state.json `config`
// and validated with the rest of state.json whenever a run is resumed, so a damaged or hand-edited
// config is refused naming the file and the field instead of failing an iteration later. Which keys
// `--resume` may change is src/cli/evolve-flags.ts's table; the keys themselves are here.
import { z } from 'zod';

const int = z.number().int();
const spec = z.string().min(1);
const path = z.string().min(1);

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
});
export type EvolveConfig = z.infer<typeof EvolveConfigSchema>;
