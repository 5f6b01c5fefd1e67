// What an evaluation's trials spent, as the evolve ledger counts it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../bench/job-summary.ts';
import {
  REPLACED_DIR,
  replacedTrialsSpend,
  unfinishedTrialSpend,
  unfinishedTrialsSpend,
} from '../bench/keep-replaced-trial.ts';
import type { Spend } from '../model/usage.ts';

/**
 * A trial's model calls: the coding agent's steps (`ahe.steps` of its result.json, one model call each, a
 * step whose call failed included — as the evolve agent's calls are counted), or, for a trial that never
 * wrote its result, the steps its trace recorded.
 */
function trialModelCalls(trialDir: string): number {
  let result: { ahe?: { steps?: unknown } | null } | null;
  try {
    result = JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8'));
  } catch {
    return unfinishedTrialSpend(trialDir).calls;
  }
  const steps = result?.ahe?.steps;
  return typeof steps === 'number' ? steps : 0;
}

/** The model calls of every trial directory of a job, its tries moved aside to `.replaced/` included. */
export function jobModelCalls(jobDir: string): number {
  const dirs = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
          .map((e) => join(dir, e.name))
      : [];
  return [...dirs(jobDir), ...dirs(join(jobDir, REPLACED_DIR))].reduce((sum, d) => sum + trialModelCalls(d), 0);
}

/**
 * A job result counts its tokens per trial, not per model call; this adds the trials moved aside to run
 * again (an infrastructure error, a fallback share, a try killed or torn down before it finished): the
 * job's result no longer counts them, but their calls were made and paid for. Trial directories not
 * finished yet (left by a kill or a budget stop, not run again so far) add what their traces recorded.
 * `calls` counts the model calls of all of them (jobModelCalls), not trials.
 */
export function jobSpend(result: JobResult, jobDir: string): Spend {
  const replaced = replacedTrialsSpend(jobDir);
  const unfinished = unfinishedTrialsSpend(jobDir);
  return {
    // Model calls, as every role counts them (never trials, which the job's result counts).
    calls: jobModelCalls(jobDir),
    promptTokens: result.tokens.prompt + replaced.promptTokens + unfinished.promptTokens,
    completionTokens: result.tokens.completion + replaced.completionTokens + unfinished.completionTokens,
    cachedTokens: result.tokens.cached + replaced.cachedTokens + unfinished.cachedTokens,
    costUsd: (result.cost_usd ?? 0) + replaced.costUsd + unfinished.costUsd,
  };
}
