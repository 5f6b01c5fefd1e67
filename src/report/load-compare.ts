// Two or more jobs side by side: each task's pass fraction per job, and against the first job which tasks
// were fixed or regressed with the paired test over the common tasks — the same comparison as `ahe compare`
// (bench/compare-jobs.ts, bench/stats.ts), once per other job. A task one side did not measure is
// `missing` there, never mixed into a rate.
import { classifyChange, compareJobs } from '../bench/compare-jobs.ts';
import type { LoadedJob } from './load-job.ts';
import type { CompareJobsReport } from './report-data.ts';

type Change = CompareJobsReport['tasks'][number]['change'][number];

export function compareJobsReport(jobs: LoadedJob[]): CompareJobsReport {
  const outcomes = jobs.map((j) =>
    Object.fromEntries(Object.entries(j.summary.tasks).map(([task, t]) => [task, { n: t.n, c: t.c }])),
  );
  const first = outcomes[0]!;
  const names = [...new Set(outcomes.flatMap((o) => Object.keys(o)))].sort((a, b) => a.localeCompare(b));
  const tasks = names.map((task) => ({
    task,
    pass: outcomes.map((o) => {
      const t = o[task];
      return t && t.n > 0 ? t.c / t.n : null;
    }),
    change: outcomes.map((o, i): Change => {
      const a = first[task];
      const b = o[task];
      if (!a || !b || a.n === 0 || b.n === 0) return 'missing';
      if (i === 0) return 'same';
      const kind = classifyChange(a, b);
      return kind === 'unchanged' ? 'same' : kind;
    }),
  }));
  const paired = outcomes.map((o, i) => {
    if (i === 0) return null;
    const c = compareJobs(first, o);
    if (c.commonTasks.length === 0) return null;
    return {
      mean_difference: c.paired.meanDifference,
      ci95: c.paired.ci95,
      p_value: c.paired.pValue,
      n_tasks: c.paired.nTasks,
    };
  });
  return { kind: 'compare-jobs', jobs: jobs.map((j) => j.report), tasks, paired };
}
