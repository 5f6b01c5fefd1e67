// What `ahe ablate` and `ahe transfer` do alike before and around their evaluations: settle the tasks,
// model, k and backend (flags over the run's recorded ones), check the model (a bad spec or missing
// key fails now; a USD budget needs a known price), print the estimate, and run the evaluations with
// progress, Ctrl-C and the queue as `ahe eval` and `ahe evolve` do.
import { resolve } from 'node:path';
import type { JobEvent } from '../bench/run-job.ts';
import { selectionFrom, selects, TRAIN_SELECTION_FLAGS } from '../bench/select-tasks.ts';
import type { Task } from '../bench/task.ts';
import type { BackendKind } from '../bench/trial-context.ts';
import { UserError } from '../errors.ts';
import { checkRecordedSettings } from '../experiments/check-recorded-settings.ts';
import { estimateExperiment } from '../experiments/estimate-experiment.ts';
import type { EvaluateVariantsOptions, ExperimentEvaluation, VariantJob } from '../experiments/evaluate-variants.ts';
import { defaultSuite, type ExperimentRun, type Suite } from '../experiments/open-run.ts';
import { createModel } from '../model/create-model.ts';
import { checkModelFlag } from '../model/model-file.ts';
import { loadPriceTable, type PriceTable } from '../model/prices.ts';
import type { ReasoningEffort } from '../model/reasoning-levels.ts';
import { openTrialQueue } from '../queue/enqueue-job.ts';
import { shownModel } from '../report/shown.ts';
import { checkBackend } from './check-backend.ts';
import { loadSelectedTasks } from './eval-action.ts';
import type { HarnessExperimentFlags } from './harness-experiment-options.ts';
import { INTERRUPTED_EXIT, interruptible } from './interruptible.ts';
import { createJobProgress } from './job-progress.ts';
import { formatCost, formatTokens } from './progress-view.ts';

export interface ExperimentSetup {
  suite: Suite;
  tasks: Task[];
  model: string;
  k: number;
  backend: BackendKind;
  concurrency: number;
  timeoutMultiplier: number;
  prices?: PriceTable;
  reasoningEffort?: ReasoningEffort;
  fallback?: string;
  newModel: EvaluateVariantsOptions['newModel'];
  costKnown: boolean;
}

/** The tasks: --tasks (with the selection flags), else the run's default suite (the selection flags replace its recorded one). */
function suiteFrom(flags: HarnessExperimentFlags, run: ExperimentRun): Suite {
  const given = selectionFrom(flags);
  if (flags.tasks)
    return { dir: resolve(flags.tasks), selection: given, flags: TRAIN_SELECTION_FLAGS, source: '--tasks' };
  const suite = defaultSuite(run.config);
  return selects(given) ? { ...suite, selection: given, flags: TRAIN_SELECTION_FLAGS } : suite;
}

export async function setUpExperiment(
  flags: HarnessExperimentFlags,
  run: ExperimentRun,
  model: string,
): Promise<ExperimentSetup> {
  const { config } = run;
  const suite = suiteFrom(flags, run);
  const tasks = loadSelectedTasks(
    suite.dir,
    suite.selection,
    (l) => process.stderr.write(`${l}\n`),
    flags.skipInvalidTasks,
  );
  checkModelFlag(model, '--model', 'trial');
  (await import('../sim/scenario.ts')).checkScenarioCovers(
    model,
    '--model',
    tasks.map((t) => t.name),
  );
  const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
  // The run's reasoning effort and fallback belong to the run's model; another model is measured as given.
  const sameModel = model === config.model;
  const reasoningEffort = sameModel ? (config.reasoning_effort ?? undefined) : undefined;
  const fallback = sameModel ? (config.fallback_model ?? undefined) : undefined;
  const modelOptions = {
    prices,
    maxRetries: flags.maxRetries,
    ...(reasoningEffort ? { reasoningEffort } : {}),
    ...(fallback ? { fallback } : {}),
  };
  const costKnown = (await createModel(model, modelOptions)).priced !== false;
  if (flags.budgetUsd !== undefined && !costKnown)
    throw new UserError(
      `--budget-usd ${flags.budgetUsd}: no price is known for ${model}, so its calls would count as $0 and the budget could not stop the experiment.\n` +
        `Give the price with --prices FILE (USD per 1M tokens), e.g.:\n  ${model}: { input: 1.25, cached_input: 0.125, output: 10 }   # your provider's current price\n` +
        'or use --budget-tokens.',
    );
  return {
    suite,
    tasks,
    model,
    k: flags.k ?? config.k,
    backend: flags.backend ?? config.backend,
    concurrency: flags.concurrency ?? config.concurrency,
    timeoutMultiplier: flags.timeoutMultiplier ?? config.timeout_multiplier,
    prices,
    reasoningEffort,
    fallback,
    newModel: (context) => createModel(model, { ...modelOptions, context }),
    costKnown,
  };
}

/** Refuses to continue jobs measured under other settings (see checkRecordedSettings), with the command's way out. */
function refuseOtherSettings(setup: ExperimentSetup, jobs: readonly VariantJob[], hint: string): void {
  checkRecordedSettings(
    jobs,
    {
      tasksDir: setup.suite.dir,
      taskNames: setup.tasks.map((t) => t.name).sort(),
      k: setup.k,
      model: setup.model,
      backend: setup.backend,
    },
    hint,
  );
}

/** Prints the plan's estimate (trials still to run at the evolve estimate's per-trial assumption). */
function printEstimate(command: string, setup: ExperimentSetup, jobDirs: readonly string[], what: string): void {
  const e = estimateExperiment({
    jobDirs,
    tasks: setup.tasks.length,
    k: setup.k,
    model: setup.model,
    prices: setup.prices,
  });
  process.stderr.write(
    `ahe ${command} · ${what} · ${setup.tasks.length} tasks (${setup.suite.source}: ${setup.suite.dir}) × k=${setup.k} · model ${shownModel(setup.model)} · backend ${setup.backend}\n` +
      `cost estimate (assumes ~${formatTokens(e.prompt_tokens_per_trial)} prompt tokens per trial): ${e.planned - e.measured} trials to run of ${e.planned} (${e.measured} already measured), ~${formatTokens(e.tokens)} tokens, ${e.cost_usd === null ? 'price unknown (add it with --prices)' : `~${formatCost(e.cost_usd)}`}\n`,
  );
}

/** The evaluation options of an experiment, and a cleanup; with --queue the workers run the trials. */
async function evaluationContext(
  flags: HarnessExperimentFlags,
  setup: ExperimentSetup,
): Promise<{ options: ExperimentEvaluation; close: () => Promise<void> }> {
  if (!flags.queue) await checkBackend(setup.backend);
  const trialQueue = flags.queue
    ? await openTrialQueue({
        url: flags.queue,
        backend: setup.backend,
        prices: setup.prices,
        maxRetries: flags.maxRetries,
        reasoningEffort: setup.reasoningEffort,
        fallback: setup.fallback,
      })
    : undefined;
  const { signal, dispose } = interruptible(process.stderr);
  let progress: ReturnType<typeof createJobProgress> | undefined;
  const onEvent = (e: JobEvent) => {
    if (flags.quiet) return;
    if (e.type === 'planned') {
      progress?.stop();
      progress = createJobProgress(process.stderr, { quiet: false });
    }
    progress?.onEvent(e);
  };
  return {
    options: {
      tasks: setup.tasks,
      tasksDir: setup.suite.dir,
      selection: setup.suite.selection,
      model: setup.model,
      newModel: setup.newModel,
      k: setup.k,
      concurrency: setup.concurrency,
      backend: setup.backend,
      timeoutMultiplier: setup.timeoutMultiplier,
      executeTrial: trialQueue?.executeTrial,
      maxConsecutiveInfraFailures: flags.maxInfraFailures,
      budget: { usd: flags.budgetUsd ?? null, tokens: flags.budgetTokens ?? null },
      signal,
      onEvent,
      log: (l) => process.stderr.write(`${l}\n`),
    },
    close: async () => {
      progress?.stop();
      dispose();
      await trialQueue?.close();
    },
  };
}

/** Exit status and last line of an experiment: interrupted 130, stopped by missing trials 1, else 0 (a budget stop included). */
function finish(command: string, result: { interrupted: boolean; complete: boolean; stopped: string | null }): void {
  if (result.interrupted) {
    process.stderr.write(`ahe: interrupted; run the same ahe ${command} command again to continue\n`);
    process.exitCode = INTERRUPTED_EXIT;
  } else if (!result.complete && result.stopped && /budget reached/.test(result.stopped)) {
    process.stderr.write(`ahe: ${result.stopped}; raise the budget and run the same command again to continue\n`);
  } else if (!result.complete) {
    process.stderr.write(
      `ahe: incomplete (${result.stopped ?? 'trials are missing'}); run the same command again to run what is missing\n`,
    );
    process.exitCode = 1;
  }
}

/** What an experiment's evaluation gives back (runAblation, runTransfer). */
export interface ExperimentOutcome {
  report: { complete: boolean; stopped: string | null };
  markdown: string;
  interrupted: boolean;
}

/**
 * The part `ahe ablate` and `ahe transfer` share once their plan is made: refuse jobs measured under other
 * settings, print the estimate, stop there with --estimate-only; otherwise evaluate with progress, Ctrl-C
 * and the queue, print the Markdown report, and set the exit status.
 */
export async function estimateAndRun(
  command: string,
  flags: HarnessExperimentFlags,
  setup: ExperimentSetup,
  plan: { jobs: readonly VariantJob[]; what: string; hint: string },
  evaluate: (options: ExperimentEvaluation) => Promise<ExperimentOutcome>,
): Promise<void> {
  refuseOtherSettings(setup, plan.jobs, plan.hint);
  printEstimate(
    command,
    setup,
    plan.jobs.map((j) => j.jobDir),
    plan.what,
  );
  if (flags.estimateOnly) return;
  const { options, close } = await evaluationContext(flags, setup);
  try {
    const { report, markdown, interrupted } = await evaluate(options);
    process.stdout.write(markdown);
    finish(command, { interrupted, complete: report.complete, stopped: report.stopped });
  } finally {
    await close();
  }
}
