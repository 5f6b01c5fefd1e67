// The best-harness rule: which of the harnesses a run evaluated is best, chosen by an estimate of each
// one's training pass rate that uses every evaluation of the run, not only its own.
//
// The model (a change-attribution posterior). Each evaluated harness is the seed plus the changes that
// were kept up to then; each training task's pass rate depends only on which of the changes that affect
// that task are active. For every task, the hypotheses are "no change of the run affects it", "change c
// does" (each c) and "changes c and d do" (each pair), equally likely a priori. Under a hypothesis h, the
// task's measurements (every evaluation's attempts and passes) are grouped by which of h's changes were
// active in the harness measured; each group has its own pass rate with a Jeffreys Beta(½, ½) prior, so
// h's likelihood is the product of the groups' Beta-Binomial marginals. A harness's estimate for the
// task is the posterior-weighted mean rate of its group (a group never measured takes the task's pooled
// rate), and its score is the mean over the training tasks. The best is the evaluated harness with the
// highest score; an exact tie (the same changes active: a rollback returned to an earlier harness) goes
// to the earlier one.
//
// Why: a harness measured once at k=2 is a noisy estimate of itself, and the harness after it usually
// differs by one change, so the measurements of its neighbours say much about it. Choosing by this
// posterior instead of each iteration's own comparison raised the final harness's true train and
// held-out pass rates on the simulator (docs/evolution-cost.md, "The best harness").
import type { TaskOutcome } from '../bench/stats.ts';

export interface EvaluatedHarness {
  iteration: number;
  /** The changes active in the harness evaluated (ids unique within the run). */
  active: readonly string[];
  /** Per training task, this evaluation's attempts and passes (a task absent or with n = 0 was not run). */
  outcomes: Readonly<Record<string, TaskOutcome>>;
}

export interface BestChoice {
  iteration: number;
  /** The chosen harness's estimated training pass rate. */
  estimate: number;
  /** Every evaluated harness's estimate, in the order given. */
  estimates: { iteration: number; estimate: number }[];
}

/** A change's name in the estimate: the iteration whose evolve step made it and its manifest id. */
export const changeKey = (iteration: number, id: string) => `${iteration}/${id}`;

/** The hypotheses about a task considered, per number of changes the run made: 1 + m + m(m−1)/2. */
export const MAX_CHANGES_PER_TASK = 2;

// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 coefficients; relative error below 1e-13 on the values used here).
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);
const LOG_BETA_PRIOR = logBeta(0.5, 0.5);
/** ln of a group's Beta-Binomial marginal (without the binomial coefficients, the same under every hypothesis). */
const logMarginal = (n: number, c: number) => logBeta(c + 0.5, n - c + 0.5) - LOG_BETA_PRIOR;

/**
 * Each evaluated harness's estimated training pass rate, and the best one. `tasks` are the training
 * tasks (a task never measured weighs the same on every harness). Throws on no harness.
 */
export function chooseBest(harnesses: readonly EvaluatedHarness[], tasks: readonly string[]): BestChoice {
  if (harnesses.length === 0) throw new Error('chooseBest: no evaluated harness');
  const changes = [...new Set(harnesses.flatMap((h) => h.active))].sort();
  const index = new Map(changes.map((c, i) => [c, i]));
  // Each harness's active changes as a set of indices.
  const activeSets = harnesses.map((h) => new Set(h.active.map((c) => index.get(c)!)));
  const hypotheses: number[][] = [[]];
  for (let a = 0; a < changes.length; a++) {
    hypotheses.push([a]);
    for (let b = a + 1; b < changes.length; b++) hypotheses.push([a, b]);
  }
  const totals = new Array<number>(harnesses.length).fill(0);
  const groupOf = (h: readonly number[], j: number) =>
    h.reduce((g, change, bit) => (activeSets[j]!.has(change) ? g | (1 << bit) : g), 0);
  const groups = 1 << MAX_CHANGES_PER_TASK;
  for (const task of tasks) {
    const measured = harnesses
      .map((h, j) => ({ j, o: h.outcomes[task] }))
      .filter((m): m is { j: number; o: TaskOutcome } => m.o !== undefined && m.o.n > 0);
    const n = measured.reduce((s, m) => s + m.o.n, 0);
    const c = measured.reduce((s, m) => s + m.o.c, 0);
    const pooled = (c + 0.5) / (n + 1);
    if (measured.length === 0) {
      for (let j = 0; j < harnesses.length; j++) totals[j]! += pooled;
      continue;
    }
    const logWeights: number[] = [];
    const means: number[][] = []; // per hypothesis, per harness
    for (const h of hypotheses) {
      const gn = new Array<number>(groups).fill(0);
      const gc = new Array<number>(groups).fill(0);
      for (const m of measured) {
        const g = groupOf(h, m.j);
        gn[g]! += m.o.n;
        gc[g]! += m.o.c;
      }
      let logLik = 0;
      for (let g = 0; g < groups; g++) if (gn[g]! > 0) logLik += logMarginal(gn[g]!, gc[g]!);
      logWeights.push(logLik);
      means.push(
        harnesses.map((_, j) => {
          const g = groupOf(h, j);
          return gn[g]! > 0 ? (gc[g]! + 0.5) / (gn[g]! + 1) : pooled;
        }),
      );
    }
    const top = Math.max(...logWeights);
    const weights = logWeights.map((w) => Math.exp(w - top));
    const sum = weights.reduce((a, b) => a + b, 0);
    for (let j = 0; j < harnesses.length; j++) {
      let estimate = 0;
      for (let i = 0; i < hypotheses.length; i++) estimate += weights[i]! * means[i]![j]!;
      totals[j]! += estimate / sum;
    }
  }
  const estimates = harnesses.map((h, j) => ({ iteration: h.iteration, estimate: totals[j]! / (tasks.length || 1) }));
  let best = 0;
  // Harnesses with the same active changes get the same sums in the same order, so equal means equal.
  for (let j = 1; j < estimates.length; j++) if (estimates[j]!.estimate > estimates[best]!.estimate) best = j;
  return { iteration: estimates[best]!.iteration, estimate: estimates[best]!.estimate, estimates };
}
