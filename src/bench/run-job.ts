// A job: tasks × k trials with bounded concurrency, in one Harbor-layout directory. Resumable:
// finished trials (a result.json with finished_at) are never run again, an unfinished trial
// directory is discarded and run anew, and the job result.json is rewritten atomically after every
// trial, so a kill -9 at any moment loses at most the trials that were running.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { UserError } from '../model/errors.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { buildJobResult, readJobTrials, type JobResult } from './job-summary.ts';
import { runTrial, trialFinished, TrialInterrupted, trialName, type BackendKind, type TrialAgent, type TrialOptions } from './run-trial.ts';
import type { Task } from './task.ts';
import { rewardPassed, type TrialResult, type TrialResultRead } from './trial-result.ts';

export interface JobConfig {
  job_name: string;
  id: string;
  created_at: string;
  tasks_dir: string;
  task_names: string[];
  k: number;
  agent: { name: string; model: string | null; harness: { dir: string; name: string; content_hash: string } | null };
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
  | { type: 'trial-crashed'; trial: string; error: Error };

/**
 * Runs one trial into `options.jobDir/<task>__<attempt>/` and returns its result; `onStart` is called
 * when it actually starts (a queued trial may wait for a worker); `jobId` is the job's stable id
 * (config.json), the same when the job is resumed. The default runs the trial here.
 */
export type TrialExecutor = (options: TrialOptions, hooks: { onStart: () => void; jobId: string }) => Promise<TrialResult>;

export interface JobOptions {
  jobDir: string;
  tasks: Task[];
  k: number;
  agent: TrialAgent;
  backend: BackendKind;
  concurrency: number;
  /** Where the tasks were loaded from (recorded in config.json). */
  tasksDir: string;
  timeoutMultiplier?: number;
  /** Reuse prepared environments across trials of a task (default true). */
  environmentCache?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** Where trials run (default: in this process; `ahe eval --queue` passes a queue's executor). */
  executeTrial?: TrialExecutor;
}

export interface JobOutcome {
  result: JobResult;
  interrupted: boolean;
  resultFile: string;
}

/** Fields that must match for a job directory to be continued; anything else may change between runs. */
const IDENTITY: [string, (c: JobConfig) => unknown][] = [
  ['agent.name', (c) => c.agent.name],
  ['agent.model', (c) => c.agent.model],
  ['agent.harness.content_hash', (c) => c.agent.harness?.content_hash ?? null],
  ['backend', (c) => c.backend],
];

type JobIdentity = Omit<JobConfig, 'id' | 'created_at' | 'job_name'>;

/** What config.json records of a job: everything needed to re-run it, derived from its options (no secrets). */
function describeJob(o: JobOptions): JobIdentity {
  const { harness } = o.agent;
  return {
    tasks_dir: o.tasksDir,
    task_names: o.tasks.map((t) => t.name).sort(),
    k: o.k,
    agent: { name: o.agent.kind, model: o.agent.modelSpec ?? null, harness: harness ? { dir: harness.dir, name: harness.name, content_hash: harness.contentHash } : null },
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
    const candidate = { ...existing, ...config } as JobConfig;
    for (const [field, get] of IDENTITY) {
      if (JSON.stringify(get(existing)) !== JSON.stringify(get(candidate))) {
        throw new UserError(`${file}: this job was run with ${field} = ${JSON.stringify(get(existing))}, not ${JSON.stringify(get(candidate))}; resume it with the same settings or choose a new --out`);
      }
    }
    // Tasks and k may grow: the union is the job.
    const merged: JobConfig = { ...candidate, task_names: [...new Set([...existing.task_names, ...config.task_names])].sort(), k: Math.max(existing.k, config.k) };
    writeJsonAtomic(file, merged);
    return merged;
  }
  mkdirSync(jobDir, { recursive: true });
  const fresh: JobConfig = { job_name: jobDir.split('/').pop()!, id: randomUUID(), created_at: new Date().toISOString(), ...config };
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
  for (const trial of existing.trials) if (trialFinished(trial.dir)) results.set(trial.result.trial_name, trial.result);

  const plan: { task: Task; attempt: number }[] = [];
  for (const task of options.tasks) for (let attempt = 1; attempt <= k; attempt++) plan.push({ task, attempt });
  const toRun = plan.filter((p) => !results.has(trialName(p.task.name, p.attempt)));
  const done = plan.map((p) => results.get(trialName(p.task.name, p.attempt))).filter((r) => r !== undefined);
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
  for (const { task, attempt } of toRun) {
    const name = trialName(task.name, attempt);
    void queue.add(async () => {
      if (options.signal?.aborted) return;
      const execute: TrialExecutor = options.executeTrial ?? ((o, hooks) => (hooks.onStart(), runTrial(o)));
      try {
        const result = await execute({
          task,
          attempt,
          jobDir,
          agent: options.agent,
          backend: options.backend,
          signal: options.signal,
          timeoutMultiplier: options.timeoutMultiplier,
          environmentCache: options.environmentCache,
          onUsage: (u) => emit({ type: 'trial-usage', trial: name, ...u }),
        }, { onStart: () => emit({ type: 'trial-start', trial: name }), jobId: config.id });
        results.set(name, result);
        writeResult(false);
        emit({ type: 'trial-done', trial: name, result });
      } catch (error) {
        if (error instanceof TrialInterrupted || options.signal?.aborted) return;
        // A fault of ahe itself: the trial stays unfinished (run again on resume), the job goes on.
        emit({ type: 'trial-crashed', trial: name, error: error as Error });
      }
    });
  }
  await queue.onIdle();
  options.signal?.removeEventListener('abort', onAbort);
  const complete = !interrupted && plan.every((p) => results.has(trialName(p.task.name, p.attempt)));
  return { result: writeResult(complete), interrupted, resultFile };
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
  }
}
