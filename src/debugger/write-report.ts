// The Agent Debugger's output: report.json (everything, machine-readable), overview.md (≤ 10K tokens
// whatever the job size) and detail/<task>.md (one per task, under its own budget), from the trials'
// classified digests plus — when an analyst ran — its per-task analyses and ledger. Without analyses the
// report is the heuristic floor: signatures, clusters and partial-pass tasks still say where to look.
// Each trial arrives classified (classifyTrials) and is never classified again here.
import { join } from 'node:path';
import { computePassStats } from '../bench/stats.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import type { TaskAnalysis } from './analysis.ts';
import { summariseJobFailures } from './cluster-failures.ts';
import type { TrialDigest } from './digest.ts';
import { renderOverview } from './render-overview.ts';
import { DEFAULT_DETAIL_TOKENS, renderTaskDetail } from './render-task-detail.ts';
import { detailPath } from './report-file-names.ts';
import {
  type AnalystLedger,
  emptyAnalystLedger,
  REPORT_VERSION,
  type Report,
  ReportSchema,
  type ReportTask,
  type ReportTrial,
} from './report-schema.ts';
import type { ClassifiedDigest } from './signatures.ts';

export interface ReportInput {
  job: { dir: string; id?: string };
  /** Every trial of the job, classified once (classifyTrials). */
  trials: readonly ClassifiedDigest[];
  /** Per task; null when the analyst failed on it. Absent for a `--no-llm` report. */
  analyses?: Readonly<Record<string, TaskAnalysis | null | undefined>>;
  /** One-line summaries of tasks every attempt of which passed; a heuristic line otherwise. */
  summaries?: Readonly<Record<string, string>>;
  ledger?: Partial<AnalystLedger>;
  /** The analyst's model spec; null or absent for a heuristic report. */
  model?: string | null;
  /** Injected clock, so tests get stable output. */
  now?: () => Date;
}

export interface ReportBudgets {
  overviewTokens?: number;
  detailTokens?: number;
}

export interface WrittenReport {
  files: string[];
  overviewTokens: number;
  /** Tokens of each task's detail file. */
  detailTokens: Record<string, number>;
}

const byTrialName = new Intl.Collator('en', { numeric: true });
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]! : 0);

function allPassSummary(digests: readonly TrialDigest[]): string {
  return `All ${digests.length} attempts passed (median ${median(digests.map((d) => d.stats.steps))} steps, ${median(digests.map((d) => d.stats.commands))} commands).`;
}

function trialEntry({ digest: d, passed, signatures }: ClassifiedDigest): ReportTrial {
  return {
    trial: d.trial,
    reward: d.reward,
    passed,
    stop_reason: d.stopReason ?? null,
    exception: d.exception?.type ?? null,
    steps: d.stats.steps,
    commands: d.stats.commands,
    duration_sec: d.stats.durationSec ?? null,
    signatures,
  };
}

function taskEntry(name: string, classified: readonly ClassifiedDigest[], input: ReportInput): ReportTask {
  const trials = classified.map(trialEntry);
  const c = trials.filter((t) => t.passed).length;
  const bySignature = new Map<string, { id: string; label: string; trials: string[] }>();
  for (const t of trials)
    for (const s of t.signatures) {
      const entry = bySignature.get(s.label) ?? { id: s.id, label: s.label, trials: [] };
      entry.trials.push(t.trial);
      bySignature.set(s.label, entry);
    }
  const entry: ReportTask = {
    n: trials.length,
    c,
    rewards: trials.map((t) => t.reward),
    partial: c > 0 && c < trials.length,
    detail: detailPath(name),
    trials,
    // Stable sort: among equally frequent labels, the order classifyTrial gave (cause before symptom).
    signatures: [...bySignature.values()].sort((a, b) => b.trials.length - a.trials.length),
  };
  if (input.analyses && name in input.analyses) entry.analysis = input.analyses[name] ?? null;
  if (c === trials.length) entry.summary = input.summaries?.[name] ?? allPassSummary(classified.map((t) => t.digest));
  return entry;
}

export function buildReport(input: ReportInput): Report {
  const byTask = new Map<string, ClassifiedDigest[]>();
  for (const t of [...input.trials].sort(
    (a, b) => a.task.localeCompare(b.task) || byTrialName.compare(a.trial, b.trial),
  ))
    byTask.set(t.task, [...(byTask.get(t.task) ?? []), t]);
  const tasks: Record<string, ReportTask> = {};
  for (const [name, trials] of byTask) tasks[name] = taskEntry(name, trials, input);
  // In the order report.json lists them (clusters take their examples in this order).
  const classified = Object.keys(tasks).flatMap((name) => byTask.get(name) ?? []);

  const failures = summariseJobFailures(classified, input.analyses);
  const stats = computePassStats(Object.values(tasks).map(({ n, c }) => ({ n, c })));
  const nPassed = classified.filter((t) => t.passed).length;
  return {
    version: REPORT_VERSION,
    job: {
      dir: input.job.dir,
      ...(input.job.id ? { id: input.job.id } : {}),
      n_tasks: byTask.size,
      n_trials: classified.length,
      n_passed_trials: nPassed,
      n_failed_trials: classified.length - nPassed,
      pass_at_1: stats.passAt1,
      pass_at_k: stats.passAtK,
      ci95: stats.ci95,
      partial_tasks: failures.partial.map((p) => p.task),
    },
    tasks,
    clusters: failures.clusters,
    mechanisms: failures.mechanisms,
    ledger: { ...emptyAnalystLedger(), ...input.ledger },
    generated_at: (input.now ?? (() => new Date()))().toISOString(),
    model: input.model ?? null,
  };
}

/**
 * Writes report.json, overview.md and detail/<task>.md into `outDir`, each atomically. Without digests
 * the detail files still list outcomes, signatures and analyses, only no timelines.
 */
export function writeReport(
  outDir: string,
  report: Report,
  digests: readonly TrialDigest[] = [],
  budgets: ReportBudgets = {},
): WrittenReport {
  const files: string[] = [];
  const detailTokens: Record<string, number> = {};
  const byTask = new Map<string, TrialDigest[]>();
  for (const d of digests) byTask.set(d.task, [...(byTask.get(d.task) ?? []), d]);
  for (const [name, task] of Object.entries(report.tasks)) {
    const detail = renderTaskDetail(
      name,
      task,
      byTask.get(name) ?? [],
      report.model,
      budgets.detailTokens ?? DEFAULT_DETAIL_TOKENS,
    );
    const file = join(outDir, task.detail);
    writeFileAtomic(file, detail.text);
    detailTokens[name] = detail.tokens;
    files.push(file);
  }
  const overview = renderOverview(report, budgets.overviewTokens);
  writeFileAtomic(join(outDir, 'overview.md'), overview.text);
  // report.json last: its presence means the whole report is there. Encoding validates it too.
  writeJsonAtomic(join(outDir, 'report.json'), ReportSchema.encode(report));
  files.push(join(outDir, 'overview.md'), join(outDir, 'report.json'));
  return { files, overviewTokens: overview.tokens, detailTokens };
}
