// A job directory (ahe's or any Harbor tool's) → JobReport: the numbers come from the trial files through
// the same reader and summary as `ahe eval` and `ahe compare` (bench/job-summary.ts), never from a job
// result.json another tool may write differently; config.json adds the agent, the model and the plan.
// A job being written loads too: trials without a result.json are listed as unfinished, a trial file
// caught mid-write is a problem, and `progress` says how far it is.
import { basename, dirname, join } from 'node:path';
import {
  isInfrastructureTrial,
  type JobTrials,
  readJobTrials,
  summarizeTrials,
  trialReward,
  usedFallback,
} from '../bench/job-summary.ts';
import { rewardPassed, type TrialResultRead } from '../bench/trial-result.ts';
import { type DebugInfo, debugInfoForJob, taskDebug } from './load-debug-info.ts';
import { newestMtime, num, obj, RUNNING_WINDOW_MS, readJsonObject, str, strings } from './load-file.ts';
import type { JobReport, ProgressView, ScoreView, TaskRow, TaskStatus, TrialRow } from './report-data.ts';
import { shownModelOrNull } from './shown.ts';

/** Directory names that say nothing by themselves: an evolve iteration's jobs, a run called run, a default folder. */
const GENERIC_JOB_NAMES = new Set(['job', 'holdout-job', 'jobs']);
const GENERIC_RUN_NAMES = new Set(['run', 'runs']);

/** What an evolve run is called: its directory's name, with its parent's when that name is generic ("evolve-demo/run"). */
export function runName(dir: string): string {
  const own = basename(dir);
  const parent = basename(dirname(dir));
  return GENERIC_RUN_NAMES.has(own) && parent ? `${parent}/${own}` : own;
}

/**
 * What a job is called: its recorded name (ahe's `job_name`, its directory's name), unless that is a
 * generic one. A job of an evolve run (RUN/iterations/<n>/job or holdout-job) is then "<run> · iteration
 * <n> · train" (or "· held-out"); any other is named with its parent directory ("seed/job").
 */
export function jobName(dir: string, recorded?: string | null): string {
  const own = basename(dir);
  const name = recorded || own;
  if (!GENERIC_JOB_NAMES.has(name)) return name;
  const parent = dirname(dir);
  const iterations = dirname(parent);
  if (/^\d+$/.test(basename(parent)) && basename(iterations) === 'iterations') {
    const run = runName(dirname(iterations));
    return `${run ? `${run} · ` : ''}iteration ${basename(parent)} · ${own === 'holdout-job' ? 'held-out' : 'train'}`;
  }
  return basename(parent) ? `${basename(parent)}/${own}` : own;
}

/**
 * Labels that tell directories apart: each name that is shared is replaced by the shortest path suffix
 * ('a/x/job', 'b/x/job' → 'a/x/job', 'b/x/job'; 'runs/a/job', 'runs/b/job' → 'a/job', 'b/job') that no other
 * of those directories has. Unique names stay.
 */
export function distinctNames(names: string[], dirs: string[]): string[] {
  const out = [...names];
  const groups = new Map<string, number[]>();
  for (const [i, n] of names.entries()) groups.set(n, [...(groups.get(n) ?? []), i]);
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const parts = group.map((i) => dirs[i]!.split(/[\\/]/).filter(Boolean));
    const longest = Math.max(...parts.map((p) => p.length));
    for (let k = 1; k <= longest; k++) {
      const labels = parts.map((p) => p.slice(-k).join('/'));
      if (new Set(labels).size === labels.length || k === longest) {
        for (const [j, i] of group.entries()) out[i] = labels[j]!;
        break;
      }
    }
  }
  return out;
}

export interface LoadJobOptions {
  /** JobReport.path: the directory as the user named it. */
  path: string;
  /** What detail refs start with, before `#<trial>` (load-report.ts, "Trial refs"). */
  refBase: string;
  /** A name to show instead of the job's own (e.g. `iteration 3 · train`). */
  name?: string;
  /** The debug output to read its findings and digests from (default: the one beside or inside the job). */
  debug?: DebugInfo | null;
  now?: number;
}

/** A job's report and the summary it came from (the comparisons and the run's matrix reuse its task outcomes). */
export interface LoadedJob {
  dir: string;
  report: JobReport;
  summary: ReturnType<typeof summarizeTrials>;
  debug: DebugInfo | null;
}

/** readJobTrials, once more if a directory vanished under it (a trial moved aside while it was listed). */
function readTrials(dir: string): JobTrials {
  try {
    return readJobTrials(dir);
  } catch {
    try {
      return readJobTrials(dir);
    } catch (error) {
      return { dir, trials: [], problems: [{ path: dir, message: (error as Error).message }], unfinished: [] };
    }
  }
}

const durationSec = (r: TrialResultRead): number | null => {
  const wall = num(r.ahe?.wall_sec);
  if (wall !== null) return wall;
  const start = Date.parse(r.started_at ?? '');
  const end = Date.parse(r.finished_at ?? '');
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : null;
};

function trialRow(dir: string, r: TrialResultRead, refBase: string, debug: DebugInfo | null): TrialRow {
  const id = basename(dir);
  // Other tools' result files do not count steps; the debugger did, when it ran.
  const debugSteps = debug?.report?.tasks[r.task_name]?.trials.find((t) => t.trial === id)?.steps;
  const reward = trialReward(r);
  const agent = r.agent_result;
  const metadata = obj((agent as { metadata?: unknown } | null | undefined)?.metadata);
  return {
    id,
    task: r.task_name,
    reward,
    passed: rewardPassed(reward),
    exception: r.exception_info?.exception_type ?? null,
    spend: {
      prompt_tokens: agent?.n_input_tokens ?? 0,
      completion_tokens: agent?.n_output_tokens ?? 0,
      cached_tokens: agent?.n_cache_tokens ?? 0,
      cost_usd: agent ? (agent.cost_usd ?? null) : null,
    },
    duration_sec: durationSec(r),
    steps: num(r.ahe?.steps) ?? num(metadata.steps) ?? debugSteps ?? null,
    ...(usedFallback(r) ? { fallback_used: true } : {}),
    detail_ref: `${refBase}#${id}`,
  };
}

/**
 * - passed: every measured attempt passed; partial: some did; failed: none did;
 * - error: nothing was measured (only infrastructure errors), or no attempt passed and every one ended in an exception.
 */
function taskStatus(n: number, c: number, attemptsWithException: number, infra: number): TaskStatus {
  if (n === 0) return 'error';
  if (c === n) return 'passed';
  if (c > 0) return 'partial';
  return attemptsWithException >= n + infra ? 'error' : 'failed';
}

export function scoreView(s: {
  pass_at_1: number;
  ci95: [number, number];
  stderr: number;
  n_tasks: number;
  pass_at_k: Record<string, number>;
}): ScoreView {
  return { pass_at_1: s.pass_at_1, ci95: s.ci95, stderr: s.stderr, n_tasks: s.n_tasks, pass_at_k: s.pass_at_k };
}

export function loadJob(dir: string, options: LoadJobOptions): LoadedJob {
  const now = options.now ?? Date.now();
  const problems: string[] = [];
  const job = readTrials(dir);
  for (const p of job.problems) problems.push(`${p.path}: ${p.field ? `${p.field}: ` : ''}${p.message}`);
  const config = readJsonObject(join(dir, 'config.json'), problems) ?? {};
  const result = readJsonObject(join(dir, 'result.json'), problems) ?? {};
  const results = job.trials.map((t) => t.result);
  const summary = summarizeTrials(results);
  const debug = options.debug !== undefined ? options.debug : debugInfoForJob(dir);
  const trials = job.trials.map((t) => trialRow(t.dir, t.result, options.refBase, debug));
  if (debug) problems.push(...debug.problems);

  const tasks: TaskRow[] = Object.entries(summary.tasks).map(([task, s]) => {
    const rows = trials.filter((t) => t.task === task);
    const withException = rows.filter((t) => t.exception !== null).length;
    const debugRow = debug ? taskDebug(debug, task) : undefined;
    return {
      task,
      n: s.n,
      passes: s.c,
      pass_fraction: s.n > 0 ? s.c / s.n : null,
      status: taskStatus(s.n, s.c, withException, s.errors ?? 0),
      exceptions: [...new Set(s.exceptions)],
      trials: rows.map((t) => t.id),
      ...(debugRow ? { debug: debugRow } : {}),
    };
  });

  const agentConfig = obj(config.agent);
  const harborAgent = obj(Array.isArray(config.agents) ? config.agents[0] : undefined);
  const firstInfo = obj(results[0]?.agent_info);
  // ahe records the harness as { dir, name, content_hash }; a name is what a reader recognises.
  const harnessConfig = obj(agentConfig.harness);
  const harness = str(agentConfig.harness) ?? str(harnessConfig.name) ?? str(harnessConfig.dir);
  const report: JobReport = {
    kind: 'job',
    path: options.path,
    name: options.name ?? jobName(dir, str(config.job_name)),
    agent: str(agentConfig.name) ?? str(harborAgent.name) ?? str(firstInfo.name),
    model: shownModelOrNull(
      str(agentConfig.model) ?? str(harborAgent.model_name) ?? str(obj(firstInfo.model_info).name),
    ),
    harness,
    k: summary.k || (num(config.k) ?? num(config.n_attempts) ?? 0),
    score: scoreView(summary),
    n_trials: trials.length,
    n_infrastructure_errors: summary.n_infrastructure_errors,
    exceptions: summary.exceptions,
    spend: {
      prompt_tokens: summary.tokens.prompt,
      completion_tokens: summary.tokens.completion,
      cached_tokens: summary.tokens.cached,
      cost_usd: summary.cost_usd,
    },
    wall_sec: num(result.wall_sec) ?? (summary.wall_sec || null),
    tasks,
    trials,
  };
  if (debug?.overview) report.debug_overview = debug.overview;
  const unfinished = job.unfinished.map((d) => basename(d));
  if (unfinished.length) report.unfinished = unfinished;
  if (problems.length) report.problems = problems;
  const progress = jobProgress(dir, job, config, result, summary, now);
  if (progress) report.progress = progress;
  return { dir, report, summary, debug };
}

/**
 * How far a job is: measured trials of the planned ones (config.json's task_names × k for ahe's jobs,
 * result.json's n_total_trials otherwise). Running: the job has not recorded its end (result.json's
 * finished_at) and wrote something within RUNNING_WINDOW_MS. Absent for a job with every planned trial
 * measured that is not running; present (not running) for one that stopped incomplete.
 */
function jobProgress(
  dir: string,
  job: JobTrials,
  config: Record<string, unknown>,
  result: Record<string, unknown>,
  summary: LoadedJob['summary'],
  now: number,
): ProgressView | undefined {
  const planned = strings(config.task_names).length * (num(config.k) ?? 0);
  const total = Math.max(planned || num(result.n_total_trials) || 0, job.trials.length + job.unfinished.length);
  const done = job.trials.filter((t) => !isInfrastructureTrial(t.result)).length;
  const finished = typeof result.finished_at === 'string';
  const written = newestMtime([
    join(dir, 'job.log'),
    join(dir, 'result.json'),
    dir,
    ...job.unfinished.flatMap((t) => [t, join(t, 'trial.log'), join(t, 'agent', 'events.jsonl')]),
  ]);
  const running = !finished && now - written < RUNNING_WINDOW_MS;
  if (!running && done >= total) return undefined;
  const started = Date.parse(str(result.started_at) ?? str(config.created_at) ?? '');
  const elapsed = Number.isFinite(started) ? (now - started) / 1000 : null;
  return {
    done,
    total,
    running,
    eta_sec: running && elapsed !== null && done > 0 && total > done ? (elapsed / done) * (total - done) : null,
    cost_usd: summary.cost_usd,
  };
}
