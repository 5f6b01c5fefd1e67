// `ahe evolve` at work: starts a run (checking everything before anything is spent) or resumes one.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadTaskSuite } from '../bench/load-task.ts';
import type { JobEvent } from '../bench/run-job.ts';
import {
  describeSelection,
  HOLDOUT_SELECTION_FLAGS,
  type SelectionFlagNames,
  selectionFrom,
  selects,
  type TaskSelection,
  TRAIN_SELECTION_FLAGS,
} from '../bench/select-tasks.ts';
import { UserError } from '../errors.ts';
import { estimateRunCost } from '../evolve/estimate-cost.ts';
import { loadSplit } from '../evolve/evaluate-harness.ts';
import { holdoutSelection, roleEffort, roleFallback, trainSelection } from '../evolve/evolve-config.ts';
import { EVOLVER_HARNESS_DIR } from '../evolve/evolve-session.ts';
import { type EvolveConfig, type RunConfig, runEvolve } from '../evolve/run-evolve.ts';
import { extendRun, loadRunState, type RunState } from '../evolve/run-state.ts';
import { writeRunSummary } from '../evolve/run-summary.ts';
import { loadHarness } from '../harness/load-harness.ts';
import { createModel } from '../model/create-model.ts';
import { checkModelFlag } from '../model/model-file.ts';
import { loadPriceTable, type PriceTable } from '../model/prices.ts';
import { openTrialQueue } from '../queue/enqueue-job.ts';
import { shownModel } from '../report/shown.ts';
import { followAlongUrl } from '../serve/find-server.ts';
import { checkBackend } from './check-backend.ts';
import { refuseForeignDir, refuseInvalidTasks } from './eval-action.ts';
import type { EvolveFlags } from './evolve-command.ts';
import { compareResumeFlags, EVOLVE_FLAGS } from './evolve-flags.ts';
import { keepReport } from './evolve-report.ts';
import { loadExperimentFile, showPath } from './experiment-file.ts';
import { INTERRUPTED_EXIT, interruptible } from './interruptible.ts';
import { createJobProgress } from './job-progress.ts';
import { formatCost, formatTokens } from './progress-view.ts';

const ROLE_NAMES = {
  coding: 'coding agent, --model',
  evolver: 'evolve agent, --evolve-model',
  debugger: 'debugger analyst, --debug-model',
} as const;

/**
 * Creates each role's model once (a bad spec or a missing key fails now, not mid-run) and, with a USD
 * budget, refuses to start when a model's price is unknown: its calls would count as $0 and the
 * budget would never stop the run.
 */
async function checkModels(
  config: EvolveConfig,
  prices: PriceTable | undefined,
  maxRetries: number | undefined,
): Promise<Partial<Record<keyof typeof ROLE_NAMES, boolean>>> {
  const roles: [keyof typeof ROLE_NAMES, string][] = [
    ['coding', config.model],
    ['evolver', config.evolve_model],
    ...(config.debug_model ? [['debugger', config.debug_model] as [keyof typeof ROLE_NAMES, string]] : []),
  ];
  const unpriced = new Map<string, string[]>();
  const costKnown: Partial<Record<keyof typeof ROLE_NAMES, boolean>> = {};
  const flagOf = { coding: '--model', evolver: '--evolve-model', debugger: '--debug-model' } as const;
  const simRole = { coding: 'trial', evolver: 'evolver', debugger: 'other' } as const;
  // Every flag's spec first (a mistake is named with its flag), then each model is made.
  for (const [role, spec] of roles) {
    checkModelFlag(spec, flagOf[role], simRole[role]);
    const fallbackSpec = roleFallback(config, role);
    if (fallbackSpec) checkModelFlag(fallbackSpec, flagOf[role].replace('model', 'fallback-model'), simRole[role]);
  }
  for (const [role, spec] of roles) {
    // A reasoning effort the role's provider does not support fails here, naming the provider.
    const reasoningEffort = roleEffort(config, role) ?? undefined;
    const fallback = roleFallback(config, role);
    const model = await createModel(spec, { prices, maxRetries, reasoningEffort, fallback });
    costKnown[role] = model.priced !== false;
    if (model.priced === false) unpriced.set(spec, [...(unpriced.get(spec) ?? []), ROLE_NAMES[role]]);
  }
  if (config.budget_usd === null || unpriced.size === 0) return costKnown;
  const which = [...unpriced].map(([spec, r]) => `${spec} (${r.join('; ')})`).join(', ');
  throw new UserError(
    `--budget-usd ${config.budget_usd}: no price is known for ${which}, so its calls would count as $0 and the budget could not stop the run.\n` +
      `Give the price with --prices FILE, a YAML file of USD per 1M tokens (cached_input is optional), e.g.:\n` +
      [...unpriced.keys()]
        .map((spec) => `  ${spec}: { input: 1.25, cached_input: 0.125, output: 10 }   # your provider's current price`)
        .join('\n') +
      `\nor drop --budget-usd (--budget-tokens needs no prices).`,
  );
}

/**
 * A task that cannot be loaded stops the run before anything is spent, unless --skip-invalid-tasks
 * or the split names its tasks (--task / --holdout-task: a broken other task is then left out).
 */
function checkSuite(flags: SelectionFlagNames, dir: string, selection: TaskSelection, skip: boolean | undefined): void {
  refuseInvalidTasks(flags.suite, dir, loadTaskSuite(dir).problems, skip || selection.include.length > 0, () => {});
}

/** Both splits of a run checked, as they will be loaded. */
function checkSuites(config: RunConfig, skip: boolean | undefined): void {
  checkSuite(TRAIN_SELECTION_FLAGS, config.tasks, trainSelection(config), skip);
  if (config.holdout) checkSuite(HOLDOUT_SELECTION_FLAGS, config.holdout, holdoutSelection(config), skip);
}

/**
 * --config FILE: the experiment file's keys become the values of the flags not given on the command
 * line (commander's value source 'config'), so the rest of the command reads them as flags. Returns
 * what the run records of it (RunConfig.experiment).
 */
function applyExperimentFile(file: string, command: Command): NonNullable<RunConfig['experiment']> {
  const experiment = loadExperimentFile(file, command);
  const overridden: string[] = [];
  for (const option of command.options) {
    const name = option.attributeName();
    if (!(name in experiment.values)) continue;
    if (command.getOptionValueSource(name) === 'cli') overridden.push(option.name());
    else command.setOptionValueWithSource(name, experiment.values[name], 'config');
  }
  process.stderr.write(
    `experiment file ${showPath(experiment.file)}${experiment.bases.length ? ` (extends ${experiment.bases.map(showPath).join(', ')})` : ''}${overridden.length ? `; the command line overrides its ${overridden.join(', ')}` : ''}\n`,
  );
  return { file: experiment.file, extends: experiment.bases, keys: experiment.keys, overridden_by_flags: overridden };
}

/**
 * --resume with other flags (or an experiment file's keys): changeable ones (iterations, budgets,
 * concurrency) are applied and may reopen a finished run; a fixed one with another value is refused by
 * name (src/cli/evolve-flags.ts). Returns the run's state as resumed; with --estimate-only the run on
 * disk is left as it was.
 */
function applyResumeFlags(runDir: string, flags: EvolveFlags, command: Command): RunState {
  const given: Record<string, unknown> = {};
  for (const option of command.options) {
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (source === 'cli' || source === 'config') given[name] = (flags as unknown as Record<string, unknown>)[name];
  }
  const state = loadRunState(runDir);
  const { changes, refused } = compareResumeFlags(given, state.config);
  if (refused.length) {
    throw new UserError(
      `--resume ${runDir}: ${refused.join(', ')} cannot change when a run is resumed (only ${Object.values(EVOLVE_FLAGS)
        .filter((f) => f.rule === 'changeable')
        .map((f) => f.flag)
        .join(', ')} can); start a new run with --out for other settings`,
    );
  }
  const { changed, state: extended } = extendRun(runDir, changes, { save: !flags.estimateOnly });
  if (changed.length)
    process.stderr.write(`${flags.estimateOnly ? 'estimating with' : 'resuming with'} ${changed.join(', ')}\n`);
  checkSuites(extended.config, flags.skipInvalidTasks);
  return extended;
}

function configFrom(flags: EvolveFlags, experiment: RunConfig['experiment']): RunConfig {
  const missing = [
    !flags.harness && '--harness',
    !flags.tasks && '--tasks',
    !flags.model && '--model',
    !flags.out && '--out',
  ].filter(Boolean);
  if (missing.length)
    throw new UserError(
      `missing ${missing.join(', ')}${experiment ? ` (as keys of ${showPath(String(experiment.file))} or as flags)` : ''} (or continue a run with --resume RUN)`,
    );
  const debug = flags.debugModel ?? flags.model!;
  const train = selectionFrom(flags, TRAIN_SELECTION_FLAGS);
  const holdout = selectionFrom(
    {
      task: flags.holdoutTask,
      exclude: flags.holdoutExclude,
      nTasks: flags.holdoutNTasks,
      sampleSeed: flags.holdoutSampleSeed,
    },
    HOLDOUT_SELECTION_FLAGS,
  );
  if (flags.method === 'tf-grpo' && flags.k < 2)
    throw new UserError(
      `--method tf-grpo compares each task's group of rollouts: it needs -k 2 or more (given -k ${flags.k})`,
    );
  if (flags.evolvers > 1 && flags.method !== 'ahe')
    throw new UserError(`--evolvers ${flags.evolvers} runs several evolve-agent sessions: it needs --method ahe`);
  if (!flags.holdout && selects(holdout))
    throw new UserError(
      `${describeSelection(holdout, HOLDOUT_SELECTION_FLAGS)}: there is no --holdout DIR to select from`,
    );
  return {
    harness: resolve(flags.harness!),
    tasks: resolve(flags.tasks!),
    holdout: flags.holdout ? resolve(flags.holdout) : null,
    model: flags.model!,
    evolve_model: flags.evolveModel ?? flags.model!,
    debug_model: debug === 'none' ? null : debug,
    reasoning_effort: flags.reasoningEffort ?? null,
    evolve_reasoning_effort: flags.evolveReasoningEffort ?? null,
    debug_reasoning_effort: flags.debugReasoningEffort ?? null,
    fallback_model: flags.fallbackModel ?? null,
    evolve_fallback_model: flags.evolveFallbackModel ?? null,
    debug_fallback_model: flags.debugFallbackModel ?? null,
    iterations: flags.iterations,
    k: flags.k,
    concurrency: flags.concurrency,
    holdout_every: flags.holdoutEvery,
    budget_usd: flags.budgetUsd ?? null,
    budget_tokens: flags.budgetTokens ?? null,
    budget_minutes: flags.budgetMinutes ?? null,
    evolve_max_steps: flags.evolveMaxSteps ?? null,
    evolve_max_minutes: flags.evolveMaxMinutes ?? null,
    timeout_multiplier: flags.timeoutMultiplier ?? 1,
    backend: flags.backend,
    task_include: train.include,
    task_exclude: train.exclude,
    n_tasks: train.n_tasks,
    sample_seed: train.sample_seed,
    holdout_include: holdout.include,
    holdout_exclude: holdout.exclude,
    holdout_n_tasks: holdout.n_tasks,
    holdout_sample_seed: holdout.sample_seed,
    method: flags.method,
    evolvers: flags.evolvers,
    evolver_hints: flags.evolverHints ?? [],
    target_pass_rate: flags.targetPassRate ?? null,
    eval_policy: flags.evalPolicy ?? 'fixed',
    review_kept: flags.reviewKept ?? false,
    experiment,
  };
}

/**
 * The cost estimate, per role, of `iterations` evolve steps and the evaluations around them (from
 * iteration `from`: a resumed run's estimate covers what is left).
 */
function printEstimate(
  config: RunConfig,
  trainTasks: number,
  holdoutTasks: number,
  iterations: number,
  prices: PriceTable | undefined,
  from = 0,
): void {
  const estimate = estimateRunCost({
    iterations,
    trainTasks,
    holdoutTasks,
    holdoutEvery: config.holdout_every,
    k: config.k,
    model: config.model,
    evolveModel: config.evolve_model,
    debugModel: config.debug_model ?? undefined,
    evolvers: config.evolvers,
    method: config.method,
    evalPolicy: config.eval_policy,
    prices,
  });
  process.stderr.write(
    `ahe evolve · ${trainTasks} training tasks${holdoutTasks ? ` + ${holdoutTasks} held-out` : ''} × k=${config.k} · ${from ? `iterations ${from}–${config.iterations} left of ${config.iterations}` : `${config.iterations} iterations`} · backend ${config.backend}\n` +
      `cost estimate (assumes ~${formatTokens(estimate.assumptions.trial.promptTokens)} prompt tokens per trial; the summary shows what was actually spent):\n` +
      estimate.roles
        .map(
          (r) =>
            `  ${r.role.padEnd(8)} ${shownModel(r.model)}: ${r.atMost ? 'at most ' : ''}${r.calls} ${r.unit}${r.note ? ` (${r.note})` : ''}, ~${formatTokens(r.tokens)} tokens, ${r.cost_usd === null ? 'price unknown (add it with --prices)' : `~${formatCost(r.cost_usd)}`}`,
        )
        .join('\n') +
      `\n  total ~${formatTokens(estimate.tokens)} tokens, ${estimate.cost_usd === null ? 'cost unknown' : `~${formatCost(estimate.cost_usd)}`}${config.budget_usd ? ` (budget $${config.budget_usd})` : ''}\n`,
  );
}

/**
 * `stop`: a caller's own stop signal (`ahe experiments run`, whose Ctrl-C may come before this run's
 * handler is installed); the run stops cleanly on it as on Ctrl-C.
 */
export async function evolveCommand(parsed: EvolveFlags, command: Command, stop?: AbortSignal): Promise<void> {
  const experiment = parsed.config ? applyExperimentFile(parsed.config, command) : null;
  const flags = experiment ? (command.opts() as EvolveFlags) : parsed;
  const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
  let runDir: string;
  let config: RunConfig | undefined;
  let costKnown: Partial<Record<keyof typeof ROLE_NAMES, boolean>> = {};
  if (flags.resume) {
    if (flags.resume === true && !flags.out)
      throw new UserError('--resume needs the run directory: --resume RUN (or --out RUN --resume)');
    runDir = resolve(flags.resume === true ? flags.out! : flags.resume);
    if (!existsSync(join(runDir, 'state.json')))
      throw new UserError(`--resume ${runDir}: not an ahe evolve run (no state.json)`);
    if (typeof flags.resume === 'string' && flags.out && resolve(flags.out) !== runDir)
      throw new UserError(
        command.getOptionValueSource('out') === 'config'
          ? `--resume ${flags.resume}: the experiment file's out is ${flags.out}, another run; resume that one, or drop --config`
          : `--out ${flags.out} with --resume ${flags.resume}: a resumed run stays in its directory; drop --out`,
      );
    const state = applyResumeFlags(runDir, flags, command);
    // Prices are not part of the run: a USD budget needs them again on every invocation.
    costKnown = await checkModels(state.config, prices, flags.maxRetries);
    if (flags.estimateOnly) {
      if (state.step === 'done') {
        process.stderr.write(
          `${showPath(runDir)}: the run is finished; nothing is left to run (raise --iterations to go further)\n`,
        );
        return;
      }
      // What is left: the evaluations of iterations state.iteration..N and the evolve steps between them.
      const warn = (l: string) => process.stderr.write(`${l}\n`);
      const c = state.config;
      const train = loadSplit(c.tasks, warn, trainSelection(c), TRAIN_SELECTION_FLAGS);
      const holdout = c.holdout ? loadSplit(c.holdout, warn, holdoutSelection(c), HOLDOUT_SELECTION_FLAGS) : [];
      printEstimate(
        c,
        train.length,
        holdout.length,
        Math.max(0, c.iterations - state.iteration),
        prices,
        state.iteration,
      );
      return;
    }
  } else {
    config = configFrom(flags, experiment);
    runDir = resolve(flags.out!);
    if (existsSync(join(runDir, 'state.json')))
      throw new UserError(
        `--out ${runDir} already holds a run: continue it with --resume ${flags.out}, or choose a new directory`,
      );
    refuseForeignDir('--out', runDir, false);
    // Everything that can be checked is checked before anything is spent.
    await loadHarness(config.harness);
    await loadHarness(EVOLVER_HARNESS_DIR);
    checkSuites(config, flags.skipInvalidTasks);
    const warn = (l: string) => process.stderr.write(`${l}\n`);
    const train = loadSplit(config.tasks, warn, trainSelection(config), TRAIN_SELECTION_FLAGS);
    const holdout = config.holdout
      ? loadSplit(config.holdout, warn, holdoutSelection(config), HOLDOUT_SELECTION_FLAGS)
      : [];
    costKnown = await checkModels(config, prices, flags.maxRetries);
    (await import('../sim/scenario.ts')).checkScenarioCovers(
      config.model,
      '--model',
      [...train, ...holdout].map((t) => t.name),
    );
    printEstimate(config, train.length, holdout.length, config.iterations, prices);
    if (flags.estimateOnly) return;
  }
  const runConfig = config ?? loadRunState(runDir).config;
  const backend = runConfig.backend;
  // With --queue the workers run the trials, and check their own backend.
  if (!flags.queue) await checkBackend(backend);
  // Not "run the same command again": a new run's command would be refused (its --out holds a run now).
  // Under `ahe experiments run` (stop given) that command says how to continue.
  const interrupt = interruptible(
    process.stderr,
    `tearing down running trials; finished work is kept${stop ? '' : ` (continue with: ahe evolve --resume ${showPath(runDir)}; Ctrl-C again to quit at once)`}`,
  );
  const { dispose } = interrupt;
  const signal = stop ? AbortSignal.any([interrupt.signal, stop]) : interrupt.signal;
  // RUN/report.html, rewritten as the run goes on (best-effort: a failed write is a warning).
  const report = keepReport(runDir, { warn: (l) => process.stderr.write(`${l}\n`) });
  if (!flags.quiet) process.stderr.write(`report: ${report.file} (kept up to date)\n`);
  // A running `ahe serve` whose directory holds the run shows it live (said once the first job starts).
  let follow = flags.quiet ? undefined : followAlongUrl(runDir);
  // One progress view per evaluation: a new job starts with its 'planned' event.
  let progress: ReturnType<typeof createJobProgress> | undefined;
  const onJobEvent = (e: JobEvent) => {
    if (flags.quiet) return;
    if (e.type === 'planned') {
      if (follow) process.stderr.write(`follow along: ${follow}\n`);
      follow = undefined;
      progress?.stop();
      progress = createJobProgress(process.stderr, { quiet: false });
    }
    progress?.onEvent(e);
  };
  let trialQueue: Awaited<ReturnType<typeof openTrialQueue>> | undefined;
  try {
    if (flags.queue)
      trialQueue = await openTrialQueue({
        url: flags.queue,
        backend,
        prices,
        maxRetries: flags.maxRetries,
        // Workers build the coding agent's model from each trial's payload: the run's effort and fallback travel with it.
        reasoningEffort: runConfig.reasoning_effort ?? undefined,
        fallback: runConfig.fallback_model ?? undefined,
      });
    const state = await runEvolve({
      runDir,
      config,
      prices,
      maxRetries: flags.maxRetries,
      maxConsecutiveInfraFailures: flags.maxInfraFailures,
      signal,
      log: (l) => process.stderr.write(`${l}\n`),
      onJobEvent,
      executeTrial: trialQueue?.executeTrial,
      afterStep: report.afterStep,
    });
    const { markdown } = writeRunSummary(runDir, state, costKnown);
    process.stdout.write(markdown);
  } catch (error) {
    if (signal.aborted) {
      process.stderr.write(`ahe: interrupted; continue with: ahe evolve --resume ${runDir}\n`);
      process.exitCode = INTERRUPTED_EXIT;
      return;
    }
    throw error;
  } finally {
    progress?.stop();
    // The report's last write: the run's final state (or where an interrupted or failed run stopped).
    await report.finish();
    dispose();
    await trialQueue?.close();
  }
}
