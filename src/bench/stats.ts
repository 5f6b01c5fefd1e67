// Pass rates of a job with honest uncertainty. The unit of sampling is the task: a job's score is the
// mean over tasks of each task's success rate, so errors and intervals are computed over tasks.
// Bootstrap resampling is seeded, so the same job always reports the same interval.

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
  /** 95% percentile-bootstrap interval of pass@1 over tasks. */
  ci95: [number, number];
}

const BOOTSTRAP_SAMPLES = 10_000;
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

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Percentile-bootstrap 95% interval of the mean of xs. */
export function bootstrapMeanCi(
  xs: readonly number[],
  samples = BOOTSTRAP_SAMPLES,
  random = seededRandom(),
): [number, number] {
  if (xs.length === 0) return [0, 0];
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += xs[Math.floor(random() * xs.length)]!;
    means[s] = sum / xs.length;
  }
  means.sort();
  return [quantile(means as unknown as number[], 0.025), quantile(means as unknown as number[], 0.975)];
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
    ci95: bootstrapMeanCi(rates),
  };
}

export interface PairedComparison {
  nTasks: number;
  /** Mean over tasks of (rate in B − rate in A). */
  meanDifference: number;
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
  const observed = Math.abs(mean(diffs));
  const nonZero = diffs.filter((d) => d !== 0);
  let extreme = 0;
  let total = 0;
  if (nonZero.length <= 16) {
    // Exact: every assignment of signs.
    for (let mask = 0; mask < 1 << nonZero.length; mask++) {
      const sum = nonZero.reduce((acc, d, i) => acc + (mask & (1 << i) ? -d : d), 0);
      if (Math.abs(sum / diffs.length) >= observed - 1e-12) extreme++;
      total++;
    }
  } else {
    for (let s = 0; s < BOOTSTRAP_SAMPLES; s++) {
      const sum = nonZero.reduce((acc, d) => acc + (random() < 0.5 ? -d : d), 0);
      if (Math.abs(sum / diffs.length) >= observed - 1e-12) extreme++;
      total++;
    }
  }
  return {
    nTasks: diffs.length,
    meanDifference: mean(diffs),
    ci95: bootstrapMeanCi(diffs, BOOTSTRAP_SAMPLES, random),
    pValue: extreme / total,
  };
}
