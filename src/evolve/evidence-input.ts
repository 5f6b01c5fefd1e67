// The evidence of iteration N read from a run directory, for render-evidence. It reads only what is
// about the training split — each iteration's `job/result.json`, this iteration's `debug/` and
// `attribution.json`, and the judged manifest — and nothing else: not `holdout-job/`, and not
// `stats.json` (which carries the held-out score beside the train one).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSummary } from '../bench/job-summary.ts';
import type { ManifestAttribution, PredictionQuality } from './attribution.ts';
import { readManifest } from './manifest.ts';
import type { EvidenceInput } from './render-evidence.ts';

/** `RUN/iterations/N`, as the loop lays a run out. */
const iterationPath = (runDir: string, n: number) => join(runDir, 'iterations', String(n));

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

const isSummary = (x: unknown): x is JobSummary =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as JobSummary).tasks === 'object' &&
  (x as JobSummary).tasks !== null;

export interface ReadEvidenceOptions {
  trainTasks: readonly string[];
  /** The loop's best iteration (its best-ever harness); by default the highest train pass@1. */
  bestIteration?: number;
  /** Changes the gate rolled back in this iteration, with why. */
  rolledBack?: { id: string; reason: string }[];
  /** Changes kept at earlier gates that this iteration's review of kept changes rolled back. */
  reviewRolledBack?: EvidenceInput['reviewRolledBack'];
  tokenBudget?: number;
}

export function readEvidenceInput(runDir: string, iteration: number, options: ReadEvidenceOptions): EvidenceInput {
  const trainHistory: { iteration: number; summary: JobSummary }[] = [];
  for (let i = 0; i <= iteration; i++) {
    const summary = readJson<unknown>(join(iterationPath(runDir, i), 'job', 'result.json'));
    if (isSummary(summary)) trainHistory.push({ iteration: i, summary });
  }
  const dir = iterationPath(runDir, iteration);
  const judged = readJson<ManifestAttribution & { run_prediction_quality?: PredictionQuality }>(
    join(dir, 'attribution.json'),
  );
  let attribution: EvidenceInput['attribution'];
  if (judged && Array.isArray(judged.changes)) {
    const { run_prediction_quality: quality, ...a } = judged;
    const manifest = readManifest(join(iterationPath(runDir, a.iteration), 'change_manifest.json'));
    attribution = {
      attribution: a,
      quality,
      manifest: manifest.ok ? manifest.manifest : undefined,
      rolledBack: options.rolledBack,
    };
  }
  return {
    iteration,
    trainTasks: options.trainTasks,
    trainHistory,
    bestIteration: options.bestIteration,
    debugDir: existsSync(join(dir, 'debug')) ? join(dir, 'debug') : undefined,
    attribution,
    ...(options.reviewRolledBack?.length ? { reviewRolledBack: options.reviewRolledBack } : {}),
    tokenBudget: options.tokenBudget,
  };
}
