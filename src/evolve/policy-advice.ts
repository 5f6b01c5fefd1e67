// When `--eval-policy adaptive` is the wrong choice for a run, said while it runs and in its summary.
// Adaptive measures first the tasks the evolve agent predicts a change to fix or risk; where those
// predictions are mostly wrong, a change's effect lands on tasks measured once every other iteration, and
// the run picks its best harness less well than `fixed` (docs/evolution-cost.md). The run's own
// prediction precision tells which case it is in. In the simulator, the rule below warned in 91% of the
// runs of a suite whose candidates mispredict 60% of the time, in 5–12% of two suites where adaptive
// still met its targets, and never in the other four.
import type { PredictionQuality } from './attribution.ts';
import type { EvalPolicy } from './eval-policy.ts';

/** Predicted fixes needed before precision is read at all. */
export const ADVICE_MIN_PREDICTED = 5;
/** Below this share of predicted fixes coming true, adaptive is advised against. */
export const ADVICE_LOW_PRECISION = 0.25;

/** What the rule reads of a run's prediction quality (attribution.json's run_prediction_quality). */
export type AdviceInput = Pick<PredictionQuality, 'precision' | 'predicted' | 'actually_fixed'>;

/** Whether enough fixes were predicted and fewer than a quarter of them came true. */
export function predictionsTooPoor(quality: AdviceInput | undefined): boolean {
  if (!quality || quality.precision === null) return false;
  return quality.predicted >= ADVICE_MIN_PREDICTED && quality.precision < ADVICE_LOW_PRECISION;
}

/** The advice to switch to `fixed` for the next run, or undefined when there is none. */
export function evalPolicyAdvice(policy: EvalPolicy, quality: AdviceInput | undefined): string | undefined {
  if (policy !== 'adaptive' || !quality || !predictionsTooPoor(quality)) return undefined;
  return `the evolve agent's predicted fixes came true for ${quality.actually_fixed} of ${quality.predicted} (${(quality.precision! * 100).toFixed(0)}%). --eval-policy adaptive measures the predicted tasks first; where predictions are mostly wrong it picks the best harness less well than fixed (docs/evolution-cost.md), so --eval-policy fixed is the safer choice for a next run on this suite.`;
}

/** The advice when it holds after this attribution and did not before it (the log says it once). */
export function newEvalPolicyAdvice(policy: EvalPolicy, before: AdviceInput, after: AdviceInput): string | undefined {
  return predictionsTooPoor(before) ? undefined : evalPolicyAdvice(policy, after);
}
