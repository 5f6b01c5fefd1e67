// The cheap "has it changed?" of an entry: stat (never read or parse) the files whose change means its
// report may have changed, and hash their (mtime, size, inode). The page polls /api/version every
// second, so this must cost a few dozen stat calls, not a parse: a job's result.json and job.log are
// rewritten (atomically) after every trial and its directory gains an entry per new trial, which is
// what a finishing trial changes; a run's state.json and each iteration's files and jobs likewise.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { debugDirCandidates } from '../report/load-debug-info.ts';
import type { EntryKind } from '../report/load-report.ts';

export interface EntryObservation {
  /** Opaque: changes whenever a watched file changes. */
  token: string;
  /** The newest mtime among the watched files (ms since the epoch), 0 when none exists. */
  newestMs: number;
}

const JOB_FILES = [
  'result.json',
  'job.log',
  'config.json',
  '.replaced',
  'debug',
  'debug/report.json',
  'debug/overview.md',
];
const DEBUG_FILES = ['report.json', 'overview.md', 'detail'];
const RUN_FILES = ['state.json', 'summary.json', 'summary.md', 'iterations'];
/** Inside each iteration of a run: its jobs' progress files and the debugger's report. */
const ITERATION_FILES = [
  'job/result.json',
  'job/job.log',
  'holdout-job/result.json',
  'holdout-job/job.log',
  'debug/report.json',
];

/** The paths watched for an entry: files and directories (a directory's mtime changes when an entry is added or removed). */
export function watchedPaths(dir: string, kind: EntryKind): string[] {
  const paths = [dir];
  if (kind === 'job') for (const f of JOB_FILES) paths.push(join(dir, f));
  else if (kind === 'debug') for (const f of DEBUG_FILES) paths.push(join(dir, f));
  else {
    for (const f of RUN_FILES) paths.push(join(dir, f));
    for (const n of listNames(join(dir, 'iterations'))) {
      const iteration = join(dir, 'iterations', n);
      paths.push(iteration);
      // Every file an iteration holds (stats.json, gate.json, diff.patch, usage.json, …): a dozen names.
      for (const f of listNames(iteration)) paths.push(join(iteration, f));
      for (const f of ITERATION_FILES) paths.push(join(iteration, f));
    }
  }
  return paths;
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Stats the watched paths of an entry. */
export function observeEntry(dir: string, kind: EntryKind): EntryObservation {
  return observePaths(watchedPaths(dir, kind));
}

/**
 * A trial's files (its directory, result, trajectory, events and verifier output) and the debug outputs
 * its digest comes from: `debugDir` when given, else where findDebugDir looks (JOB/debug, or an evolve
 * iteration's debug/ beside its job/), so a digest written while the page is open shows up.
 */
export function observeTrial(trialDir: string, debugDir?: string): EntryObservation {
  const files = ['result.json', 'exception.txt', 'agent', 'agent/trajectory.json', 'agent/events.jsonl', 'verifier'];
  const debugDirs = debugDir ? [debugDir] : debugDirCandidates(dirname(trialDir));
  const debugFiles = debugDirs.flatMap((d) => ['report.json', 'detail'].map((f) => join(d, f)));
  return observePaths([trialDir, ...files.map((f) => join(trialDir, f)), ...debugFiles]);
}

/** Stats paths (a missing one counts as a state too: '-') and hashes what it saw. */
export function observePaths(paths: string[]): EntryObservation {
  const hash = createHash('sha1');
  let newestMs = 0;
  for (const path of paths) {
    try {
      const st = lstatSync(path);
      hash.update(`${path}\t${st.mtimeMs}\t${st.size}\t${st.ino}\n`);
      if (st.mtimeMs > newestMs) newestMs = st.mtimeMs;
    } catch {
      hash.update(`${path}\t-\n`);
    }
  }
  return { token: hash.digest('hex').slice(0, 20), newestMs };
}
