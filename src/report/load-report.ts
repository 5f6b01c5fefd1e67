// The report of one or more directories, for `ahe report` (a static file) and `ahe serve` (its API):
// one path gives a job, debug or run report; two or more jobs a job comparison, two or more runs a run
// comparison. Each kind is read by its loader (load-job, load-debug, load-run, load-compare); this file
// decides which, names the report, chooses the trial details a static file embeds, and resolves the
// trial refs the page sends back.
//
// Trial refs (TrialRow.detail_ref): `<job dir relative to the report's path, '/'-separated, '.' for the
// path itself>#<trial directory name>`, e.g. `.#top-words__1`, `iterations/3/job#top-words__1`, and for
// a debug output whose job is its parent `..#top-words__1`. In a comparison each compared path has its
// own refs, prefixed by its index: `0:.#a__1`, `1:iterations/3/job#a__1`. A ref never leads outside the
// path it is relative to, except from a debug output to the job it analysed; resolveTrialRef refuses
// anything else (`..` elsewhere, absolute paths, symlinks that lead out).
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { PACKAGE_JSON } from '../bundled-path.ts';
import { UserError } from '../errors.ts';
import { compareJobsReport } from './load-compare.ts';
import { jobOfDebugDir, loadDebug, shownPath } from './load-debug.ts';
import { readDebugInfo } from './load-debug-info.ts';
import { embedTrials, jobCandidates, type TrialCandidate } from './load-embedded-trials.ts';
import { detectEntryKind } from './load-entry-kind.ts';
import { distinctNames, type LoadedJob, loadJob } from './load-job.ts';
import { type LoadedRun, loadRun } from './load-run.ts';
import { checkTrialId } from './load-trial.ts';
import type { AnyReport, ReportPayload, TrialDetail } from './report-data.ts';

export type { EntryKind } from './load-entry-kind.ts';
export { detectEntryKind } from './load-entry-kind.ts';
export { loadTrialDetail } from './load-trial.ts';

/** Budget of a static file's embedded trial details when the caller gives none (bytes of base64). */
export const DEFAULT_EMBEDDED_BYTES = 3_500_000;

export interface LoadReportOptions {
  /** Embed trial details (a static file); false for `ahe serve`, which fetches each one when opened. */
  embedTrials?: boolean;
  /** Bytes the embedded details may take (base64 of gzip); DEFAULT_EMBEDDED_BYTES by default. */
  maxEmbeddedBytes?: number;
  /** The clock, for what counts as running (tests). */
  now?: number;
}

/** A report before its trial details are chosen: the payload and every trial it could embed, by priority. */
export interface BuiltReport {
  payload: ReportPayload;
  candidates: TrialCandidate[];
}

const EXPECTED =
  'expected an `ahe eval` job or any Harbor job (trial directories <task>__<suffix>/ with result.json), an `ahe debug` output (report.json and overview.md) or an `ahe evolve` run directory (state.json and iterations/)';

/** The latest and the best iteration's jobs first (tier 0), then the others from the newest. */
function runCandidates(run: LoadedRun, tierOffset = 0): TrialCandidate[] {
  const numbers = [...run.jobs.keys()].sort((a, b) => b - a);
  const first = new Set([numbers[0], run.report.best?.iteration].filter((n): n is number => n !== undefined));
  const out: TrialCandidate[] = [];
  for (const n of numbers) {
    const jobs = run.jobs.get(n)!;
    const tier = tierOffset + (first.has(n) ? 0 : 1);
    for (const job of [jobs.train, jobs.holdout]) if (job) out.push(...jobCandidates(job, tier));
  }
  return out;
}

function describe(paths: string[]): string {
  return paths.map((p) => `'${p}'`).join(', ');
}

/** The payload of a report over `paths`, without trial details. */
export function buildReport(paths: string[], options: { now?: number } = {}): BuiltReport {
  if (paths.length === 0) throw new UserError('no path given: name a job, debug output or evolve run directory');
  const dirs = paths.map((p) => resolve(p));
  const kinds = dirs.map((dir, i) => {
    const kind = detectEntryKind(dir);
    if (!kind) throw new UserError(`${paths[i]} is not a directory ahe can report on: ${EXPECTED}`);
    return kind;
  });
  const now = options.now;
  const at = now !== undefined ? { now } : {};
  let report: AnyReport;
  let title: string;
  let candidates: TrialCandidate[] = [];
  if (dirs.length === 1) {
    const dir = dirs[0]!;
    const path = shownPath(dir);
    if (kinds[0] === 'job') {
      const job = loadJob(dir, { path, refBase: '.', ...at });
      report = job.report;
      title = `Job ${job.report.name}`;
      candidates = jobCandidates(job, 0);
    } else if (kinds[0] === 'run') {
      const run = loadRun(dir, { path, ...at });
      report = run.report;
      title = `Evolve run ${run.report.name}`;
      candidates = runCandidates(run);
    } else {
      const debug = loadDebug(dir, { path, ...at });
      report = debug.report;
      title = `Debug ${debug.report.name}`;
      if (debug.job) candidates = jobCandidates(debug.job, 0);
    }
  } else if (kinds.every((k) => k === 'job')) {
    const jobs: LoadedJob[] = dirs.map((dir, i) => loadJob(dir, { path: shownPath(dir), refBase: `${i}:.`, ...at }));
    // Two jobs of the same name (each seed/job…) are told apart by their paths.
    const names = distinctNames(
      jobs.map((j) => j.report.name),
      dirs,
    );
    for (const [i, j] of jobs.entries()) j.report.name = names[i]!;
    report = compareJobsReport(jobs);
    title = `Comparison of ${jobs.length} jobs: ${jobs.map((j) => j.report.name).join(' vs ')}`;
    candidates = jobs.flatMap((j) => jobCandidates(j, 0));
  } else if (kinds.every((k) => k === 'run')) {
    const runs = dirs.map((dir, i) => loadRun(dir, { path: shownPath(dir), refPrefix: `${i}:`, ...at }));
    const names = distinctNames(
      runs.map((r) => r.report.name),
      dirs,
    );
    for (const [i, r] of runs.entries()) r.report.name = names[i]!;
    report = { kind: 'compare-runs', runs: runs.map((r) => r.report) };
    title = `Comparison of ${runs.length} runs: ${runs.map((r) => r.report.name).join(' vs ')}`;
    candidates = runs.flatMap((r) => runCandidates(r));
  } else {
    throw new UserError(
      `cannot compare ${describe(paths)}: they are ${kinds.join(', ')} directories; compare jobs with jobs or runs with runs`,
    );
  }
  const payload: ReportPayload = {
    version: 1,
    title,
    generated_at: new Date(now ?? Date.now()).toISOString(),
    ahe_version: PACKAGE_JSON.version,
    report,
  };
  return { payload, candidates };
}

/** The embedding summary of a payload whose details were chosen (or, with none embedded, all left out). */
export function embeddingOf(
  candidates: TrialCandidate[],
  embedded: Record<string, TrialDetail>,
  leftOut: string[],
  budgetBytes: number,
): NonNullable<ReportPayload['embedded_trials']> {
  const total = new Set(candidates.map((c) => c.ref)).size;
  const mb = (budgetBytes / 1e6).toFixed(1);
  return {
    total,
    embedded: Object.keys(embedded).length,
    left_out: leftOut,
    reason: leftOut.length
      ? `${leftOut.length} of ${total} trial details are not in this file (it keeps them under ${mb} MB, latest and best iteration and failing trials first, or they could not be read): open the report with \`ahe serve\` to see them`
      : null,
  };
}

export async function loadReport(
  paths: string[],
  options: LoadReportOptions = {},
): Promise<{ payload: ReportPayload; trials: Record<string, TrialDetail> }> {
  const built = buildReport(paths, options);
  if (options.embedTrials === false) return { payload: built.payload, trials: {} };
  const budget = options.maxEmbeddedBytes ?? DEFAULT_EMBEDDED_BYTES;
  const embedded = await embedTrials(built.candidates, budget);
  built.payload.embedded_trials = embeddingOf(built.candidates, embedded.trials, embedded.leftOut, budget);
  return { payload: built.payload, trials: embedded.trials };
}

const realOrNull = (path: string): string | null => {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
};

const inside = (root: string, path: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

/**
 * The job directory and trial a detail ref names, for the report over `rootDir` (one path, or the
 * compared paths in order). Throws a UserError for a malformed ref and for one that leads outside its
 * path (through `..`, an absolute path or a symlink), a debug output's own job excepted. `debugDir`: the
 * debug output the ref was read from, when its trial belongs to the job that output analysed.
 */
export function resolveTrialRef(
  rootDir: string | readonly string[],
  ref: string,
): { jobDir: string; trialId: string; debugDir?: string } {
  const roots = typeof rootDir === 'string' ? [rootDir] : rootDir;
  const m = /^(?:(\d+):)?([^\0]*)#([^#]*)$/.exec(ref);
  if (!m) throw new UserError(`${JSON.stringify(ref)} is not a trial ref (<job path>#<trial>)`);
  const index = m[1] === undefined ? 0 : Number(m[1]);
  const root = roots[index];
  if (root === undefined)
    throw new UserError(`trial ref ${JSON.stringify(ref)} names compared path ${index}, but ${roots.length} given`);
  const rel = m[2]!;
  const trialId = m[3]!;
  checkTrialId(trialId);
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith('\\'))
    throw new UserError(`trial ref ${JSON.stringify(ref)}: the job path must be relative to the report's directory`);
  const rootReal = realOrNull(resolve(root));
  if (!rootReal) throw new UserError(`${root}: no such directory`);
  const jobDir = resolve(rootReal, rel || '.');
  const jobReal = realOrNull(jobDir);
  if (!jobReal) throw new UserError(`trial ref ${JSON.stringify(ref)}: ${jobDir} does not exist`);
  const debugJob =
    detectEntryKind(rootReal) === 'debug' ? jobOfDebugDir(rootReal, readDebugInfo(rootReal).report?.job.dir) : null;
  // A debug output's own job may lie outside it; its trials' findings are this output's, wherever it was written.
  const ownJob = debugJob !== null && realOrNull(debugJob) === jobReal;
  if (!inside(rootReal, jobReal) && !ownJob)
    throw new UserError(`trial ref ${JSON.stringify(ref)} leads outside ${root}: refused`);
  const trialReal = realOrNull(resolve(jobReal, trialId));
  if (trialReal && !inside(jobReal, trialReal))
    throw new UserError(`trial ref ${JSON.stringify(ref)}: ${trialId} leads outside its job (a symlink): refused`);
  return { jobDir: jobReal, trialId, ...(ownJob ? { debugDir: rootReal } : {}) };
}
