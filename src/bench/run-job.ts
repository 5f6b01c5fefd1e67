// A job: tasks × k trials with bounded concurrency, in one Harbor-layout directory. Resumable:
// finished trials (a result.json with finished_at) are never run again — except those that ended in an
// infrastructure error, which measured nothing —, an unfinished trial directory is run anew (the
// unfinished try kept under .replaced/, its spend counted: keep-replaced-trial.ts), and the job
// result.json is rewritten atomically after every trial, so a kill -9 at any moment loses at most the
// results of the trials that were running. After N infrastructure errors in a row the job stops
// early rather than burn through every trial against a model it cannot reach.

import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { InterruptedError, UserError } from '../errors.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { checkJobSettings } from './job-settings.ts';
import { buildJobResult, isInfrastructureTrial, type JobResult, readJobTrials } from './job-summary.ts';
import { keepReplacedTrial } from './keep-replaced-trial.ts';
import {
  type BackendKind,
  runTrial,
  type TrialAgent,
  type TrialOptions,
  trialFinished,
  trialName,
} from './run-trial.ts';
import { NO_SELECTION, type TaskSelection } from './select-tasks.ts';
import type { Task } from './task.ts';
import { rewardPassed, type TrialResult, type TrialResultRead } from './trial-result.ts';

export interface JobConfig {
  job_name: string;
  id: string;
  created_at: string;
  tasks_dir: string;
  task_names: string[];
  /** How task_names were chosen from the suite (--task, --exclude, --n-tasks, --sample-seed). */
  task_selection: TaskSelection;
  k: number;
  agent: {
    name: string;
    model: string | null;
    harness: { dir: string; name: string; content_hash: string } | null;
    /** --max-steps / --max-tokens; null when the harness's own limits apply. */
    max_steps: number | null;
    max_total_tokens: number | null;
    /** --fallback-model and the reasoning effort in force (null: none); absent when not recorded. */
    fallback_model?: string | null;
    reasoning_effort?: string | null;
  };
  backend: BackendKind;
  concurrency: number;
  timeout_multiplier: number;
  ahe_version: string;
}

export type JobEvent =
  | { type: 'planned'; total: number; alreadyDone: number; alreadyPassed: number; toRun: number }
  | { type: 'trial-start'; trial: string }
  | { type: 'trial-usage'; trial: string; tokens: number; costUsd: number }
  | { type: 'trial-done'; trial: string; result: TrialResult }
  | { type: 'trial-crashed'; trial: string; error: Error }
  | { type: 'stopped'; reason: string };

/** Infrastructure errors in a row after which a job stops (JobOptions.maxConsecutiveInfraFailures). */
export const DEFAULT_MAX_CONSECUTIVE_INFRA_FAILURES = 5;

/**
 * Runs one trial into `options.jobDir/<task>__<attempt>/` and returns its result; `onStart` is called
 * when it actually starts (a queued trial may wait for a worker); `jobId` is the job's stable id
 * (config.json), the same when the job is resumed. The default runs the trial here.
 */
export type TrialExecutor = (
  options: TrialOptions,
  hooks: { onStart: () => void; jobId: string },
) => Promise<TrialResult>;

export interface JobOptions {
  jobDir: string;
  tasks: Task[];
  k: number;
  /**
   * Attempts per task name, overriding k (an evolve evaluation policy's plan): a task planned 0 times is
   * not run. Trials already measured beyond a task's number stay in the job. config.json records k.
   */
  attempts?: Readonly<Record<string, number>>;
  agent: TrialAgent;
  backend: BackendKind;
  concurrency: number;
  /** Where the tasks were loaded from (recorded in config.json). */
  tasksDir: string;
  /** How `tasks` were chosen from the suite in `tasksDir` (recorded in config.json; default: all of them). */
  taskSelection?: TaskSelection;
  timeoutMultiplier?: number;
  /** Reuse prepared environments across trials of a task (default true). */
  environmentCache?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** Where trials run (default: in this process; `ahe eval --queue` passes a queue's executor). */
  executeTrial?: TrialExecutor;
  /**
   * Stop the job after this many trials in a row ended in an infrastructure error (model unreachable,
   * credentials rejected, unknown model, retries exhausted); default 5, Infinity never stops.
   */
  maxConsecutiveInfraFailures?: number;
}

export interface JobOutcome {
  result: JobResult;
  interrupted: boolean;
  resultFile: string;
  /** Why the job stopped early (N infrastructure errors in a row), one line; undefined when it did not. */
  stopped?: string;
  /**
   * Every planned task × attempt has a finished result that is not an infrastructure error. Only a
   * complete job's numbers describe the whole plan; `result.missing_trials` lists what is not there.
   */
  complete: boolean;
}

type JobIdentity = Omit<JobConfig, 'id' | 'created_at' | 'job_name'>;

/** What config.json records of a job: everything needed to re-run it, derived from its options (no secrets). */
function describeJob(o: JobOptions): JobIdentity {
  const { harness } = o.agent;
  return {
    tasks_dir: o.tasksDir,
    task_names: o.tasks.map((t) => t.name).sort(),
    task_selection: o.taskSelection ?? NO_SELECTION,
    k: o.k,
    agent: {
      name: o.agent.kind,
      model: o.agent.modelSpec ?? null,
      harness: harness ? { dir: harness.dir, name: harness.name, content_hash: harness.contentHash } : null,
      // 0 is no limit of ahe's own, as the trial reads it.
      max_steps: o.agent.maxSteps || null,
      max_total_tokens: o.agent.maxTotalTokens || null,
      ...(o.agent.fallbackModelSpec !== undefined ? { fallback_model: o.agent.fallbackModelSpec } : {}),
      ...(o.agent.reasoningEffort !== undefined ? { reasoning_effort: o.agent.reasoningEffort } : {}),
    },
    backend: o.backend,
    concurrency: o.concurrency,
    timeout_multiplier: o.timeoutMultiplier ?? 1,
    ahe_version: AGENT_INFO.version,
  };
}

function openJobConfig(jobDir: string, config: JobIdentity): JobConfig {
  const file = join(jobDir, 'config.json');
  if (existsSync(file)) {
    let existing: JobConfig;
    try {
      existing = JSON.parse(readFileSync(file, 'utf8')) as JobConfig;
    } catch (error) {
      throw new UserError(`${file}: not valid JSON (${(error as Error).message}); choose a new --out`);
    }
    // Continuing a job must not mix conditions (src/bench/job-settings.ts); concurrency may change.
    checkJobSettings(file, existing, config);
    const merged: JobConfig = { ...existing, ...config };
    writeJsonAtomic(file, merged);
    return merged;
  }
  mkdirSync(jobDir, { recursive: true });
  const fresh: JobConfig = {
    job_name: jobDir.split('/').pop()!,
    id: randomUUID(),
    created_at: new Date().toISOString(),
    ...config,
  };
  writeJsonAtomic(file, fresh);
  return fresh;
}

export async function runJob(options: JobOptions): Promise<JobOutcome> {
  const { jobDir, k } = options;
  const config = openJobConfig(jobDir, describeJob(options));
  const logFile = join(jobDir, 'job.log');
  const emit = (event: JobEvent) => {
    if (event.type !== 'trial-usage') appendFileSync(logFile, `${new Date().toISOString()} ${describeEvent(event)}\n`);
    options.onEvent?.(event);
  };
  const existing = readJobTrials(jobDir);
  const results = new Map<string, TrialResultRead | TrialResult>();
  // Infrastructure errors are not finished (they run again) but are read too: shown until replaced.
  for (const trial of existing.trials)
    if (trialFinished(trial.dir) || isInfrastructureTrial(trial.result))
      results.set(trial.result.trial_name, trial.result);

  const plan: { task: Task; attempt: number }[] = [];
  for (const task of options.tasks)
    for (let attempt = 1; attempt <= (options.attempts?.[task.name] ?? k); attempt++) plan.push({ task, attempt });
  // An infrastructure error is kept (and shown) until its trial is run again, which happens now.
  const measured = (name: string) => {
    const r = results.get(name);
    return r !== undefined && !isInfrastructureTrial(r);
  };
  const toRun = plan.filter((p) => !measured(trialName(p.task.name, p.attempt)));
  // Its trace is the only record of the infrastructure error: kept under .replaced/, not overwritten.
  for (const p of toRun)
    if (results.has(trialName(p.task.name, p.attempt))) keepReplacedTrial(jobDir, trialName(p.task.name, p.attempt));
  const done = plan
    .map((p) => results.get(trialName(p.task.name, p.attempt)))
    .filter((r): r is TrialResultRead | TrialResult => r !== undefined && !isInfrastructureTrial(r));
  const alreadyPassed = done.filter((r) => rewardPassed(r.verifier_result?.rewards?.reward)).length;
  emit({ type: 'planned', total: plan.length, alreadyDone: done.length, alreadyPassed, toRun: toRun.length });

  const resultFile = join(jobDir, 'result.json');
  const writeResult = (finished: boolean) => {
    const result = buildJobResult({
      id: config.id,
      startedAt: config.created_at,
      finishedAt: finished ? new Date().toISOString() : null,
      trials: [...results.values()],
      nTotalTrials: Math.max(plan.length, results.size),
      planned: plan.map((p) => trialName(p.task.name, p.attempt)),
    });
    writeJsonAtomic(resultFile, result);
    return result;
  };
  writeResult(false);

  const queue = new PQueue({ concurrency: options.concurrency });
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    queue.clear();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  // Stopping on infrastructure errors also tears down the trials still running (they run again on resume).
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const maxInfra = options.maxConsecutiveInfraFailures ?? DEFAULT_MAX_CONSECUTIVE_INFRA_FAILURES;
  let infraInARow = 0;
  let stopped: string | undefined;
  const countInfra = (result: TrialResult) => {
    if (!isInfrastructureTrial(result)) {
      infraInARow = 0;
      return;
    }
    infraInARow += 1;
    if (infraInARow < maxInfra || stopped) return;
    stopped = `stopped after ${infraInARow} infrastructure errors in a row (last: ${result.exception_info?.exception_message ?? 'unknown'}); fix the model or provider, then run again to resume`;
    queue.clear();
    emit({ type: 'stopped', reason: stopped });
    stop.abort();
  };
  for (const { task, attempt } of toRun) {
    const name = trialName(task.name, attempt);
    void queue.add(async () => {
      if (signal.aborted) return;
      const execute: TrialExecutor =
        options.executeTrial ??
        ((o, hooks) => {
          hooks.onStart();
          return runTrial(o);
        });
      try {
        const result = await execute(
          {
            task,
            attempt,
            jobDir,
            agent: options.agent,
            backend: options.backend,
            signal,
            timeoutMultiplier: options.timeoutMultiplier,
            environmentCache: options.environmentCache,
            onUsage: (u) => emit({ type: 'trial-usage', trial: name, ...u }),
          },
          { onStart: () => emit({ type: 'trial-start', trial: name }), jobId: config.id },
        );
        results.set(name, result);
        writeResult(false);
        emit({ type: 'trial-done', trial: name, result });
        countInfra(result);
      } catch (error) {
        if (error instanceof InterruptedError || signal.aborted) return;
        // A fault of ahe itself: the trial stays unfinished (run again on resume), the job goes on.
        emit({ type: 'trial-crashed', trial: name, error: error as Error });
      }
    });
  }
  await queue.onIdle();
  options.signal?.removeEventListener('abort', onAbort);
  const complete = !interrupted && !stopped && plan.every((p) => measured(trialName(p.task.name, p.attempt)));
  return { result: writeResult(complete), interrupted, resultFile, complete, ...(stopped ? { stopped } : {}) };
}

/** One line of job.log per event (usage ticks are not logged). */
function describeEvent(event: JobEvent): string {
  switch (event.type) {
    case 'planned':
      return `planned ${event.total} trials: ${event.alreadyDone} already finished, ${event.toRun} to run`;
    case 'trial-start':
      return `start ${event.trial}`;
    case 'trial-usage':
      return `usage ${event.trial}`;
    case 'trial-done':
      return `done ${event.trial} reward ${event.result.verifier_result?.rewards.reward ?? 'none'}${event.result.exception_info ? ` ${event.result.exception_info.exception_type}` : ''}`;
    case 'trial-crashed':
      return `crashed ${event.trial}: ${event.error.stack ?? event.error.message}`;
    case 'stopped':
      return event.reason;
  }
}
