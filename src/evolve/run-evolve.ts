// `ahe evolve` as a function. Each iteration N: evaluate the harness tagged iter-N on the training
// split (and the held-out split every M iterations and at the end) → stats against the previous and
// the best iteration → attribution of iteration N−1's manifest → gate (automatic rollback of harmful
// changes) → debugger report → evolve agent (changes + manifest, unless N is the last iteration).
// Each step (./steps/) records itself in RUN/state.json only after its outputs are written, so a kill -9
// at any moment resumes at the first unfinished step without repeating finished trials or decisions.
// Nothing is judged on an incomplete evaluation: its missing trials are run again a bounded number of
// times, and if they are still missing (or the model is unreachable) the run stops at that step,
// resumably, with EvaluationIncompleteError.

import { mkdirSync } from 'node:fs';
import type { ChangeManifest } from './manifest.ts';
import { iterationDir, type RunState, type RunStep } from './run-state.ts';
import { writeRunSummary } from './run-summary.ts';
import { attributionStep } from './steps/attribution.ts';
import { type EvolveOptions, openRun, type RunContext } from './steps/context.ts';
import { debugStep } from './steps/debug.ts';
import { evaluateStep } from './steps/evaluate.ts';
import { evolveStep } from './steps/evolve.ts';
import { gateStep } from './steps/gate.ts';
import { holdoutStep } from './steps/holdout.ts';
import { statsStep } from './steps/stats.ts';

export type { EvolveConfig, RunConfig } from './evolve-config.ts';
export { DEFAULT_EVALUATION_RETRIES, type EvolveOptions, type ModelResolver } from './steps/context.ts';
export type { ChangeManifest };

/** Each step of an iteration, in order (run-state.ts STEPS); each records itself done or stops the run. */
const STEP_HANDLERS: Record<Exclude<RunStep, 'done'>, (ctx: RunContext, n: number) => Promise<void>> = {
  evaluate: evaluateStep,
  holdout: holdoutStep,
  stats: statsStep,
  attribution: attributionStep,
  gate: gateStep,
  debug: debugStep,
  evolve: evolveStep,
};

export async function runEvolve(options: EvolveOptions): Promise<RunState> {
  const ctx = await openRun(options);
  while (ctx.state.step !== 'done') {
    const n = ctx.state.iteration;
    mkdirSync(iterationDir(ctx.runDir, n), { recursive: true });
    const handler = STEP_HANDLERS[ctx.state.step];
    if (!handler) throw new Error(`unknown step ${ctx.state.step}`);
    await handler(ctx, n);
  }
  writeRunSummary(ctx.runDir, ctx.state);
  return ctx.state;
}
