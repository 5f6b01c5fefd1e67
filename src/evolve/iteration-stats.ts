// One iteration's numbers on the training split, as the loop records them and the evolve agent reads
// them: the pass rate with its uncertainty, what changed per task against the previous and the best
// earlier iteration (with a paired test, so noise is not read as progress), the partial-pass tasks (the
// sharpest signal: some attempts pass, some fail) and each task's stability over the whole run.
import { compareJobs, type JobComparison } from '../bench/compare-jobs.ts';
import type { JobSummary, TaskSummary } from '../bench/job-summary.ts';
import { computePassStats } from '../bench/stats.ts';

/** Per-task change of the current job against another job, over the tasks both ran. */
export interface JobDelta {
  /** Tasks with no passing attempt before and at least one now (compareJobs' `fixed`). */
  fixed: string[];
  /** Tasks with at least one passing attempt before and none now. */
  regressed: string[];
  /** Tasks passing on both sides whose share of passing attempts c/n went up. */
  improved: string[];
  /** Tasks passing on both sides whose share of passing attempts went down. */
  worsened: string[];
  /** Same share on both sides, or no pass on either side. */
  unchanged: string[];
  /** |fixed| + |improved| − |regressed| − |worsened|: a count of tasks, not a rate. */
  net: number;
  /**
   * Of the common tasks that passed at least once before (c > 0), the share that still pass at least
   * once now; null when none passed before.
   */
  retention: number | null;
  /** Paired over the common tasks: mean over tasks of (c/n now − c/n before), its 95% interval, p-value. */
  paired: { nTasks: number; meanDifference: number; ci95: [number, number]; pValue: number };
  /** Tasks only the current job ran, and only the other: never mixed into the numbers above. */
  only_in_current: string[];
  only_in_other: string[];
}

export interface TaskStability {
  task: string;
  /** Passing attempts (c) in each iteration of the history, current last; null where the task was not run. */
  passes: (number | null)[];
  /** Attempts (n) in the same iterations; null where the task was not run. */
  attempts: (number | null)[];
  /** Every attempt passed in every iteration that ran the task (c = n > 0 each time). */
  stable_pass: boolean;
  /** No attempt passed in any iteration that ran the task. */
  stable_fail: boolean;
  /** Neither: some attempt passed and some failed over the run (within an iteration or across them). */
  flaky: boolean;
}

export interface IterationStats {
  /** Mean over tasks of c/n. */
  pass_at_1: number;
  /** 95% Wilson score interval of pass@1 over the tasks (bench/stats.ts; docs/results.md, "Intervals"). */
  ci95: [number, number];
  /** Standard error of pass@1 over tasks. */
  stderr: number;
  /** Unbiased pass@k for k = 1 … the fewest attempts of any task. */
  pass_at_k: Record<string, number>;
  n_tasks: number;
  vs_previous?: JobDelta;
  /** Against the best earlier iteration (chosen by the caller). */
  vs_best?: JobDelta & { iteration: number };
  /** Tasks of the current job with 0 < c < n, sorted by name. */
  partial_tasks: string[];
  /** Every task of the history or the current job, sorted by name. */
  stability: TaskStability[];
}

export interface IterationStatsInput {
  current: JobSummary;
  previous?: JobSummary;
  /** The best earlier iteration, to say what the current harness gained or lost against it. */
  best?: { iteration: number; summary: JobSummary };
  /** Summaries of the earlier iterations, oldest first, the current one excluded. */
  history?: readonly JobSummary[];
}

const byName = (a: string, b: string) => a.localeCompare(b);

/** The per-task delta of `current` against `other`, built on compareJobs. */
export function jobDelta(
  other: Readonly<Record<string, TaskSummary>>,
  current: Readonly<Record<string, TaskSummary>>,
): JobDelta {
  const cmp: JobComparison = compareJobs(other, current);
  const of = (kind: string) => cmp.tasks.filter((t) => t.change === kind).map((t) => t.task);
  const passedBefore = cmp.tasks.filter((t) => t.a.c > 0);
  return {
    fixed: of('fixed'),
    regressed: of('regressed'),
    improved: of('improved'),
    worsened: of('worsened'),
    unchanged: of('unchanged'),
    net: cmp.counts.fixed + cmp.counts.improved - cmp.counts.regressed - cmp.counts.worsened,
    retention: passedBefore.length ? passedBefore.filter((t) => t.b.c > 0).length / passedBefore.length : null,
    paired: {
      nTasks: cmp.paired.nTasks,
      meanDifference: cmp.paired.meanDifference,
      ci95: cmp.paired.ci95,
      pValue: cmp.paired.pValue,
    },
    only_in_current: cmp.onlyInB,
    only_in_other: cmp.onlyInA,
  };
}

/** Each task's pass counts over `iterations` (oldest first), with its stability class. */
export function taskStability(iterations: readonly JobSummary[]): TaskStability[] {
  const names = [...new Set(iterations.flatMap((s) => Object.keys(s.tasks)))].sort(byName);
  return names.map((task) => {
    const runs = iterations.map((s) => (Object.hasOwn(s.tasks, task) ? s.tasks[task]! : null));
    const ran = runs.filter((r): r is TaskSummary => r !== null && r.n > 0);
    const stable_pass = ran.length > 0 && ran.every((r) => r.c === r.n);
    const stable_fail = ran.every((r) => r.c === 0);
    return {
      task,
      passes: runs.map((r) => (r ? r.c : null)),
      attempts: runs.map((r) => (r ? r.n : null)),
      stable_pass,
      stable_fail,
      flaky: !stable_pass && !stable_fail,
    };
  });
}

export function iterationStats(input: IterationStatsInput): IterationStats {
  const { current } = input;
  // Recomputed from the per-task outcomes so the numbers always describe exactly the tasks given.
  const stats = computePassStats(Object.values(current.tasks));
  const out: IterationStats = {
    pass_at_1: stats.passAt1,
    ci95: stats.ci95,
    stderr: stats.stderr,
    pass_at_k: stats.passAtK,
    n_tasks: stats.nTasks,
    partial_tasks: Object.entries(current.tasks)
      .filter(([, t]) => t.c > 0 && t.c < t.n)
      .map(([name]) => name)
      .sort(byName),
    stability: taskStability([...(input.history ?? []), current]),
  };
  if (input.previous) out.vs_previous = jobDelta(input.previous.tasks, current.tasks);
  if (input.best)
    out.vs_best = { iteration: input.best.iteration, ...jobDelta(input.best.summary.tasks, current.tasks) };
  return out;
}
