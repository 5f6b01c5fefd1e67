// Evaluates several harnesses on the same tasks, one job each, one after another, under one budget —
// the measuring part of `ahe ablate` and `ahe transfer`. Every job is an ordinary `ahe eval` job
// (evaluateHarness, Harbor layout), so running the same command again continues each job and never
// re-runs a finished trial, also after kill -9. The budget counts everything the experiment's jobs
// have spent, earlier invocations included: it stops between jobs, and inside a job as soon as the
// running trials reach it (they are torn down; finished trials are kept), so the same command with
// a larger budget continues where it stopped. Trials torn down by a budget or Ctrl-C leave no result,
// but their model calls were paid for: what they had spent is added to a small ledger (`spendFile`), so
// the budget of the next invocation counts it (a kill -9 gives no chance to, and loses that part).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { differingSettings, type JobSettings } from '../bench/job-settings.ts';
import type { JobResult } from '../bench/job-summary.ts';
import type { JobEvent, TrialExecutor } from '../bench/run-job.ts';
import type { TaskSelection } from '../bench/select-tasks.ts';
import type { Task } from '../bench/task.ts';
import type { BackendKind } from '../bench/trial-context.ts';
import { UserError } from '../errors.ts';
import { evaluateHarness } from '../evolve/evaluate-harness.ts';
import { jobSpend } from '../evolve/job-spend.ts';
import { harnessContentHash } from '../harness/content-hash.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import type { Model } from '../model/types.ts';
import { addSpend, type Spend, ZERO_SPEND } from '../model/usage.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';

export interface VariantJob {
  name: string;
  harnessDir: string;
  jobDir: string;
}

export interface Budget {
  usd: number | null;
  tokens: number | null;
}

export interface EvaluateVariantsOptions {
  jobs: readonly VariantJob[];
  tasks: Task[];
  tasksDir: string;
  selection: TaskSelection;
  model: string;
  newModel: () => Promise<Model>;
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

/** The ledger of torn-down trials in an experiment directory. */
export const UNRECORDED_SPEND_FILE = 'torn-down-spend.json';

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

export function readJobResult(jobDir: string): JobResult | undefined {
  const file = join(jobDir, 'result.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JobResult;
  } catch {
    return undefined;
  }
}

interface Unrecorded {
  trials: number;
  tokens: number;
  cost_usd: number;
}

function readUnrecorded(file: string): Unrecorded {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Unrecorded>;
    return { trials: v.trials ?? 0, tokens: v.tokens ?? 0, cost_usd: v.cost_usd ?? 0 };
  } catch {
    return { trials: 0, tokens: 0, cost_usd: 0 };
  }
}

/**
 * What the jobs have spent so far, from their files (trials run again after an infrastructure error
 * included), plus the ledger of torn-down trials when given.
 */
export function spentByJobs(jobDirs: readonly string[], spendFile?: string): Spend {
  const recorded = jobDirs.reduce((sum, dir) => {
    const result = readJobResult(dir);
    return result ? addSpend(sum, jobSpend(result, dir)) : sum;
  }, ZERO_SPEND);
  if (!spendFile || !existsSync(spendFile)) return recorded;
  const u = readUnrecorded(spendFile);
  // Torn-down trials report a running total of tokens, not their split: counted as completion tokens.
  return addSpend(recorded, { ...ZERO_SPEND, calls: u.trials, completionTokens: u.tokens, costUsd: u.cost_usd });
}

/** What a job of the experiment will be measured under, as its config.json records it. */
export interface RequestedSettings {
  tasksDir: string;
  taskNames: string[];
  k: number;
  model: string;
  backend: BackendKind;
}

const recordedPart = (s: JobSettings, hash: string | null): JobSettings => ({
  tasks_dir: s.tasks_dir,
  task_names: s.task_names,
  k: s.k,
  backend: s.backend,
  agent: { model: s.agent?.model ?? null, harness: { content_hash: hash ?? undefined } },
});

/**
 * Refuses, before anything runs or is estimated, to continue a job of the experiment that was measured
 * under other settings (tasks, k, model, backend, or a harness whose files changed since, e.g. RUN/best
 * after the run went on): its trials would be mixed with new ones. run-job checks every setting again.
 */
export function checkRecordedSettings(jobs: readonly VariantJob[], requested: RequestedSettings, hint: string): void {
  for (const job of jobs) {
    const file = join(job.jobDir, 'config.json');
    if (!existsSync(file)) continue;
    let recorded: JobSettings;
    try {
      recorded = JSON.parse(readFileSync(file, 'utf8')) as JobSettings;
    } catch {
      continue; // run-job says what is wrong with it
    }
    const hash = harnessContentHash(job.harnessDir, listHarnessFiles(job.harnessDir));
    const differences = differingSettings(recordedPart(recorded, recorded.agent?.harness?.content_hash ?? null), {
      tasks_dir: requested.tasksDir,
      task_names: requested.taskNames,
      k: requested.k,
      backend: requested.backend,
      agent: { model: requested.model, harness: { content_hash: hash } },
    });
    if (differences.length)
      throw new UserError(
        `${job.name}: ${file} was measured with other settings; differs: ${differences.join('; ')} — ${hint}`,
      );
  }
}

/** The reason to stop, or undefined. */
export function budgetReached(spent: { tokens: number; costUsd: number }, budget: Budget): string | undefined {
  if (budget.usd !== null && spent.costUsd >= budget.usd)
    return `cost budget reached: $${spent.costUsd.toFixed(2)} of $${budget.usd}`;
  if (budget.tokens !== null && spent.tokens >= budget.tokens)
    return `token budget reached: ${spent.tokens} of ${budget.tokens}`;
  return undefined;
}

const tokensOf = (s: Spend) => s.promptTokens + s.completionTokens;

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
    recordTornDown(options.spendFile, live, finishedHere);
    if (interrupted || stopped) break;
  }
  return { outcomes, ...(stopped ? { stopped } : {}), interrupted, spent: spentByJobs(allDirs, options.spendFile) };
}

/** Adds what trials that started but wrote no result had spent to the ledger. */
function recordTornDown(
  file: string,
  live: ReadonlyMap<string, { tokens: number; costUsd: number }>,
  finished: ReadonlySet<string>,
): void {
  const torn = [...live].filter(([trial]) => !finished.has(trial)).map(([, u]) => u);
  if (torn.length === 0) return;
  const u = readUnrecorded(file);
  writeJsonAtomic(file, {
    trials: u.trials + torn.length,
    tokens: u.tokens + torn.reduce((s, x) => s + x.tokens, 0),
    cost_usd: u.cost_usd + torn.reduce((s, x) => s + x.costUsd, 0),
  });
}
