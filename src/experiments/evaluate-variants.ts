// Evaluates several harnesses on the same tasks, one job each, one after another, under one budget —
// the measuring part of `ahe ablate` and `ahe transfer`. Every job is an ordinary `ahe eval` job
// (evaluateHarness, Harbor layout), so running the same command again continues each job and never
// re-runs a finished trial, also after kill -9. The budget counts everything the experiment's jobs
// have spent, earlier invocations included: it stops between jobs, and inside a job as soon as the
// running trials reach it (they are torn down; finished trials are kept), so the same command with
// a larger budget continues where it stopped (src/experiments/experiment-spend.ts counts the spend).
import type { JobResult } from '../bench/job-summary.ts';
import type { JobEvent, TrialExecutor } from '../bench/run-job.ts';
import type { TaskSelection } from '../bench/select-tasks.ts';
import type { Task } from '../bench/task.ts';
import type { BackendKind } from '../bench/trial-context.ts';
import { evaluateHarness } from '../evolve/evaluate-harness.ts';
import type { Model, ModelContext } from '../model/types.ts';
import type { Spend } from '../model/usage.ts';
import {
  type Budget,
  budgetReached,
  readJobResult,
  recordTornDown,
  spentByJobs,
  tokensOf,
} from './experiment-spend.ts';

export interface VariantJob {
  name: string;
  harnessDir: string;
  jobDir: string;
}

export interface EvaluateVariantsOptions {
  jobs: readonly VariantJob[];
  tasks: Task[];
  tasksDir: string;
  selection: TaskSelection;
  model: string;
  /** The coding model of one trial, given the trial's context (the simulator's `sim:` model reads it). */
  newModel: (context?: ModelContext) => Promise<Model>;
  k: number;
  concurrency: number;
  backend: BackendKind;
  timeoutMultiplier?: number;
  executeTrial?: TrialExecutor;
  maxConsecutiveInfraFailures?: number;
  budget: Budget;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  log: (line: string) => void;
  /** The experiment's ledger of trials torn down before they wrote a result (JSON, written atomically). */
  spendFile: string;
}

/** What an experiment (ablate, transfer) gives: everything but its jobs and its ledger file, which it places itself. */
export type ExperimentEvaluation = Omit<EvaluateVariantsOptions, 'jobs' | 'spendFile'>;

export type VariantStatus = 'complete' | 'incomplete' | 'not run';

export interface VariantJobOutcome {
  name: string;
  jobDir: string;
  status: VariantStatus;
  /** The job's result.json, once the job has run at all. */
  result?: JobResult;
}

export interface VariantsOutcome {
  outcomes: VariantJobOutcome[];
  /** Why the experiment stopped before measuring everything (a budget, infrastructure errors), if it did. */
  stopped?: string;
  interrupted: boolean;
  /** What every job of the experiment has spent, earlier invocations included. */
  spent: Spend;
}

/** Runs of a job within one invocation when trials are missing (lost, crashed, infrastructure errors), as in evolve. */
const ATTEMPTS = 3;

/** Evaluates the jobs in order; stops at a budget, an interruption, or a job that stays incomplete. */
export async function evaluateVariants(options: EvaluateVariantsOptions): Promise<VariantsOutcome> {
  const allDirs = options.jobs.map((j) => j.jobDir);
  const planned = options.tasks.length * options.k;
  // A job an earlier invocation finished counts as complete even if this one stops before reaching it.
  const outcomes: VariantJobOutcome[] = options.jobs.map((j) => {
    const result = readJobResult(j.jobDir);
    const done = result !== undefined && result.missing_trials.length === 0 && result.n_total_trials === planned;
    return { name: j.name, jobDir: j.jobDir, status: done ? 'complete' : 'not run', result };
  });
  let stopped: string | undefined;
  let interrupted = false;
  for (const [i, job] of options.jobs.entries()) {
    const outcome = outcomes[i]!;
    // A job finished by an earlier invocation is opened again all the same (nothing runs): run-job then
    // checks that it was measured under the same settings (model, tasks, k…), and no budget applies.
    const finished = outcome.status === 'complete';
    const before = spentByJobs(allDirs, options.spendFile);
    if (!finished) {
      stopped = budgetReached({ tokens: tokensOf(before), costUsd: before.costUsd }, options.budget);
      if (stopped) break;
    }
    // Inside the job: the running trials' usage (cumulative per trial) over what the files said before.
    const live = new Map<string, { tokens: number; costUsd: number }>();
    const finishedHere = new Set<string>();
    const budgetStop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, budgetStop.signal]) : budgetStop.signal;
    const onEvent = (e: JobEvent) => {
      options.onEvent?.(e);
      if (e.type === 'trial-done') finishedHere.add(e.trial);
      if (e.type !== 'trial-usage' || budgetStop.signal.aborted) return;
      live.set(e.trial, { tokens: e.tokens, costUsd: e.costUsd });
      let tokens = tokensOf(before);
      let costUsd = before.costUsd;
      for (const u of live.values()) {
        tokens += u.tokens;
        costUsd += u.costUsd;
      }
      const reason = budgetReached({ tokens, costUsd }, options.budget);
      if (reason) {
        stopped = reason;
        budgetStop.abort();
      }
    };
    options.log(`${job.name}: evaluating ${job.harnessDir}`);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const evaluation = await evaluateHarness({
        harnessDir: job.harnessDir,
        tasks: options.tasks,
        tasksDir: options.tasksDir,
        taskSelection: options.selection,
        backend: options.backend,
        model: options.model,
        newModel: options.newModel,
        k: options.k,
        concurrency: options.concurrency,
        jobDir: job.jobDir,
        timeoutMultiplier: options.timeoutMultiplier,
        signal,
        onEvent,
        executeTrial: options.executeTrial,
        maxConsecutiveInfraFailures: options.maxConsecutiveInfraFailures,
      });
      outcome.result = evaluation.result;
      outcome.status = evaluation.complete ? 'complete' : 'incomplete';
      if (evaluation.complete) break;
      if (evaluation.interrupted) {
        interrupted = !budgetStop.signal.aborted;
        break;
      }
      if (evaluation.stopped) {
        stopped = `${job.name}: ${evaluation.stopped}`;
        break;
      }
      if (attempt === ATTEMPTS)
        stopped = `${job.name}: ${evaluation.result.missing_trials.length} trials still have no measured result after ${ATTEMPTS} runs`;
    }
    recordTornDown(options.spendFile, live, finishedHere, job.jobDir);
    if (interrupted || stopped) break;
  }
  return { outcomes, ...(stopped ? { stopped } : {}), interrupted, spent: spentByJobs(allDirs, options.spendFile) };
}
