// The Agent Debugger's output: report.json (everything, machine-readable), overview.md (≤ 10K tokens
// whatever the job size) and detail/<task>.md (one per task, under its own budget), from the trials'
// digests plus — when an analyst ran — its per-task analyses and ledger. Without analyses the report
// is the heuristic floor: signatures, clusters and partial-pass tasks still say where to look.
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
  type Ledger,
  LedgerSchema,
  REPORT_VERSION,
  type Report,
  type ReportTask,
  type ReportTrial,
} from './report-schema.ts';
import { type ClassifyOptions, classifyTrial } from './signatures.ts';

export interface ReportInput {
  job: { dir: string; id?: string };
  digests: readonly TrialDigest[];
  /** Per task; null when the analyst failed on it. Absent for a `--no-llm` report. */
  analyses?: Readonly<Record<string, TaskAnalysis | null | undefined>>;
  /** One-line summaries of tasks every attempt of which passed; a heuristic line otherwise. */
  summaries?: Readonly<Record<string, string>>;
  ledger?: Partial<Ledger>;
  /** The analyst's model spec; null or absent for a heuristic report. */
  model?: string | null;
  classify?: ClassifyOptions;
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

function trialEntry(d: TrialDigest, options?: ClassifyOptions): ReportTrial {
  return {
    trial: d.trial,
    reward: d.reward,
    passed: d.passed,
    stop_reason: d.stopReason ?? null,
    exception: d.exception?.type ?? null,
    steps: d.stats.steps,
    commands: d.stats.commands,
    duration_sec: d.stats.durationSec ?? null,
    signatures: classifyTrial(d, options),
  };
}

function taskEntry(name: string, digests: readonly TrialDigest[], input: ReportInput): ReportTask {
  const trials = digests.map((d) => trialEntry(d, input.classify));
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
  if (c === trials.length) entry.summary = input.summaries?.[name] ?? allPassSummary(digests);
  return entry;
}

export function buildReport(input: ReportInput): Report {
  const byTask = new Map<string, TrialDigest[]>();
  for (const d of [...input.digests].sort(
    (a, b) => a.task.localeCompare(b.task) || byTrialName.compare(a.trial, b.trial),
  ))
    byTask.set(d.task, [...(byTask.get(d.task) ?? []), d]);
  const tasks: Record<string, ReportTask> = {};
  for (const [name, digests] of byTask) tasks[name] = taskEntry(name, digests, input);

  const classified = Object.entries(tasks).flatMap(([task, t]) =>
    t.trials.map((trial) => ({ task, trial: trial.trial, passed: trial.passed, signatures: trial.signatures })),
  );
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
    ledger: LedgerSchema.parse({
      calls: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      cached_tokens: 0,
      cost_usd: 0,
      cache_hits: 0,
      ...input.ledger,
    }),
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
  // report.json last: its presence means the whole report is there.
  writeJsonAtomic(join(outDir, 'report.json'), report);
  files.push(join(outDir, 'overview.md'), join(outDir, 'report.json'));
  return { files, overviewTokens: overview.tokens, detailTokens };
}
