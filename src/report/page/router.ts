// The page's navigation inside one report: which job of it and which trial are open, kept in the location
// hash (#job=<key>&trial=<ref>) so the back button, reloads and shared links land on the same view. Jobs
// are named by where they sit in the report (run iteration 3's training job is "it3"), not by object, so
// a live update's new payload still finds them. Which report is shown is the page's concern (?path= when
// served), not the hash's.
import type { AnyReport, JobReport, RunReport, TrialRow } from '../report-data.ts';

export interface Route {
  /** A job inside the report (see jobsOf); absent: the report's own view. */
  job?: string;
  /** A trial's detail_ref. */
  trial?: string;
}

export function parseRoute(hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const route: Route = {};
  const job = params.get('job');
  const trial = params.get('trial');
  if (job) route.job = job;
  if (trial) route.trial = trial;
  return route;
}

export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  if (route.job) params.set('job', route.job);
  if (route.trial) params.set('trial', route.trial);
  const text = params.toString();
  return text ? `#${text}` : '#';
}

export interface JobEntry {
  key: string;
  job: JobReport;
  label: string;
}

function runJobs(run: RunReport, prefix: string, labelPrefix: string): JobEntry[] {
  const entries: JobEntry[] = [];
  for (const it of run.iterations) {
    if (it.job)
      entries.push({
        key: `${prefix}it${it.iteration}`,
        job: it.job,
        label: `${labelPrefix}iteration ${it.iteration}`,
      });
    if (it.holdout_job)
      entries.push({
        key: `${prefix}it${it.iteration}-holdout`,
        job: it.holdout_job,
        label: `${labelPrefix}iteration ${it.iteration} held-out`,
      });
  }
  return entries;
}

/** Every job a report holds, each with a key stable across reloads of the same report. */
export function jobsOf(report: AnyReport): JobEntry[] {
  switch (report.kind) {
    case 'job':
      return [{ key: 'job', job: report, label: report.name }];
    case 'debug':
      return report.job ? [{ key: 'job', job: report.job, label: report.job.name }] : [];
    case 'run':
      return runJobs(report, '', '');
    case 'compare-jobs':
      return report.jobs.map((job, i) => ({ key: `j${i}`, job, label: job.name }));
    case 'compare-runs':
      return report.runs.flatMap((run, i) => runJobs(run, `r${i}-`, `${run.name} · `));
    default:
      return [];
  }
}

/** The trial row a ref belongs to, searching the report's jobs (the job's key with it). */
export function findTrial(report: AnyReport, ref: string): { key: string; row: TrialRow } | null {
  for (const entry of jobsOf(report)) {
    const row = entry.job.trials.find((t) => t.detail_ref === ref);
    if (row) return { key: entry.key, row };
  }
  return null;
}
