// What every step of an evolve run shares: the run directory, its config and state, the harness
// workspace, the task splits, the models of each role, and the evaluation that is never judged while
// incomplete. runEvolve (../run-evolve.ts) opens it once; each step (./evaluate.ts … ./evolve.ts)
// reads it, writes its outputs, then records itself done through it.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobResult, JobSummary } from '../../bench/job-summary.ts';
import type { JobEvent, TrialExecutor } from '../../bench/run-job.ts';
import { HOLDOUT_SELECTION_FLAGS, type TaskSelection, TRAIN_SELECTION_FLAGS } from '../../bench/select-tasks.ts';
import type { Task } from '../../bench/task.ts';
import { InterruptedError } from '../../errors.ts';
import { createModel } from '../../model/create-model.ts';
import { withFallback } from '../../model/fallback-model.ts';
import type { PriceTable } from '../../model/prices.ts';
import { withReasoningEffort } from '../../model/reasoning-effort.ts';
import type { Model, ModelContext } from '../../model/types.ts';
import { addSpend, ZERO_SPEND } from '../../model/usage.ts';
import { carriedOutcomes } from '../eval-policy.ts';
import { EvaluationIncompleteError, evaluateHarness, loadSplit } from '../evaluate-harness.ts';
import {
  type EvolveConfig,
  holdoutSelection,
  type RunConfig,
  roleEffort,
  roleFallback,
  trainSelection,
} from '../evolve-config.ts';
import { ledgerFromIterations } from '../iteration-usage.ts';
import { trainHistory } from '../policy-views.ts';
import {
  completeStep,
  createRunState,
  iterationDir,
  loadRunState,
  type Role,
  type RunState,
  type RunStep,
  saveRunState,
  stopRun,
} from '../run-state.ts';
import { createWorkspace, openWorkspace, type Workspace } from '../workspace.ts';

export interface EvolveOptions {
  runDir: string;
  /** For a new run (keys with defaults may be left out); a resumed run takes its config from state.json. */
  config?: EvolveConfig;
  prices?: PriceTable;
  maxRetries?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onJobEvent?: (event: JobEvent) => void;
  /** Where the evaluations' trials run (default here; `ahe evolve --queue` passes a queue's executor). */
  executeTrial?: TrialExecutor;
  /** Called after every completed step (`ahe evolve` rewrites RUN/report.html; tests simulate a crash). */
  afterStep?: (state: RunState) => void;
  /** An evaluation stops after this many infrastructure errors in a row (default 5, run-job's). */
  maxConsecutiveInfraFailures?: number;
  /** How many times the missing trials of an incomplete evaluation are run again before the run stops (default 2). */
  evaluationRetries?: number;
  /**
   * Makes a role's model from its spec in the config (default: createModel with `prices` and `maxRetries`).
   * Called once per coding trial (a model may keep per-session state) and once per debug or evolve step.
   * A library caller passes its own Model objects this way; the specs then only name them in state.json.
   */
  resolveModel?: ModelResolver;
}

/** Makes the model of a role from the spec the run's config gives it. */
export type ModelResolver = (spec: string, role: Role) => Model | Promise<Model>;

export const DEFAULT_EVALUATION_RETRIES = 2;

export interface RunContext {
  runDir: string;
  options: EvolveOptions;
  /** The run's configuration with its defaults (state.json's). */
  config: RunConfig;
  /** The run's state; a step replaces it (done, stop) and never edits it in place. */
  state: RunState;
  ws: Workspace;
  train: Task[];
  holdout: Task[];
  log: (line: string) => void;
}

/** Opens a run: resumes RUN/state.json when there is one, else creates the run from options.config. */
export async function openRun(options: EvolveOptions): Promise<RunContext> {
  const runDir = resolve(options.runDir);
  const log = options.log ?? (() => {});
  let state: RunState;
  let ws: Workspace;
  if (existsSync(join(runDir, 'state.json'))) {
    state = loadRunState(runDir);
    ws = await openWorkspace(runDir);
    log(`resuming ${runDir} at iteration ${state.iteration}, step ${state.step}`);
  } else {
    if (!options.config) throw new Error('a new run needs its config');
    mkdirSync(runDir, { recursive: true });
    ws = await createWorkspace(runDir, resolve(options.config.harness));
    state = createRunState(options.config);
    saveRunState(runDir, state);
  }
  const config = state.config;
  const warn = (line: string) => log(`  ${line}`);
  const train = loadSplit(resolve(config.tasks), warn, trainSelection(config), TRAIN_SELECTION_FLAGS);
  const holdout = config.holdout
    ? loadSplit(resolve(config.holdout), warn, holdoutSelection(config), HOLDOUT_SELECTION_FLAGS)
    : [];
  return { runDir, options, config, state, ws, train, holdout, log };
}

/** Records `step` as done (after its outputs are written), with the ledger recomputed from the files. */
export function stepDone(ctx: RunContext, step: RunStep): void {
  ctx.state = completeStep(
    ctx.runDir,
    { ...ctx.state, ledger: ledgerFromIterations(ctx.runDir, ctx.state.iteration) },
    step,
  );
  ctx.options.afterStep?.(ctx.state);
}

/** Ends the run with a reason (it can be extended or resumed from the step it stopped at). */
export function stopAt(ctx: RunContext, reason: string, state: RunState = ctx.state): void {
  ctx.state = stopRun(state, reason);
  saveRunState(ctx.runDir, ctx.state);
}

/** The model of a role: the spec's, behind its fallback and reasoning effort when the config gives them. */
export async function modelFor(ctx: RunContext, spec: string, role: Role, context?: ModelContext): Promise<Model> {
  const { options, config } = ctx;
  const make = async (s: string) =>
    options.resolveModel
      ? options.resolveModel(s, role)
      : createModel(s, { prices: options.prices, maxRetries: options.maxRetries, context });
  // The role's fallback model takes over once this one fails with retries exhausted (src/model/fallback-model.ts).
  const fallback = roleFallback(config, role);
  const model = fallback ? withFallback(await make(spec), await make(fallback)) : await make(spec);
  const effort = roleEffort(config, role);
  return effort ? withReasoningEffort(model, effort) : model;
}

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** An iteration's training (`job`) or held-out (`holdout-job`) result, when it was evaluated. */
export function summaryOf(runDir: string, n: number, split: 'job' | 'holdout-job'): JobSummary | undefined {
  const file = join(iterationDir(runDir, n), split, 'result.json');
  return existsSync(file) ? readJson<JobSummary>(file) : undefined;
}

/**
 * Iteration n's training pass@1 over every training task: the job's under `fixed`; under `adaptive`,
 * whose job ran only some tasks, the tasks not run carry their last outcome (as stats.json scores it).
 */
export function trainScore(ctx: RunContext, n: number): number | undefined {
  const summary = summaryOf(ctx.runDir, n, 'job');
  if (!summary || ctx.config.eval_policy === 'fixed') return summary?.pass_at_1;
  const outcomes = Object.values(carriedOutcomes(trainHistory(ctx.runDir, n + 1))).filter((o) => o.n > 0);
  return outcomes.length ? outcomes.reduce((sum, o) => sum + o.c / o.n, 0) / outcomes.length : undefined;
}

/** Whether iteration n's training pass@1 reached --target-pass-rate (the run then ends after it, held-out included). */
export function reachedTarget(ctx: RunContext, n: number): boolean {
  const target = ctx.config.target_pass_rate;
  if (target === null) return false;
  const score = trainScore(ctx, n);
  return score !== undefined && score >= target;
}

/** The reason to stop before spending more, or undefined. */
export function budgetExceeded(ctx: RunContext): string | undefined {
  const { config } = ctx;
  const spent = Object.values(ctx.state.ledger).reduce(addSpend, ZERO_SPEND);
  const tokens = spent.promptTokens + spent.completionTokens;
  const cost = spent.costUsd;
  // Wall time since the run was created (a resumed run counts the time it was stopped too).
  const minutes = (Date.now() - Date.parse(ctx.state.created_at)) / 60_000;
  if (config.budget_usd !== null && cost >= config.budget_usd)
    return `cost budget reached: $${cost.toFixed(2)} of $${config.budget_usd}`;
  if (config.budget_tokens !== null && tokens >= config.budget_tokens)
    return `token budget reached: ${tokens} of ${config.budget_tokens}`;
  if (config.budget_minutes !== null && minutes >= config.budget_minutes)
    return `time budget reached: ${minutes.toFixed(1)} of ${config.budget_minutes} minutes`;
  return undefined;
}

/** One evaluation of a harness on a split. */
export interface EvaluationRequest {
  split: 'train' | 'holdout';
  jobDir: string;
  /** Names the evaluation in messages, e.g. "iteration 3: training evaluation". */
  what: string;
  /** Default: the workspace. */
  harnessDir?: string;
  /** The iteration the trials belong to (simulated models draw by it). */
  iteration?: number;
  /** Attempts per task (the evaluation policy's plan); default k for every task. */
  attempts?: Record<string, number>;
}

/** A short list of trial names for a message: the first few, then how many more. */
function listTrials(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** A complete evaluation's result, or EvaluationIncompleteError with the run left at this step. */
export async function evaluateComplete(ctx: RunContext, request: EvaluationRequest): Promise<JobResult> {
  const { config, options, runDir } = ctx;
  const retries = options.evaluationRetries ?? DEFAULT_EVALUATION_RETRIES;
  const train = request.split === 'train';
  const tasks = train ? ctx.train : ctx.holdout;
  const tasksDir = resolve(train ? config.tasks : config.holdout!);
  const taskSelection: TaskSelection = train ? trainSelection(config) : holdoutSelection(config);
  for (let tries = 1; ; tries++) {
    const evaluation = await evaluateHarness({
      harnessDir: request.harnessDir ?? ctx.ws.dir,
      tasks,
      tasksDir,
      taskSelection,
      backend: config.backend,
      model: config.model,
      newModel: (context) => modelFor(ctx, config.model, 'coding', context),
      ...(request.iteration !== undefined ? { iteration: request.iteration } : {}),
      ...(request.attempts ? { attempts: request.attempts } : {}),
      k: config.k,
      concurrency: config.concurrency,
      jobDir: request.jobDir,
      prices: options.prices,
      maxRetries: options.maxRetries,
      timeoutMultiplier: config.timeout_multiplier,
      signal: options.signal,
      onEvent: options.onJobEvent,
      executeTrial: options.executeTrial,
      maxConsecutiveInfraFailures: options.maxConsecutiveInfraFailures,
    });
    if (evaluation.interrupted) throw new InterruptedError('the evolve run');
    if (evaluation.complete) return evaluation.result;
    const missing = evaluation.result.missing_trials;
    const resume = `nothing was judged on it; the run is saved: continue with ahe evolve --resume ${runDir}`;
    if (evaluation.stopped)
      throw new EvaluationIncompleteError(
        `${request.what}: ${evaluation.stopped.replace(/; fix the model or provider, then run again to resume$/, '')}; fix the model or provider — ${resume}`,
        missing,
      );
    if (tries > retries)
      throw new EvaluationIncompleteError(
        `${request.what}: still incomplete after ${tries} tries, ${missing.length} trial(s) without a measured result (${listTrials(missing)}) — ${resume}`,
        missing,
      );
    ctx.log(
      `${request.what}: incomplete, ${missing.length} trial(s) without a measured result (${listTrials(missing)}); running them again (retry ${tries} of ${retries})`,
    );
  }
}
