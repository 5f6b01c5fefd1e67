// A job's numbers from its trial files: read every `<task>__<suffix>/result.json` (ahe's or another
// Harbor tool's), then summarise them as docs/jobs.md describes the job result.json — Harbor's `stats` for
// tools made for Harbor, ahe's summary (pass@1 with an interval over tasks) beside it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { computePassStats, type TaskOutcome } from './stats.ts';
import { INFRASTRUCTURE_EXCEPTION, rewardPassed, type TrialResultRead, TrialResultReadSchema } from './trial-result.ts';

export interface JobTrial {
  /** The trial directory (absolute). */
  dir: string;
  result: TrialResultRead;
}

export interface JobProblem {
  /** The file at fault. */
  path: string;
  /** The JSON field at fault (zod issue path, dot-separated), when one is. */
  field?: string;
  message: string;
}

export interface JobTrials {
  dir: string;
  /** Sorted by task name, then trial name (attempt numbers in numeric order). */
  trials: JobTrial[];
  problems: JobProblem[];
  /** Trial directories without a result.json yet: still running, or killed before the end. */
  unfinished: string[];
}

const byTrialName = new Intl.Collator('en', { numeric: true });

/** Harbor names trial directories `<task>__<suffix>`; other sub-directories (reports, logs) are not trials. */
const looksLikeTrialDir = (name: string) => name.includes('__');

/** Every trial of a job directory. Malformed files become problems naming the file and field; nothing throws. */
export function readJobTrials(jobDir: string): JobTrials {
  const dir = resolve(jobDir);
  const out: JobTrials = { dir, trials: [], problems: [], unfinished: [] };
  if (!existsSync(dir)) return { ...out, problems: [{ path: dir, message: 'does not exist' }] };
  if (!statSync(dir).isDirectory()) return { ...out, problems: [{ path: dir, message: 'is not a directory' }] };
  for (const name of readdirSync(dir).sort(byTrialName.compare)) {
    const trialDir = join(dir, name);
    if (name.startsWith('.') || !statSync(trialDir).isDirectory()) continue;
    const file = join(trialDir, 'result.json');
    if (!existsSync(file)) {
      if (looksLikeTrialDir(name)) out.unfinished.push(trialDir);
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      out.problems.push({ path: file, message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const parsed = TrialResultReadSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      out.problems.push({ path: file, field: issue.path.join('.') || undefined, message: issue.message });
      continue;
    }
    out.trials.push({ dir: trialDir, result: parsed.data });
  }
  out.trials.sort(
    (a, b) =>
      a.result.task_name.localeCompare(b.result.task_name) ||
      byTrialName.compare(a.result.trial_name, b.result.trial_name),
  );
  return out;
}

/**
 * What a summary needs of a trial — written structurally so that both ahe's own TrialResult and any Harbor
 * tool's parsed result.json (TrialResultRead) fit.
 */
export interface SummarizableTrial {
  task_name: string;
  trial_name: string;
  agent_result?: {
    n_input_tokens?: number | null;
    n_cache_tokens?: number | null;
    n_output_tokens?: number | null;
    cost_usd?: number | null;
  } | null;
  verifier_result?: { rewards?: Record<string, number | null> | null } | null;
  exception_info?: { exception_type: string } | null;
  started_at?: string | null;
  finished_at?: string | null;
  source?: unknown;
  agent_info?: unknown;
  /** ahe's block: only whether the agent's model failed over to its fallback is read here. */
  ahe?: { fallback_used?: boolean | null } | null;
}

export interface TaskSummary {
  /** Measured attempts: trials with a result.json that did not end in an infrastructure error. */
  n: number;
  /** Passing attempts (reward ≥ 1). */
  c: number;
  /** Each measured attempt's reward in trial order; partial rewards kept, null when the verifier wrote none. */
  rewards: (number | null)[];
  /** Exception types of the attempts that raised one (infrastructure errors included: they are shown, not scored). */
  exceptions: string[];
  /** Attempts that ended in an infrastructure error: left out of n, c and every pass rate. */
  errors?: number;
}

/** Whether a trial ended in an infrastructure error (and so measured nothing). */
export function isInfrastructureTrial(trial: { exception_info?: { exception_type: string } | null }): boolean {
  return trial.exception_info?.exception_type === INFRASTRUCTURE_EXCEPTION;
}

/** ahe's summary keys of a job result.json (docs/jobs.md, "The job result.json"). */
export interface JobSummary {
  /** Tasks with at least one measured attempt: the population of every pass rate. */
  n_tasks: number;
  /** The fewest attempts any task has: pass@k is defined for every task only up to there. */
  k: number;
  pass_at_1: number;
  pass_at_k: Record<string, number>;
  stderr: number;
  /** 95% Wilson score interval of pass@1 over the tasks (stats.ts; docs/results.md, "Intervals"). */
  ci95: [number, number];
  tasks: Record<string, TaskSummary>;
  tokens: { prompt: number; completion: number; cached: number };
  /** Share of the prompt tokens read from the provider's cache (cached / prompt); null when no prompt token was counted. */
  cache_hit_rate: number | null;
  /**
   * The agents' spend; null (shown `$?`) when a trial's cost is unknown (its model's price is not known)
   * or no trial's agent ran: an unknown cost is not $0, and a sum of the known ones would read as the whole.
   */
  cost_usd: number | null;
  wall_sec: number;
  exceptions: Record<string, number>;
  /** Trials that ended in an infrastructure error (counted in `exceptions` too, never in a pass rate). */
  n_infrastructure_errors: number;
  /**
   * Measured trials whose coding agent used its fallback model (`ahe.fallback_used`); absent when none did.
   * They count in the pass rates, but measured another model: see fallbackShare and docs/models.md.
   */
  n_fallback_trials?: number;
}

/** Whether a trial's coding agent failed over to its fallback model. */
export function usedFallback(trial: Pick<SummarizableTrial, 'ahe'>): boolean {
  return trial.ahe?.fallback_used === true;
}

/** The share of a summary's measured trials that used the fallback model (0 when none was measured). */
export function fallbackShare(summary: Pick<JobSummary, 'tasks' | 'n_fallback_trials'>): number {
  const measured = Object.values(summary.tasks).reduce((n, t) => n + t.n, 0);
  return measured > 0 ? (summary.n_fallback_trials ?? 0) / measured : 0;
}

/**
 * The trial's reward: `rewards.reward`, or the only value of a single-key reward.json that names it
 * otherwise. null when the verifier wrote none — a failure.
 */
export function trialReward(trial: Pick<SummarizableTrial, 'verifier_result'>): number | null {
  const rewards = trial.verifier_result?.rewards;
  if (!rewards) return null;
  if ('reward' in rewards) return rewards.reward ?? null;
  const values = Object.values(rewards);
  return values.length === 1 ? (values[0] ?? null) : null;
}

const sum = (xs: readonly (number | null | undefined)[]) => xs.reduce<number>((a, x) => a + (x ?? 0), 0);
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function timeSpanSec(trials: readonly SummarizableTrial[]): number {
  const starts = trials.map((t) => Date.parse(t.started_at ?? '')).filter(Number.isFinite);
  const ends = trials.map((t) => Date.parse(t.finished_at ?? '')).filter(Number.isFinite);
  if (!starts.length || !ends.length) return 0;
  return Math.max(0, (Math.max(...ends) - Math.min(...starts)) / 1000);
}

/** Per-task outcomes, tasks sorted by name, attempts in the order given. */
export function groupByTask(trials: readonly SummarizableTrial[]): Record<string, TaskSummary> {
  const tasks: Record<string, TaskSummary> = {};
  const names = [...new Set(trials.map((t) => t.task_name))].sort((a, b) => a.localeCompare(b));
  for (const name of names) tasks[name] = { n: 0, c: 0, rewards: [], exceptions: [] };
  for (const t of trials) {
    const task = tasks[t.task_name]!;
    if (isInfrastructureTrial(t)) {
      task.errors = (task.errors ?? 0) + 1;
      task.exceptions.push(INFRASTRUCTURE_EXCEPTION);
      continue;
    }
    const reward = trialReward(t);
    task.n++;
    if (rewardPassed(reward)) task.c++;
    task.rewards.push(reward);
    if (t.exception_info) task.exceptions.push(t.exception_info.exception_type);
  }
  return tasks;
}

export interface SummarizeOptions {
  /** The job's wall time; by default the span from the first trial's start to the last trial's end. */
  wallSec?: number;
}

export function summarizeTrials(trials: readonly SummarizableTrial[], opts: SummarizeOptions = {}): JobSummary {
  const tasks = groupByTask(trials);
  // A task with no measured attempt (only infrastructure errors) has no rate: it is shown, not scored.
  const outcomes: TaskOutcome[] = Object.values(tasks).filter((t) => t.n > 0);
  const stats = computePassStats(outcomes);
  const exceptions: Record<string, number> = {};
  for (const t of trials) {
    const type = t.exception_info?.exception_type;
    if (type) exceptions[type] = (exceptions[type] ?? 0) + 1;
  }
  // Only trials whose agent ran cost anything; one of unknown cost (null) makes the total unknown.
  const costs = trials.flatMap((t) => (t.agent_result ? [t.agent_result.cost_usd] : []));
  const costKnown = costs.length > 0 && costs.every((c) => typeof c === 'number');
  const fallbackTrials = trials.filter((t) => !isInfrastructureTrial(t) && usedFallback(t)).length;
  const tokens = {
    prompt: sum(trials.map((t) => t.agent_result?.n_input_tokens)),
    completion: sum(trials.map((t) => t.agent_result?.n_output_tokens)),
    cached: sum(trials.map((t) => t.agent_result?.n_cache_tokens)),
  };
  return {
    n_tasks: stats.nTasks,
    k: outcomes.length ? Math.min(...outcomes.map((t) => t.n)) : 0,
    pass_at_1: stats.passAt1,
    pass_at_k: stats.passAtK,
    stderr: stats.stderr,
    ci95: stats.ci95,
    tasks,
    tokens,
    cache_hit_rate: tokens.prompt > 0 ? round3(Math.min(tokens.cached, tokens.prompt) / tokens.prompt) : null,
    cost_usd: costKnown ? sum(costs) : null,
    wall_sec: round3(opts.wallSec ?? timeSpanSec(trials)),
    exceptions,
    n_infrastructure_errors: trials.filter(isInfrastructureTrial).length,
    ...(fallbackTrials ? { n_fallback_trials: fallbackTrials } : {}),
  };
}

export interface HarborEvalStats {
  /** Trials with a verifier result (Harbor counts only those here). */
  n_trials: number;
  /** Trials that raised an exception. */
  n_errors: number;
  /** Harbor's default metric: mean reward over all trials, a missing reward counting 0. */
  metrics: { mean: number }[];
  /** reward key → reward value written as Python writes a float ("1.0", "0.5") → trial names. */
  reward_stats: Record<string, Record<string, string[]>>;
  exception_stats: Record<string, string[]>;
  pass_at_k: Record<string, number>;
}

export interface HarborJobStats {
  n_trials: number;
  n_errors: number;
  evals: Record<string, HarborEvalStats>;
}

/** Python's str(float): Harbor's reward_stats keys are floats serialised by pydantic, so 1 is "1.0". */
export const pythonFloatKey = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : String(x));

/** Harbor's eval key: `<agent>__<model>__<dataset>`, or `<agent>__<dataset>` when no model is named. */
export function harborEvalKey(trial: Pick<SummarizableTrial, 'agent_info' | 'source'>): string {
  const info = (trial.agent_info ?? {}) as { name?: unknown; model_info?: { name?: unknown } | null };
  const agent = typeof info.name === 'string' ? info.name : 'unknown';
  const model = typeof info.model_info?.name === 'string' ? info.model_info.name : undefined;
  const dataset = typeof trial.source === 'string' && trial.source ? trial.source : 'adhoc';
  return model ? `${agent}__${model}__${dataset}` : `${agent}__${dataset}`;
}

/** Harbor's job `stats` object; one eval per key (ahe's jobs have one; other tools' may mix agents). */
export function harborStats(trials: readonly SummarizableTrial[], evalKey?: string): HarborJobStats {
  const groups = new Map<string, SummarizableTrial[]>();
  for (const t of trials) {
    const key = evalKey ?? harborEvalKey(t);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const evals: Record<string, HarborEvalStats> = {};
  for (const [key, group] of groups) {
    const e: HarborEvalStats = {
      n_trials: 0,
      n_errors: 0,
      metrics: [],
      reward_stats: {},
      exception_stats: {},
      pass_at_k: {},
    };
    for (const t of group) {
      const rewards = t.verifier_result?.rewards;
      if (rewards) {
        e.n_trials++;
        for (const [name, value] of Object.entries(rewards)) {
          if (typeof value !== 'number') continue;
          const byValue = (e.reward_stats[name] ??= {});
          (byValue[pythonFloatKey(value)] ??= []).push(t.trial_name);
        }
      }
      if (t.exception_info) {
        e.n_errors++;
        (e.exception_stats[t.exception_info.exception_type] ??= []).push(t.trial_name);
      }
    }
    // Harbor counts a missing reward as 0; an infrastructure error measured nothing and is left out.
    const measured = group.filter((t) => !isInfrastructureTrial(t));
    e.metrics = [{ mean: measured.length ? sum(measured.map(trialReward)) / measured.length : 0 }];
    e.pass_at_k = computePassStats(Object.values(groupByTask(group))).passAtK;
    evals[key] = e;
  }
  return { n_trials: trials.length, n_errors: trials.filter((t) => t.exception_info).length, evals };
}

export interface JobResultInput {
  id: string;
  startedAt: string;
  /** null while the job is still running. */
  finishedAt: string | null;
  /** All trials under one eval key; by default each trial's own `<agent>__<model>__<dataset>`. */
  evalKey?: string;
  trials: readonly SummarizableTrial[];
  /** Trials planned (tasks × k); defaults to the trials given. */
  nTotalTrials?: number;
  /** The planned trials by name (`<task>__<attempt>`): those without a measured result are listed as missing. */
  planned?: readonly string[];
}

export type JobResult = {
  id: string;
  started_at: string;
  finished_at: string | null;
  n_total_trials: number;
  /**
   * Planned trials without a measured result — not run yet, crashed, lost, or ended in an
   * infrastructure error. Empty exactly when the evaluation is complete (docs/results.md).
   */
  missing_trials: string[];
  stats: HarborJobStats;
} & JobSummary;

/**
 * One line naming what an incomplete job lacks, e.g. `2 of 6 planned trials have no measured result:
 * b__1 (InfrastructureError), c__1 (not run, crashed or lost)`; empty when nothing is missing.
 */
export function describeMissingTrials(
  result: Pick<JobResult, 'missing_trials' | 'n_total_trials' | 'stats'>,
  max = 10,
): string {
  const missing = result.missing_trials ?? [];
  if (missing.length === 0) return '';
  const infra = new Set(
    Object.values(result.stats.evals).flatMap((e) => e.exception_stats[INFRASTRUCTURE_EXCEPTION] ?? []),
  );
  const shown = missing
    .slice(0, max)
    .map((name) => `${name} (${infra.has(name) ? INFRASTRUCTURE_EXCEPTION : 'not run, crashed or lost'})`);
  return `${missing.length} of ${result.n_total_trials} planned trials have no measured result: ${shown.join(', ')}${missing.length > max ? `, and ${missing.length - max} more` : ''}`;
}

/** The planned trials that have no measured result among `trials`. */
export function missingTrials(planned: readonly string[], trials: readonly SummarizableTrial[]): string[] {
  const measured = new Set(trials.filter((t) => !isInfrastructureTrial(t)).map((t) => t.trial_name));
  return planned.filter((name) => !measured.has(name));
}

/** The job result.json: Harbor's keys first, ahe's summary beside them (added, never renamed). */
export function buildJobResult(input: JobResultInput): JobResult {
  // Trial order (task, then attempt), not the order trials finished in: `rewards` lists attempts in order.
  const trials = [...input.trials].sort((a, b) => byTrialName.compare(a.trial_name, b.trial_name));
  const started = Date.parse(input.startedAt);
  const finished = input.finishedAt ? Date.parse(input.finishedAt) : NaN;
  const wallSec = Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : undefined;
  return {
    id: input.id,
    started_at: input.startedAt,
    finished_at: input.finishedAt,
    n_total_trials: input.nTotalTrials ?? input.planned?.length ?? input.trials.length,
    missing_trials: input.planned
      ? missingTrials(input.planned, trials)
      : trials.filter(isInfrastructureTrial).map((t) => t.trial_name),
    stats: harborStats(trials, input.evalKey),
    ...summarizeTrials(trials, { wallSec }),
  };
}
