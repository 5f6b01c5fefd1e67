// Pass rates of a job with honest uncertainty. The unit of sampling is the task: a job's score is the
// mean over tasks of each task's success rate, so errors and intervals are computed over tasks.
// Intervals are score intervals in closed form (Wilson's over the tasks; Newcombe's hybrid score interval
// for a paired difference): they never collapse to a point at 0% or 100% or when every task has the same
// rate, and the same job gives the same interval on every machine. The permutation test's random signs
// are seeded. docs/results.md ("Intervals") gives the formulas and why.

export interface TaskOutcome {
  /** Attempts of the task. */
  n: number;
  /** Successful attempts (reward ≥ 1). */
  c: number;
}

export interface PassStats {
  nTasks: number;
  passAt1: number;
  /** Unbiased pass@k for k = 1 … min n over tasks. */
  passAtK: Record<string, number>;
  /** Standard error of pass@1 over tasks. */
  stderr: number;
  /** 95% Wilson score interval of pass@1 over the tasks (wilsonInterval with n = nTasks). */
  ci95: [number, number];
}

const PERMUTATION_SAMPLES = 10_000;
/** The normal quantile of a two-sided 95% interval. */
const Z95 = 1.959963984540054;
const SEED = 0x5eed;

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same intervals on every machine. */
export function seededRandom(seed = SEED): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Unbiased estimator of pass@k for one task: 1 − C(n−c, k) / C(n, k) (Chen et al., 2021). */
export function passAtKForTask({ n, c }: TaskOutcome, k: number): number {
  if (k > n) throw new RangeError(`pass@${k} needs at least ${k} attempts per task, got ${n}`);
  if (n - c < k) return 1;
  let ratio = 1; // C(n−c, k) / C(n, k) as a running product, stable for large n
  for (let i = 0; i < k; i++) ratio *= (n - c - i) / (n - i);
  return 1 - ratio;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return Math.sqrt(variance / xs.length);
}

/**
 * Wilson score interval of a proportion p observed over n trials: the p′ with |p − p′| ≤ z·√(p′(1 − p′)/n).
 * It stays inside [0, 1] and is never a point: all n passing gives [n/(n + z²), 1], e.g. [34.2%, 100%] for
 * n = 2. No trial at all gives [0, 1].
 *
 * ahe applies it to the mean of per-task rates with n = the number of tasks. With one attempt per task
 * that is the ordinary Wilson interval. With more, each rate lies in [0, 1], so with mean p its variance is
 * at most p(1 − p) (Bhatia–Davis): the task mean's variance is at most p(1 − p)/n, the variance this
 * interval assumes, so it is valid (conservative) whatever the spread between tasks — and it never
 * collapses when every task has the same rate, as a bootstrap over tasks does. See docs/results.md.
 */
export function wilsonInterval(p: number, n: number, z = Z95): [number, number] {
  if (!(n > 0)) return [0, 1];
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt(Math.max(0, (p * (1 - p)) / n + z2 / (4 * n * n)));
  // Exact at the ends (no rounding to 0.9999…): all passing reaches 1, none passing reaches 0.
  return [p <= 0 ? 0 : Math.max(0, centre - half), p >= 1 ? 1 : Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval (1998, method 10) for the paired difference mean(b) − mean(a): each
 * side's Wilson interval over the tasks, combined with the correlation φ of the per-task rates. φ gets Newcombe's continuity correction (for 0/1 outcomes, AD − BC is lowered by T/2
 * when positive; here, the covariance by 1/(2T)), without which identical mixed results would give a
 * point. Not a point when both sides pass (or fail) everything: both pass all 2 tasks gives ±65.8 points.
 */
export function pairedDifferenceInterval(
  a: readonly TaskOutcome[],
  b: readonly TaskOutcome[],
  z = Z95,
): [number, number] {
  const ra = a.map(rate);
  const rb = b.map(rate);
  const p1 = mean(ra);
  const p2 = mean(rb);
  const [l1, u1] = wilsonInterval(p1, a.length, z);
  const [l2, u2] = wilsonInterval(p2, b.length, z);
  const phi = correctedCorrelation(ra, rb);
  const d = p2 - p1;
  const lower = d - Math.sqrt(Math.max(0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2));
  const upper = d + Math.sqrt(Math.max(0, (u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2));
  return [Math.max(-1, lower), Math.min(1, upper)];
}

const rate = (t: TaskOutcome) => (t.n ? t.c / t.n : 0);

/** Pearson correlation of paired rates, continuity-corrected as Newcombe's φ; 0 when a side does not vary. */
function correctedCorrelation(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n === 0) return 0;
  const mx = mean(x);
  const my = mean(y);
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    cov += (x[i]! - mx) * (y[i]! - my);
    vx += (x[i]! - mx) ** 2;
    vy += (y[i]! - my) ** 2;
  }
  if (vx === 0 || vy === 0) return 0;
  cov /= n;
  const corrected = cov > 0 ? Math.max(0, cov - 1 / (2 * n)) : cov;
  return corrected / Math.sqrt((vx / n) * (vy / n));
}

/** Pass rates over the tasks with at least one attempt: a task never measured has no rate, not a rate of 0. */
export function computePassStats(all: readonly TaskOutcome[]): PassStats {
  const tasks = all.filter((t) => t.n > 0);
  const rates = tasks.map((t) => t.c / t.n);
  const minN = tasks.length ? Math.min(...tasks.map((t) => t.n)) : 0;
  const passAtK: Record<string, number> = {};
  for (let k = 1; k <= minN; k++) passAtK[String(k)] = mean(tasks.map((t) => passAtKForTask(t, k)));
  return {
    nTasks: tasks.length,
    passAt1: mean(rates),
    passAtK,
    stderr: standardError(rates),
    ci95: wilsonInterval(mean(rates), tasks.length),
  };
}

export interface PairedComparison {
  nTasks: number;
  /** Mean over tasks of (rate in B − rate in A). */
  meanDifference: number;
  /** 95% interval of meanDifference (pairedDifferenceInterval). */
  ci95: [number, number];
  /** Two-sided p-value of a sign-flip permutation test on the per-task differences. */
  pValue: number;
}

/** Paired comparison of two jobs on the same tasks (B relative to A). */
export function comparePaired(
  a: readonly TaskOutcome[],
  b: readonly TaskOutcome[],
  random = seededRandom(),
): PairedComparison {
  if (a.length !== b.length) throw new RangeError(`paired comparison needs the same tasks: ${a.length} vs ${b.length}`);
  const diffs = a.map((t, i) => (b[i]!.n ? b[i]!.c / b[i]!.n : 0) - (t.n ? t.c / t.n : 0));
  const exact = signFlipPValue(a, b, 'two-sided');
  let pValue: number;
  if (exact !== undefined) pValue = exact;
  else {
    // Differences without a small common denominator: sampled sign assignments.
    const observed = Math.abs(mean(diffs));
    const nonZero = diffs.filter((d) => d !== 0);
    let extreme = 0;
    for (let s = 0; s < PERMUTATION_SAMPLES; s++) {
      const sum = nonZero.reduce((acc, d) => acc + (random() < 0.5 ? -d : d), 0);
      if (Math.abs(sum / diffs.length) >= observed - 1e-12) extreme++;
    }
    pValue = extreme / PERMUTATION_SAMPLES;
  }
  return {
    nTasks: diffs.length,
    meanDifference: mean(diffs),
    ci95: pairedDifferenceInterval(a, b),
    pValue,
  };
}

const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
/** The largest sign-flip distribution computed exactly (distinct sums × tasks). */
const EXACT_LIMIT = 4_000_000;

/**
 * The exact p-value of the sign-flip permutation test on per-task differences of pass rates (B − A): every
 * assignment of signs to the non-zero differences is equally likely under "no difference". Rates are
 * fractions c/n, so the differences are integers over a common denominator and the distribution of their
 * sum is counted exactly by dynamic programming over the possible sums (no sampling, any number of tasks).
 * 'two-sided': P(|sum| ≥ |observed|); 'less': P(sum ≤ observed) (B worse than A). Undefined when the
 * common denominator is too large to count (the caller then samples).
 */
export function signFlipPValue(
  a: readonly TaskOutcome[],
  b: readonly TaskOutcome[],
  alternative: 'two-sided' | 'less',
): number | undefined {
  let denominator = 1;
  for (let i = 0; i < a.length; i++)
    for (const n of [a[i]!.n || 1, b[i]!.n || 1]) {
      denominator = (denominator / gcd(denominator, n)) * n;
      if (denominator > 10_000) return undefined;
    }
  const rate = (t: TaskOutcome) => (t.n ? (t.c * denominator) / t.n : 0);
  const diffs = a.map((t, i) => Math.round(rate(b[i]!) - rate(t))).filter((d) => d !== 0);
  const observed = diffs.reduce((s, d) => s + d, 0);
  const span = diffs.reduce((s, d) => s + Math.abs(d), 0);
  if (diffs.length === 0) return 1;
  if ((2 * span + 1) * diffs.length > EXACT_LIMIT) return undefined;
  // counts[s + span] = number of sign assignments (over the differences so far) summing to s.
  let counts = new Float64Array(2 * span + 1);
  counts[span] = 1;
  for (const d of diffs) {
    const next = new Float64Array(2 * span + 1);
    const m = Math.abs(d);
    for (let s = 0; s < counts.length; s++) {
      const c = counts[s]!;
      if (c === 0) continue;
      if (s + m < next.length) next[s + m] = next[s + m]! + c;
      if (s - m >= 0) next[s - m] = next[s - m]! + c;
    }
    counts = next;
  }
  let extreme = 0;
  let total = 0;
  for (let s = 0; s < counts.length; s++) {
    const sum = s - span;
    total += counts[s]!;
    if (alternative === 'less' ? sum <= observed : Math.abs(sum) >= Math.abs(observed)) extreme += counts[s]!;
  }
  return extreme / total;
}

/**
 * Holm's step-down correction (1979) of a family of p-values, in the order given: sort ascending, multiply
 * the i-th smallest (0-based) by (m − i), carry the running maximum so the adjusted values keep the
 * p-values' order, cap at 1. Rejecting where the adjusted value is < α controls the family-wise error
 * rate at α for any dependence between the tests, and is never less powerful than Bonferroni.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * The exact one-sided p-value that the attempts of B succeeded less than those of A, stratified by task: an
 * exact conditional test (Cochran–Mantel–Haenszel's, computed exactly). Within a task, under "no
 * difference" every attempt of A and B is exchangeable, so given the task's total successes the number of
 * B's successes is hypergeometric; the tasks' counts are independent and their sum's distribution is their
 * convolution. p = P(Σ B successes ≤ observed). Unlike a test over tasks, a task that went from 3 of 3 to 0
 * of 3 is evidence on its own (p = 0.05), while one flipped attempt never is (p = 0.5).
 */
export function stratifiedLessPValue(a: readonly TaskOutcome[], b: readonly TaskOutcome[]): number {
  let dist = [1];
  let observed = 0;
  for (let i = 0; i < a.length; i++) {
    const { n: na, c: ca } = a[i]!;
    const { n: nb, c: cb } = b[i]!;
    if (na === 0 || nb === 0) continue;
    observed += cb;
    const total = ca + cb;
    const all = na + nb;
    // P(X = x) for x successes among B's nb attempts: C(total, x) C(all − total, nb − x) / C(all, nb).
    const pmf: number[] = [];
    for (let x = 0; x <= nb; x++)
      pmf.push(
        x > total || nb - x > all - total ? 0 : (choose(total, x) * choose(all - total, nb - x)) / choose(all, nb),
      );
    const next = new Array<number>(dist.length + nb).fill(0);
    for (let s = 0; s < dist.length; s++) for (let x = 0; x <= nb; x++) next[s + x] = next[s + x]! + dist[s]! * pmf[x]!;
    dist = next;
  }
  let p = 0;
  for (let s = 0; s <= Math.min(observed, dist.length - 1); s++) p += dist[s]!;
  return Math.min(1, p);
}

function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) r = (r * (n - i + 1)) / i;
  return r;
}
