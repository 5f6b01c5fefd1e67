// The final check of an adaptive run: what its budget has left when the last evaluation is done is spent
// on telling the two best harnesses apart before one is handed over. In each of up to FINAL_CHECK_ROUNDS
// rounds, the two evaluated harnesses with the highest estimates (best-estimate.ts; with different
// changes active) run once more, each on the training tasks where their estimates differ most, as many as
// the round's share of what is left allows; the next round's estimates include them. `ahe evolve` runs it
// after the last gate step (steps/final-check.ts); `ahe simulate` in memory, the same plan.
//
// Why: adaptive's decisions are as good as fixed's, but its final harness is chosen from fewer
// measurements; on the simulator this check raised the final true train and held-out scores by up to
// 0.5 points at no cost beyond the budget (docs/evolution-cost.md, "The final check").
import { chooseBest, type EvaluatedHarness } from './best-estimate.ts';
import { fixedRollouts, type RunShape } from './eval-policy.ts';

export const FINAL_CHECK_ROUNDS = 3;

/** The iteration a final-check round's trials are recorded under (their draws, their jobs): after the last. */
export const finalCheckIteration = (iterations: number, round: number) => iterations + 1 + round;

export interface FinalCheckRound {
  /** The two harnesses' iterations: the best first. */
  iterations: [number, number];
  /** The tasks each of them runs once. */
  tasks: string[];
}

/**
 * Kept unspent by the final check, as a share of fixed's rollouts: a few runs go over the budget (their
 * first phases and surprised tasks are never cut), so filling every other run to it would put the mean
 * over half of fixed's (50.1–50.2% on noisy-40 and tb2-89-wrong); with this margin the mean stays below.
 */
export const FINAL_CHECK_MARGIN = 0.02;

/**
 * What the final check may spend in all: what is left of the training budget less the margin, at most one
 * full evaluation (k × the training tasks: a run that ended early keeps the rest unspent), never below 0.
 */
export function finalCheckBudget(left: number, shape: RunShape): number {
  const margin = Math.floor(FINAL_CHECK_MARGIN * fixedRollouts(shape));
  return Math.max(0, Math.min(left - margin, shape.k * shape.trainTasks));
}

/**
 * One round's plan with `budget` trials, or undefined when there is nothing to check (fewer than two
 * distinct harnesses, or a budget under 2). Deterministic in its inputs, so a resumed run plans the same.
 */
export function planFinalCheckRound(
  harnesses: readonly EvaluatedHarness[],
  tasks: readonly string[],
  budget: number,
): FinalCheckRound | undefined {
  const count = Math.min(tasks.length, Math.floor(budget / 2));
  if (count < 1) return undefined;
  const { estimates } = chooseBest(harnesses, tasks);
  const key = (j: number) => [...harnesses[j]!.active].sort().join('\n');
  // Highest estimate first; on equal estimates the earlier harness (chooseBest's tie rule).
  const order = estimates
    .map((e, j) => ({ j, estimate: e.estimate }))
    .sort((a, b) => b.estimate - a.estimate || a.j - b.j);
  const first = order[0]!.j;
  const second = order.find((o) => key(o.j) !== key(first))?.j;
  if (second === undefined) return undefined;
  const differences = tasks.map((task, index) => {
    const per = chooseBest(harnesses, [task]).estimates;
    return { task, index, difference: Math.abs(per[first]!.estimate - per[second]!.estimate) };
  });
  differences.sort((a, b) => b.difference - a.difference || a.index - b.index);
  return {
    iterations: [harnesses[first]!.iteration, harnesses[second]!.iteration],
    tasks: differences.slice(0, count).map((d) => d.task),
  };
}
