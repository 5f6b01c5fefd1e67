// The numbers an experiment reports for each evaluated harness and between two of them: pass@1 with its
// 95% interval (over tasks, as every ahe score), tokens per trial and per solved task (the efficiency
// claim: what one success costs), cost; and the paired comparison of two jobs on their common tasks
// (src/bench/compare-jobs.ts: mean difference, its interval, the sign-flip p-value, per-task flips),
// with Holm's correction when a family of such comparisons is read together (src/bench/stats.ts).
import { compareJobs, type TaskChange, type TaskChangeKind } from '../bench/compare-jobs.ts';
import type { JobResult } from '../bench/job-summary.ts';
import { holmAdjust } from '../bench/stats.ts';

export interface VariantScore {
  n_tasks: number;
  k: number;
  pass_at_1: number;
  ci95: [number, number];
  stderr: number;
  /** Measured trials (infrastructure errors left out) and the passing ones. */
  trials: number;
  passed_trials: number;
  tokens: { prompt: number; completion: number; cached: number };
  /** (prompt + completion) tokens ÷ measured trials. */
  tokens_per_trial: number | null;
  /** (prompt + completion) tokens ÷ passing trials: what one solved task costs; null when nothing passed. */
  tokens_per_solved_task: number | null;
  /** null when a model's price is unknown (never read as $0). */
  cost_usd: number | null;
}

export function scoreJob(result: JobResult): VariantScore {
  const tasks = Object.values(result.tasks);
  const trials = tasks.reduce((s, t) => s + t.n, 0);
  const passed = tasks.reduce((s, t) => s + t.c, 0);
  const total = result.tokens.prompt + result.tokens.completion;
  return {
    n_tasks: result.n_tasks,
    k: result.k,
    pass_at_1: result.pass_at_1,
    ci95: result.ci95,
    stderr: result.stderr,
    trials,
    passed_trials: passed,
    tokens: result.tokens,
    tokens_per_trial: trials ? total / trials : null,
    tokens_per_solved_task: passed ? total / passed : null,
    cost_usd: result.cost_usd,
  };
}

export interface PairedResult {
  /** The variant compared against (B − A, A = this). */
  against: string;
  /** Common tasks with a measured attempt on both sides. */
  n_tasks: number;
  mean_difference: number;
  ci95: [number, number];
  p_value: number;
  /** Holm-adjusted p-value within its family (filled in by holmFamily). */
  p_holm: number | null;
  counts: Record<TaskChangeKind, number>;
  /** Tasks that flipped or moved (fixed, regressed, improved, worsened), with both sides' passes. */
  flips: TaskChange[];
}

/** B relative to A on their common tasks. */
export function pairJobs(against: string, a: JobResult, b: JobResult): PairedResult {
  const c = compareJobs(a.tasks, b.tasks);
  return {
    against,
    n_tasks: c.commonTasks.length,
    mean_difference: c.paired.meanDifference,
    ci95: c.paired.ci95,
    p_value: c.paired.pValue,
    p_holm: null,
    counts: c.counts,
    flips: c.tasks.filter((t) => t.change !== 'unchanged'),
  };
}

/** Fills in `p_holm` of every comparison of one family (in place), Holm over exactly these. */
export function holmFamily(family: readonly PairedResult[]): void {
  const adjusted = holmAdjust(family.map((c) => c.p_value));
  family.forEach((c, i) => {
    c.p_holm = adjusted[i]!;
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(1)}`;

export const formatPass = (s: VariantScore) => `${pct(s.pass_at_1)} [${pct(s.ci95[0])}, ${pct(s.ci95[1])}]`;

/** `+33.3 pts [−12.0, +70.1], p 0.25 (Holm 0.75)` */
export function formatPaired(p: PairedResult): string {
  return `${signed(p.mean_difference)} pts [${signed(p.ci95[0])}, ${signed(p.ci95[1])}], p ${p.p_value.toFixed(3)}${p.p_holm === null ? '' : ` (Holm ${p.p_holm.toFixed(3)})`}`;
}

export function formatCount(n: number | null): string {
  if (n === null) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export const formatUsd = (x: number | null) => (x === null ? '$?' : `$${x.toFixed(x < 1 ? 4 : 2)}`);
