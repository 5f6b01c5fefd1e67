// One evaluation inside an evolution: the harness as it is in the workspace, on one split, into a
// job directory (resumable like any `ahe eval` job: re-running it after a crash runs only what is
// missing). It says whether it is complete — every task × attempt measured — because the loop may
// compute nothing from an evaluation that is not.

import type { JobResult } from '../bench/job-summary.ts';
import { loadTaskSuite } from '../bench/load-task.ts';
import { type JobEvent, runJob, type TrialExecutor } from '../bench/run-job.ts';
import {
  NO_SELECTION,
  type SelectionFlagNames,
  selectTasks,
  type TaskSelection,
  TRAIN_SELECTION_FLAGS,
} from '../bench/select-tasks.ts';
import type { Task } from '../bench/task.ts';
import type { BackendKind } from '../bench/trial-context.ts';
import { RunStoppedError, UserError } from '../errors.ts';
import { loadHarness } from '../harness/load-harness.ts';
import { createModel } from '../model/create-model.ts';
import type { PriceTable } from '../model/prices.ts';
import type { Model, ModelContext } from '../model/types.ts';

export interface EvaluateOptions {
  harnessDir: string;
  tasks: Task[];
  tasksDir: string;
  /** How `tasks` were chosen from `tasksDir` (recorded in the job's config.json). */
  taskSelection?: TaskSelection;
  /** Where the trials run (default bwrap). */
  backend?: BackendKind;
  model: string;
  /** Makes each trial's model (default: createModel of `model` with `prices` and `maxRetries`). */
  newModel?: (context?: ModelContext) => Promise<Model>;
  /** The evolve iteration this evaluation belongs to (part of each trial model's context). */
  iteration?: number;
  /** Attempts per task (the evaluation policy's plan; default k for every task). */
  attempts?: Readonly<Record<string, number>>;
  k: number;
  concurrency: number;
  jobDir: string;
  prices?: PriceTable;
  maxRetries?: number;
  timeoutMultiplier?: number;
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** Where trials run (default here; `--queue` passes the queue's executor, whose workers bound concurrency). */
  executeTrial?: TrialExecutor;
  /** Stop after this many infrastructure errors in a row (run-job's default when undefined). */
  maxConsecutiveInfraFailures?: number;
}

export interface Evaluation {
  result: JobResult;
  interrupted: boolean;
  /** Every task × attempt of the plan has a measured result (`result.missing_trials` is empty). */
  complete: boolean;
  /** Why the job stopped early (infrastructure errors in a row), when it did. */
  stopped?: string;
}

/**
 * An evaluation of an evolve run lacks measured trials (lost, crashed, or infrastructure errors) after
 * its retries: the run stops at that step, saved, and `ahe evolve --resume` runs only what is missing.
 */
export class EvaluationIncompleteError extends RunStoppedError {
  override name = 'EvaluationIncompleteError';
  constructor(
    message: string,
    readonly missingTrials: readonly string[],
  ) {
    super(message);
  }
}

/**
 * The tasks of a split: its loadable tasks (broken ones are reported through `warn` and left out),
 * narrowed by the split's selection (src/bench/select-tasks.ts; `flags` names its flags in errors).
 * Multi-step tasks are kept: the trial runs them, or records why it cannot.
 */
export function loadSplit(
  dir: string,
  warn: (line: string) => void,
  selection: TaskSelection = NO_SELECTION,
  flags: SelectionFlagNames = TRAIN_SELECTION_FLAGS,
): Task[] {
  const suite = loadTaskSuite(dir);
  for (const p of suite.problems) warn(`skipped ${p.path}: ${p.field ? `${p.field}: ` : ''}${p.message}`);
  if (suite.tasks.length === 0) throw new UserError(`${flags.suite} ${dir}: no loadable task found`);
  return selectTasks(suite.tasks, selection, { dir, flags });
}

export async function evaluateHarness(options: EvaluateOptions): Promise<Evaluation> {
  const harness = await loadHarness(options.harnessDir);
  const newModel =
    options.newModel ??
    ((context?: ModelContext) =>
      createModel(options.model, { prices: options.prices, maxRetries: options.maxRetries, context }));
  const outcome = await runJob({
    jobDir: options.jobDir,
    tasks: options.tasks,
    taskSelection: options.taskSelection,
    k: options.k,
    ...(options.attempts ? { attempts: options.attempts } : {}),
    agent: {
      kind: 'harness',
      harness,
      modelSpec: options.model,
      newModel,
      ...(options.iteration !== undefined ? { iteration: options.iteration } : {}),
    },
    backend: options.backend ?? 'bwrap',
    concurrency: options.executeTrial ? Number.POSITIVE_INFINITY : options.concurrency,
    executeTrial: options.executeTrial,
    timeoutMultiplier: options.timeoutMultiplier,
    signal: options.signal,
    onEvent: options.onEvent,
    tasksDir: options.tasksDir,
    maxConsecutiveInfraFailures: options.maxConsecutiveInfraFailures,
  });
  return {
    result: outcome.result,
    interrupted: outcome.interrupted,
    complete: outcome.complete,
    ...(outcome.stopped ? { stopped: outcome.stopped } : {}),
  };
}
