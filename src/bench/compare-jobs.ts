// Two jobs side by side, B relative to A: which tasks flipped, and whether the change in pass@1 is more
// than noise. Only tasks both jobs ran are paired; the rest are listed, never silently mixed in, because
// a task present on one side only would move a pass rate without saying anything about the change.
import { comparePaired, computePassStats, type PairedComparison, type TaskOutcome } from './stats.ts';

/**
 * - fixed: no pass in A, at least one in B; regressed: the reverse.
 * - improved / worsened: passes on both sides, but the share of passing attempts changed.
 * - unchanged: the same share, or no pass on either side.
 */
export type TaskChangeKind = 'fixed' | 'regressed' | 'improved' | 'worsened' | 'unchanged';

export interface TaskChange {
  task: string;
  change: TaskChangeKind;
  a: TaskOutcome;
  b: TaskOutcome;
}

export interface PassRate {
  passAt1: number;
  stderr: number;
  ci95: [number, number];
}

export interface JobComparison {
  /** Tasks in both jobs, sorted by name: the population of every number below. */
  commonTasks: string[];
  a: PassRate;
  b: PassRate;
  /** Paired over the common tasks: mean of (rate in B − rate in A), its interval and p-value. */
  paired: PairedComparison;
  /** Every common task: fixed, regressed, improved, worsened first (each sorted by name), then unchanged. */
  tasks: TaskChange[];
  counts: Record<TaskChangeKind, number>;
  onlyInA: string[];
  onlyInB: string[];
}

const ORDER: TaskChangeKind[] = ['fixed', 'regressed', 'improved', 'worsened', 'unchanged'];

export function classifyChange(a: TaskOutcome, b: TaskOutcome): TaskChangeKind {
  if (a.c === 0 && b.c > 0) return 'fixed';
  if (a.c > 0 && b.c === 0) return 'regressed';
  if (a.c === 0 || a.n === 0 || b.n === 0) return 'unchanged';
  // c_a/n_a vs c_b/n_b compared by cross-multiplying: exact, no rounding of rates like 1/3.
  const diff = b.c * a.n - a.c * b.n;
  return diff > 0 ? 'improved' : diff < 0 ? 'worsened' : 'unchanged';
}

const outcome = ({ n, c }: TaskOutcome): TaskOutcome => ({ n, c });
const rateOf = (tasks: TaskOutcome[]): PassRate => {
  const s = computePassStats(tasks);
  return { passAt1: s.passAt1, stderr: s.stderr, ci95: s.ci95 };
};

/** Only tasks with at least one measured attempt: a task whose every attempt was an infrastructure error was not measured. */
const measuredOnly = (tasks: Readonly<Record<string, TaskOutcome>>): Record<string, TaskOutcome> =>
  Object.fromEntries(Object.entries(tasks).filter(([, t]) => t.n > 0));

/**
 * Compares per-task outcomes (e.g. the `tasks` of two job summaries), B relative to A. A task with no
 * measured attempt on a side counts as absent from that side.
 */
export function compareJobs(
  allA: Readonly<Record<string, TaskOutcome>>,
  allB: Readonly<Record<string, TaskOutcome>>,
): JobComparison {
  const a = measuredOnly(allA);
  const b = measuredOnly(allB);
  const byName = (x: string, y: string) => x.localeCompare(y);
  const commonTasks = Object.keys(a)
    .filter((t) => Object.hasOwn(b, t))
    .sort(byName);
  const onlyInA = Object.keys(a)
    .filter((t) => !Object.hasOwn(b, t))
    .sort(byName);
  const onlyInB = Object.keys(b)
    .filter((t) => !Object.hasOwn(a, t))
    .sort(byName);
  const aOutcomes = commonTasks.map((t) => outcome(a[t]!));
  const bOutcomes = commonTasks.map((t) => outcome(b[t]!));
  const tasks = commonTasks
    .map(
      (task, i): TaskChange => ({
        task,
        change: classifyChange(aOutcomes[i]!, bOutcomes[i]!),
        a: aOutcomes[i]!,
        b: bOutcomes[i]!,
      }),
    )
    .sort((x, y) => ORDER.indexOf(x.change) - ORDER.indexOf(y.change) || byName(x.task, y.task));
  const counts = Object.fromEntries(ORDER.map((k) => [k, tasks.filter((t) => t.change === k).length])) as Record<
    TaskChangeKind,
    number
  >;
  return {
    commonTasks,
    a: rateOf(aOutcomes),
    b: rateOf(bOutcomes),
    paired: comparePaired(aOutcomes, bOutcomes),
    tasks,
    counts,
    onlyInA,
    onlyInB,
  };
}
