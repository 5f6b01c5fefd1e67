// `ahe compare` at work: reads both jobs, compares them task by task, prints the report (or JSON).
import { compareJobs, type JobComparison, type TaskChange } from '../bench/compare-jobs.ts';
import { type JobProblem, type JobTrials, readJobTrials, summarizeTrials } from '../bench/job-summary.ts';
import { UserError } from '../errors.ts';
import { table } from './table.ts';

function loadJob(path: string): JobTrials & { tasks: ReturnType<typeof summarizeTrials>['tasks'] } {
  const job = readJobTrials(path);
  if (job.trials.length === 0) {
    const missing = job.problems.find((p) => p.path === job.dir);
    if (missing) throw new UserError(`${job.dir} ${missing.message}: give a job directory`);
    const malformed = job.problems.length
      ? ` (${job.problems.length} malformed, e.g. ${describeProblem(job.problems[0]!)})`
      : '';
    throw new UserError(
      `${job.dir} is not a job directory: no readable trial result.json in its sub-directories${malformed}`,
    );
  }
  return { ...job, tasks: summarizeTrials(job.trials.map((t) => t.result)).tasks };
}

const describeProblem = (p: JobProblem) => `${p.path}: ${p.field ? `${p.field}: ` : ''}${p.message}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pp = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pp`;
const ratio = ({ c, n }: { c: number; n: number }) => `${c}/${n}`;

function readingOfP(c: JobComparison): string {
  const { pValue, nTasks } = c.paired;
  if (c.paired.meanDifference === 0) return 'no difference on the common tasks';
  return pValue < 0.05
    ? `p < 0.05: a difference this large is unlikely to be noise on ${nTasks} tasks`
    : `p ≥ 0.05: not distinguishable from noise on ${nTasks} tasks`;
}

/**
 * When the interval (an approximate score interval) and the exact test disagree — a few tasks that all
 * moved one way — says which one decides and why, instead of printing both without comment.
 */
function disagreement(c: JobComparison): string | undefined {
  const [lo, hi] = c.paired.ci95;
  const excludesZero = lo > 0 || hi < 0;
  if (excludesZero === c.paired.pValue < 0.05 || c.paired.meanDifference === 0) return undefined;
  const differing = c.tasks.filter((t) => t.a.n > 0 && t.b.n > 0 && t.a.c / t.a.n !== t.b.c / t.b.n).length;
  const floor = Math.min(1, 2 / 2 ** differing);
  return (
    `note: the interval ${excludesZero ? 'excludes' : 'includes'} 0 but the test ${excludesZero ? 'does not reject' : 'rejects'} at 0.05: the interval is an approximation (Newcombe), the test is exact and decides` +
    (excludesZero ? `; with ${differing} task(s) that differ, the smallest p it can give is ${floor.toFixed(3)}` : '')
  );
}

function renderReport(a: ReturnType<typeof loadJob>, b: ReturnType<typeof loadJob>, c: JobComparison): string {
  const lines: string[] = [];
  for (const [label, job] of [
    ['A', a],
    ['B', b],
  ] as const) {
    const unfinished = job.unfinished.length ? `, ${job.unfinished.length} unfinished` : '';
    lines.push(
      `${label}: ${job.dir} (${Object.keys(job.tasks).length} tasks, ${job.trials.length} trials${unfinished})`,
    );
  }
  lines.push('', `common tasks: ${c.commonTasks.length}`);
  lines.push(
    table([
      ['', 'pass@1', 'ci95'],
      ['A', pct(c.a.passAt1), `[${pct(c.a.ci95[0])}, ${pct(c.a.ci95[1])}]`],
      ['B', pct(c.b.passAt1), `[${pct(c.b.ci95[0])}, ${pct(c.b.ci95[1])}]`],
      ['B − A', pp(c.paired.meanDifference), `[${pp(c.paired.ci95[0])}, ${pp(c.paired.ci95[1])}]`],
    ]),
  );
  lines.push(`p-value ${c.paired.pValue.toFixed(3)} (paired sign-flip test over tasks) — ${readingOfP(c)}`);
  const note = disagreement(c);
  if (note) lines.push(note);
  lines.push('');
  const flipped: TaskChange[] = c.tasks.filter((t) => t.change !== 'unchanged');
  if (flipped.length)
    lines.push(
      table([['change', 'task', 'A', 'B'], ...flipped.map((t) => [t.change, t.task, ratio(t.a), ratio(t.b)])]),
    );
  else lines.push('no task changed');
  lines.push(
    `fixed ${c.counts.fixed}, regressed ${c.counts.regressed}, improved ${c.counts.improved}, worsened ${c.counts.worsened}, unchanged ${c.counts.unchanged}`,
  );
  if (c.onlyInA.length) lines.push(`only in A (${c.onlyInA.length}, not compared): ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length) lines.push(`only in B (${c.onlyInB.length}, not compared): ${c.onlyInB.join(', ')}`);
  const problems = [...a.problems, ...b.problems];
  if (problems.length) {
    lines.push(`skipped ${problems.length} malformed trial file(s):`);
    for (const p of problems) lines.push(`  ${describeProblem(p)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function runCompare(pathA: string, pathB: string, flags: { json?: boolean }): void {
  const a = loadJob(pathA);
  const b = loadJob(pathB);
  const comparison = compareJobs(a.tasks, b.tasks);
  if (flags.json) {
    const job = (j: typeof a) => ({
      dir: j.dir,
      trials: j.trials.length,
      unfinished: j.unfinished,
      problems: j.problems,
    });
    process.stdout.write(`${JSON.stringify({ jobs: { a: job(a), b: job(b) }, ...comparison }, null, 2)}\n`);
  } else {
    process.stdout.write(renderReport(a, b, comparison));
  }
  process.exitCode = 0;
}
