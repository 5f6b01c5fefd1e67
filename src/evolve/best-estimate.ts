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

/** Per training task, the change-attribution posterior: hypotheses' weights and, per hypothesis and harness, its group. */
interface TaskPosterior {
  /** Posterior weight of each hypothesis, relative to the largest; `total` is their sum. */
  weights: number[];
  total: number;
  /** Per hypothesis, per harness: the group (bit set of the hypothesis' changes active in it). */
  groups: number[][];
  /** Per hypothesis, per group: Beta posterior parameters of its rate (a group never measured: the task's pooled counts). */
  rates: { a: number; b: number }[][];
}

function hypothesesOf(count: number): number[][] {
  const hypotheses: number[][] = [[]];
  for (let a = 0; a < count; a++) {
    hypotheses.push([a]);
    for (let b = a + 1; b < count; b++) hypotheses.push([a, b]);
  }
  return hypotheses;
}

/** Each task's posterior (undefined for a task never measured: it weighs the same on every harness). */
function taskPosteriors(
  harnesses: readonly EvaluatedHarness[],
  tasks: readonly string[],
): (TaskPosterior | undefined)[] {
  const changes = [...new Set(harnesses.flatMap((h) => h.active))].sort();
  const index = new Map(changes.map((c, i) => [c, i]));
  // Each harness's active changes as a set of indices.
  const activeSets = harnesses.map((h) => new Set(h.active.map((c) => index.get(c)!)));
  const hypotheses = hypothesesOf(changes.length);
  const groupsOf = hypotheses.map((h) =>
    activeSets.map((set) => h.reduce((g, change, bit) => (set.has(change) ? g | (1 << bit) : g), 0)),
  );
  const groupCount = 1 << MAX_CHANGES_PER_TASK;
  return tasks.map((task) => {
    const measured = harnesses
      .map((h, j) => ({ j, o: h.outcomes[task] }))
      .filter((m): m is { j: number; o: TaskOutcome } => m.o !== undefined && m.o.n > 0);
    if (measured.length === 0) return undefined;
    const n = measured.reduce((s, m) => s + m.o.n, 0);
    const c = measured.reduce((s, m) => s + m.o.c, 0);
    const logWeights: number[] = [];
    const rates: { a: number; b: number }[][] = [];
    hypotheses.forEach((_, i) => {
      const gn = new Array<number>(groupCount).fill(0);
      const gc = new Array<number>(groupCount).fill(0);
      for (const m of measured) {
        const g = groupsOf[i]![m.j]!;
        gn[g]! += m.o.n;
        gc[g]! += m.o.c;
      }
      let logLik = 0;
      for (let g = 0; g < groupCount; g++) if (gn[g]! > 0) logLik += logMarginal(gn[g]!, gc[g]!);
      logWeights.push(logLik);
      rates.push(
        gn.map((gnG, g) => (gnG > 0 ? { a: gc[g]! + 0.5, b: gnG - gc[g]! + 0.5 } : { a: c + 0.5, b: n - c + 0.5 })),
      );
    });
    const top = Math.max(...logWeights);
    const weights = logWeights.map((w) => Math.exp(w - top));
    return { weights, total: weights.reduce((a, b) => a + b, 0), groups: groupsOf, rates };
  });
}

const betaMean = ({ a, b }: { a: number; b: number }) => a / (a + b);
const betaVariance = ({ a, b }: { a: number; b: number }) => (a * b) / ((a + b) ** 2 * (a + b + 1));

/**
 * Each evaluated harness's estimated training pass rate, and the best one. `tasks` are the training
 * tasks (a task never measured weighs the same on every harness). Throws on no harness.
 */
export function chooseBest(harnesses: readonly EvaluatedHarness[], tasks: readonly string[]): BestChoice {
  if (harnesses.length === 0) throw new Error('chooseBest: no evaluated harness');
  const totals = new Array<number>(harnesses.length).fill(0);
  taskPosteriors(harnesses, tasks).forEach((post) => {
    for (let j = 0; j < harnesses.length; j++) {
      if (!post) {
        totals[j]! += 0.5;
        continue;
      }
      let estimate = 0;
      post.weights.forEach((w, i) => {
        estimate += w * betaMean(post.rates[i]![post.groups[i]![j]!]!);
      });
      totals[j]! += estimate / post.total;
    }
  });
  const estimates = harnesses.map((h, j) => ({ iteration: h.iteration, estimate: totals[j]! / (tasks.length || 1) }));
  let best = 0;
  // Harnesses with the same active changes get the same sums in the same order, so equal means equal.
  for (let j = 1; j < estimates.length; j++) if (estimates[j]!.estimate > estimates[best]!.estimate) best = j;
  return { iteration: estimates[best]!.iteration, estimate: estimates[best]!.estimate, estimates };
}

/**
 * The posterior of the difference in training pass rate between two harnesses (indices into `harnesses`):
 * its mean and standard deviation. Under each hypothesis a task's two rates are the same when both
 * harnesses fall in one group, else independent Beta posteriors; the tasks are independent.
 */
export function estimateDifference(
  harnesses: readonly EvaluatedHarness[],
  tasks: readonly string[],
  pairs: readonly (readonly [number, number])[],
): { mean: number; sd: number }[] {
  const sums = pairs.map(() => ({ mean: 0, variance: 0 }));
  for (const post of taskPosteriors(harnesses, tasks)) {
    if (!post) continue;
    pairs.forEach(([x, y], p) => {
      let m1 = 0;
      let m2 = 0;
      post.weights.forEach((w, i) => {
        const gx = post.groups[i]![x]!;
        const gy = post.groups[i]![y]!;
        if (gx === gy) return;
        const rx = post.rates[i]![gx]!;
        const ry = post.rates[i]![gy]!;
        const mean = betaMean(rx) - betaMean(ry);
        m1 += (w / post.total) * mean;
        m2 += (w / post.total) * (betaVariance(rx) + betaVariance(ry) + mean * mean);
      });
      sums[p]!.mean += m1;
      sums[p]!.variance += Math.max(0, m2 - m1 * m1);
    });
  }
  const t = tasks.length || 1;
  return sums.map((s) => ({ mean: s.mean / t, sd: Math.sqrt(s.variance) / t }));
}
