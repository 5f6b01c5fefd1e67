// An `ahe debug` output directory → DebugReport: the overview, each task's status, detail file and
// signatures, and the job it analysed when that directory is still there (its parent JOB/ for the
// default JOB/debug, the sibling job/ of an evolve iteration, or the job report.json names).
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { readDebugInfo, taskDetailText } from './load-debug-info.ts';
import { detectEntryKind } from './load-entry-kind.ts';
import { type LoadedJob, loadJob } from './load-job.ts';
import type { DebugReport } from './report-data.ts';
import { shownPath } from './shown.ts';

/** The job directory a debug output analysed, when it can be found; null otherwise. */
export function jobOfDebugDir(debugDir: string, recordedJobDir?: string): string | null {
  const dir = resolve(debugDir);
  const candidates: string[] = [];
  if (basename(dir) === 'debug') candidates.push(dirname(dir), join(dirname(dir), 'job'));
  if (recordedJobDir) candidates.push(resolve(dir, recordedJobDir));
  return candidates.find((c) => existsSync(c) && detectEntryKind(c) === 'job') ?? null;
}

/** A relative path as refs write it: '/'-separated, '.' for the directory itself. */
export const refPath = (from: string, to: string) => relative(from, to).split(/[\\/]/).join('/') || '.';

export { shownPath } from './shown.ts';

export interface LoadedDebug {
  report: DebugReport;
  job: LoadedJob | null;
}

export function loadDebug(debugDir: string, options: { path: string; refPrefix?: string; now?: number }): LoadedDebug {
  const dir = resolve(debugDir);
  const info = readDebugInfo(dir);
  const jobDir = jobOfDebugDir(dir, info.report?.job.dir);
  const job = jobDir
    ? loadJob(jobDir, {
        path: shownPath(jobDir),
        refBase: `${options.refPrefix ?? ''}${refPath(dir, jobDir)}`,
        // This output's findings and digests, wherever it was written (--out elsewhere included).
        debug: info,
        ...(options.now !== undefined ? { now: options.now } : {}),
      })
    : null;
  const tasks = Object.entries(info.report?.tasks ?? {}).map(([task, t]) => ({
    task,
    status: t.n === 0 ? 'error' : t.c === t.n ? 'passed' : t.c > 0 ? 'partial' : 'failed',
    detail: taskDetailText(info, task) ?? '',
    signatures: t.signatures.map((s) => s.label),
  }));
  const overview =
    info.overview ?? (info.problems.length ? `The debug output could not be read:\n${info.problems.join('\n')}` : '');
  return {
    report: { kind: 'debug', path: options.path, name: debugName(dir), overview, tasks, job: job?.report ?? null },
    job,
  };
}

/** JOB/debug is named for its job, iterations/<n>/debug for its iteration, any other output for itself. */
export function debugName(dir: string): string {
  if (basename(dir) !== 'debug') return basename(dir);
  const parent = basename(dirname(dir));
  return basename(dirname(dirname(dir))) === 'iterations' ? `iteration ${parent}` : parent;
}
