// `ahe debug` as a function: a job directory (ahe's, any Harbor job, or a Terminal-Bench 1 run) →
// digests of every trial (streaming, bounded concurrency) → heuristic signatures, once per trial →
// per-task analyses when a model is given → overview.md, detail/<task>.md and report.json in the
// output directory. The analyst and the report read the same classification.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import PQueue from 'p-queue';
import { InterruptedError, UserError } from '../errors.ts';
import type { Model } from '../model/types.ts';
import type { Spend } from '../model/usage.ts';
import type { TaskAnalysis } from './analysis.ts';
import { type AnalystLedger, analyzeTask, newLedger } from './analyst.ts';
import type { AnalystAttempt } from './analyst-prompt.ts';
import type { TrialDigest } from './digest.ts';
import { digestTrial } from './digest-trial.ts';
import { renderDigest } from './render-digest.ts';
import type { Report } from './report-schema.ts';
import { type ClassifiedDigest, type Classifier, classifyTrials } from './signatures.ts';
import { isTb1Trial } from './source-tb1.ts';
import { buildReport, type WrittenReport, writeReport } from './write-report.ts';

export interface DebugJobOptions {
  jobDir: string;
  outDir: string;
  /** The analyst's model; without one the report is the heuristic floor only (`--no-llm`). */
  model?: Model;
  /** Analyse tasks where every attempt passed too. */
  all?: boolean;
  /** Trials digested and tasks analysed at once. */
  concurrency?: number;
  /** Token budget of one task's attempts in the analyst prompt (shared among its attempts). */
  promptTokens?: number;
  /** Token budget of each detail/<task>.md. */
  detailTokens?: number;
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (event: DebugProgress) => void;
  /** Test seam: the classifier each trial goes through, once (default classifyTrial). */
  classify?: Classifier;
  /**
   * Told what each analyst model call spent, and for which task, as it returns. The ledger counts a
   * cached answer as free, so a debug run again after an interruption (its answers cached by then)
   * would not count what the interrupted run spent: a caller keeping a budget records it here.
   */
  onSpend?: (spend: Spend, task: string) => void;
}

export type DebugProgress =
  | { phase: 'found'; trials: number }
  | { phase: 'digest'; done: number; total: number }
  | { phase: 'analyse'; done: number; total: number; task: string; cached?: boolean; error?: string };

export interface DebugJobResult {
  report: Report;
  written: WrittenReport;
  digests: TrialDigest[];
  ledger: AnalystLedger;
  /** Tasks whose analysis failed, with why. */
  analysisErrors: Record<string, string>;
}

const DEFAULT_PROMPT_TOKENS = 24_000;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The trial directories of a job: Harbor layout (`<task>__<suffix>/`), a Terminal-Bench 1 run
 * (`<task>/<task>.<i>-of-<n>.<run>/`), a directory of such jobs (one level), or the given directory
 * itself when it is one trial.
 */
export function findTrialDirs(jobDir: string): string[] {
  const dir = resolve(jobDir);
  if (!isDir(dir)) throw new UserError(`${dir} is not a directory`);
  if (
    existsSync(join(dir, 'result.json')) &&
    (isDir(join(dir, 'agent')) || isDir(join(dir, 'verifier')) || isDir(join(dir, 'steps')))
  )
    return [dir];
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const sub = join(dir, name);
    // Dot-directories are not trials (e.g. .replaced/: tries of a trial that was run again).
    if (!isDir(sub) || name.startsWith('.')) continue;
    // Harbor names trials <task>__<suffix>; a directory with agent/ or result.json is a trial whatever its name.
    if (
      name.includes('__') ||
      existsSync(join(sub, 'result.json')) ||
      isDir(join(sub, 'agent')) ||
      isDir(join(sub, 'artifacts'))
    )
      found.push(sub);
    else {
      // One level down: a TB1 run's trials, or the trials of a job inside a directory of jobs.
      for (const inner of readdirSync(sub).sort()) {
        const path = join(sub, inner);
        if (
          isDir(path) &&
          (isTb1Trial(path) ||
            (inner.includes('__') && (existsSync(join(path, 'result.json')) || isDir(join(path, 'agent')))))
        )
          found.push(path);
      }
    }
  }
  if (found.length === 0)
    throw new UserError(
      `${dir}: no trial directories found (expected <task>__<suffix>/ as Harbor and ahe write them, or a Terminal-Bench 1 run's <task>/<task>.1-of-1.<run>/)`,
    );
  return found;
}

export async function debugJob(options: DebugJobOptions): Promise<DebugJobResult> {
  const progress = options.onProgress ?? (() => {});
  const trialDirs = findTrialDirs(options.jobDir);
  progress({ phase: 'found', trials: trialDirs.length });
  const concurrency = options.concurrency ?? 4;

  const digests: TrialDigest[] = [];
  const digestQueue = new PQueue({ concurrency });
  let digested = 0;
  for (const dir of trialDirs) {
    void digestQueue.add(async () => {
      if (options.signal?.aborted) return;
      digests.push(await digestTrial(dir));
      progress({ phase: 'digest', done: ++digested, total: trialDirs.length });
    });
  }
  await digestQueue.onIdle();
  if (options.signal?.aborted) throw new InterruptedError('the debugger');
  const classified = classifyTrials(digests, options.classify);

  const ledger = newLedger();
  const analysisErrors: Record<string, string> = {};
  let analyses: Record<string, TaskAnalysis | null> | undefined;
  if (options.model) {
    analyses = {};
    const byTask = new Map<string, ClassifiedDigest[]>();
    for (const t of classified) byTask.set(t.task, [...(byTask.get(t.task) ?? []), t]);
    const targets = [...byTask.entries()]
      .filter(([, ts]) => options.all || ts.some((t) => !t.passed))
      .sort(([a], [b]) => a.localeCompare(b));
    const queue = new PQueue({ concurrency });
    let done = 0;
    for (const [task, ts] of targets) {
      void queue.add(async () => {
        if (options.signal?.aborted) return;
        const share = Math.floor((options.promptTokens ?? DEFAULT_PROMPT_TOKENS) / ts.length);
        const attempts: AnalystAttempt[] = ts
          .sort((a, b) => a.trial.localeCompare(b.trial, 'en', { numeric: true }))
          .map(({ digest, passed, signatures }) => ({
            trial: digest.trial,
            passed,
            reward: digest.reward,
            text: renderDigest(digest, { maxTokens: share }),
            signatures,
          }));
        const instruction = ts.find((t) => t.digest.instruction)?.digest.instruction;
        const outcome = await analyzeTask(
          { task, instruction, attempts },
          {
            model: options.model!,
            cacheDir: options.cacheDir,
            signal: options.signal,
            ...(options.onSpend ? { onSpend: (spend: Spend) => options.onSpend!(spend, task) } : {}),
          },
          ledger,
        );
        if (outcome.ok) analyses![task] = outcome.analysis;
        else {
          analyses![task] = null;
          analysisErrors[task] = outcome.error;
        }
        progress({
          phase: 'analyse',
          done: ++done,
          total: targets.length,
          task,
          ...(outcome.ok ? { cached: outcome.cached } : { error: outcome.error }),
        });
      });
    }
    await queue.onIdle();
    if (options.signal?.aborted) throw new InterruptedError('the debugger');
  }

  const report = buildReport({
    job: { dir: resolve(options.jobDir) },
    trials: classified,
    analyses,
    ledger,
    model: options.model?.spec ?? null,
  });
  const written = writeReport(options.outDir, report, digests, { detailTokens: options.detailTokens });
  return { report, written, digests, ledger, analysisErrors };
}
