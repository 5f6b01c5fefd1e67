// `ahe evolve`: evolve a harness on a task suite — evaluate, distil, change, verify, keep what helps.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadTaskSuite } from '../bench/load-task.ts';
import type { JobEvent } from '../bench/run-job.ts';
import { UserError } from '../errors.ts';
import { estimateRunCost } from '../evolve/estimate-cost.ts';
import { loadSplit } from '../evolve/evaluate-harness.ts';
import { EVOLVER_HARNESS_DIR } from '../evolve/evolve-session.ts';
import { type EvolveConfig, runEvolve } from '../evolve/run-evolve.ts';
import { extendRun, loadRunState } from '../evolve/run-state.ts';
import { writeRunSummary } from '../evolve/run-summary.ts';
import { loadHarness } from '../harness/load-harness.ts';
import { createModel, MODEL_SPEC_HELP } from '../model/create-model.ts';
import { loadPriceTable, type PriceTable } from '../model/prices.ts';
import { openTrialQueue } from '../queue/enqueue-job.ts';
import { bwrapAvailable, bwrapInstallHint } from '../sandbox/bwrap-sandbox.ts';
import { interruptible, refuseInvalidTasks } from './eval-command.ts';
import { compareResumeFlags, EVOLVE_FLAGS } from './evolve-flags.ts';
import { createJobProgress } from './job-progress.ts';
import {
  attempts,
  concurrency,
  existingDir,
  existingFile,
  iterations,
  minutes,
  outputDir,
  positiveInt,
  retries,
  timeoutMultiplier,
  usd,
} from './parse-options.ts';
import { formatCost, formatTokens } from './progress-view.ts';

interface EvolveFlags {
  harness?: string;
  tasks?: string;
  holdout?: string;
  model?: string;
  evolveModel?: string;
  debugModel?: string;
  iterations: number;
  k: number;
  concurrency: number;
  holdoutEvery: number;
  budgetUsd?: number;
  budgetTokens?: number;
  budgetMinutes?: number;
  timeoutMultiplier?: number;
  prices?: string;
  maxRetries?: number;
  out?: string;
  resume?: string;
  estimateOnly?: boolean;
  quiet?: boolean;
  queue?: string;
  skipInvalidTasks?: boolean;
  maxInfraFailures?: number;
}

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
  for (const [role, spec] of roles) {
    const model = await createModel(spec, { prices, maxRetries });
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

/** A task that cannot be loaded stops the run before anything is spent, unless --skip-invalid-tasks. */
function checkSuite(flag: string, dir: string, skip: boolean | undefined): void {
  refuseInvalidTasks(flag, dir, loadTaskSuite(dir).problems, skip, () => {});
}

/**
 * --resume with other flags: changeable ones (iterations, budgets, concurrency) are applied and may
 * reopen a finished run; a fixed one with another value is refused by name (src/cli/evolve-flags.ts).
 */
function applyResumeFlags(runDir: string, flags: EvolveFlags, command: Command): void {
  const given: Record<string, unknown> = {};
  for (const option of command.options) {
    const name = option.attributeName();
    if (command.getOptionValueSource(name) === 'cli') given[name] = (flags as unknown as Record<string, unknown>)[name];
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
  const { changed } = extendRun(runDir, changes);
  if (changed.length) process.stderr.write(`resuming with ${changed.join(', ')}\n`);
  const config = loadRunState(runDir).config as unknown as EvolveConfig;
  checkSuite('--tasks', config.tasks, flags.skipInvalidTasks);
  if (config.holdout) checkSuite('--holdout', config.holdout, flags.skipInvalidTasks);
}

function configFrom(flags: EvolveFlags): EvolveConfig {
  const missing = [
    !flags.harness && '--harness',
    !flags.tasks && '--tasks',
    !flags.model && '--model',
    !flags.out && '--out',
  ].filter(Boolean);
  if (missing.length) throw new UserError(`missing ${missing.join(', ')} (or continue a run with --resume RUN)`);
  const debug = flags.debugModel ?? flags.model!;
  return {
    harness: resolve(flags.harness!),
    tasks: resolve(flags.tasks!),
    holdout: flags.holdout ? resolve(flags.holdout) : null,
    model: flags.model!,
    evolve_model: flags.evolveModel ?? flags.model!,
    debug_model: debug === 'none' ? null : debug,
    iterations: flags.iterations,
    k: flags.k,
    concurrency: flags.concurrency,
    holdout_every: flags.holdoutEvery,
    budget_usd: flags.budgetUsd ?? null,
    budget_tokens: flags.budgetTokens ?? null,
    budget_minutes: flags.budgetMinutes ?? null,
    timeout_multiplier: flags.timeoutMultiplier ?? 1,
  };
}

export function registerEvolveCommand(program: Command): void {
  program
    .command('evolve')
    .description(
      'Evolve a harness: evaluate it, distil the traces, let the evolve agent change one component at a time with predictions, verify on the next evaluation, roll back what hurts.',
    )
    .option('--harness <dir>', 'the starting harness (e.g. harnesses/seed)', existingDir)
    .option('--tasks <dir>', 'training tasks (e.g. tasks/train)', existingDir)
    .option(
      '--holdout <dir>',
      'held-out tasks, scored beside train and never shown to the evolve agent (e.g. tasks/holdout)',
      existingDir,
    )
    .option('--model <spec>', `the coding agent's model: ${MODEL_SPEC_HELP}`)
    .option('--evolve-model <spec>', "the evolve agent's model (default: --model)")
    .option(
      '--debug-model <spec>',
      "the debugger's analyst model (default: --model; `none` for the heuristic report only)",
    )
    .option('--iterations <n>', 'evolve steps after the seed evaluation', iterations, 3)
    .option('-k, --k <n>', 'attempts per task and evaluation', attempts, 2)
    .option('--concurrency <n>', 'trials run at once', concurrency, 4)
    .option('--holdout-every <m>', 'evaluate the held-out split every m iterations (and at the end)', iterations, 5)
    .option('--budget-usd <x>', 'stop cleanly once the run has cost this much', usd)
    .option('--budget-tokens <n>', 'stop cleanly once the run has used this many tokens', positiveInt)
    .option('--budget-minutes <n>', 'stop cleanly after this much wall time since the run started', minutes)
    .option('--timeout-multiplier <x>', 'scale every task timeout', timeoutMultiplier)
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one', existingFile)
    .option('--max-retries <n>', 'retries of a model call on 429, 5xx and network errors (default 4)', retries)
    .option(
      '--out <dir>',
      'the run directory (git history of the harness, iterations/N/, best/, summary.md)',
      outputDir,
    )
    .option('--resume <run>', 'continue a run after a crash or Ctrl-C, from its last completed step', existingDir)
    .option('--estimate-only', 'print the cost estimate and exit')
    .option(
      '--skip-invalid-tasks',
      'leave out tasks that cannot be loaded, and report them (default: such a task stops the run before it starts)',
    )
    .option(
      '--max-infra-failures <n>',
      'stop (resumably) after this many trials in a row could not reach the model (default 5)',
      positiveInt,
    )
    .option('--quiet', 'less progress output')
    .option(
      '--queue <url>',
      "run the evaluations' trials on `ahe worker` processes through this Redis queue (redis://HOST:PORT); see docs/scale.md",
    )
    .addHelpText(
      'after',
      `
Per iteration N (RUN/iterations/N/): job/ (the evaluation, Harbor layout), [holdout-job/], stats.json,
attribution.json (the previous changes' predictions vs what happened: EFFECTIVE, PARTIALLY_EFFECTIVE,
INEFFECTIVE, MIXED, HARMFUL), gate.json (automatic rollbacks), debug/ (the debugger's report),
evolve/ (the evolve agent's transcript), change_manifest.json, diff.patch, harness/ (what was evaluated),
usage.json. RUN/harness is a git repository tagged iter-N; RUN/best is the best-ever harness.
A kill -9 at any point followed by --resume RUN continues from the last completed step.

Examples:
  OPENAI_API_KEY=… ahe evolve --harness harnesses/seed --tasks tasks/train --holdout tasks/holdout --model openai:gpt-5.4 --iterations 5 --out runs/first
  ahe evolve --resume runs/first
See docs/evolve.md (and its offline demo on scripted models).`,
    )
    .action(async (flags: EvolveFlags, command: Command) => {
      const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
      let runDir: string;
      let config: EvolveConfig | undefined;
      let costKnown: Partial<Record<keyof typeof ROLE_NAMES, boolean>> = {};
      if (flags.resume) {
        runDir = resolve(flags.resume);
        if (!existsSync(join(runDir, 'state.json')))
          throw new UserError(`--resume ${runDir}: not an ahe evolve run (no state.json)`);
        if (flags.out && resolve(flags.out) !== runDir)
          throw new UserError(
            `--out ${flags.out} with --resume ${flags.resume}: a resumed run stays in its directory; drop --out`,
          );
        applyResumeFlags(runDir, flags, command);
        // Prices are not part of the run: a USD budget needs them again on every invocation.
        costKnown = await checkModels(loadRunState(runDir).config as unknown as EvolveConfig, prices, flags.maxRetries);
      } else {
        config = configFrom(flags);
        runDir = resolve(flags.out!);
        if (existsSync(join(runDir, 'state.json')))
          throw new UserError(
            `--out ${runDir} already holds a run: continue it with --resume ${flags.out}, or choose a new directory`,
          );
        // Everything that can be checked is checked before anything is spent.
        await loadHarness(config.harness);
        await loadHarness(EVOLVER_HARNESS_DIR);
        checkSuite('--tasks', config.tasks, flags.skipInvalidTasks);
        if (config.holdout) checkSuite('--holdout', config.holdout, flags.skipInvalidTasks);
        const warn = (l: string) => process.stderr.write(`${l}\n`);
        const train = loadSplit(config.tasks, warn);
        const holdout = config.holdout ? loadSplit(config.holdout, warn) : [];
        costKnown = await checkModels(config, prices, flags.maxRetries);
        const estimate = estimateRunCost({
          iterations: config.iterations,
          trainTasks: train.length,
          holdoutTasks: holdout.length,
          holdoutEvaluations: holdout.length
            ? Math.floor(config.iterations / config.holdout_every) +
              (config.iterations % config.holdout_every === 0 ? 0 : 1) +
              1
            : 0,
          k: config.k,
          model: config.model,
          evolveModel: config.evolve_model,
          debugModel: config.debug_model ?? undefined,
          prices,
        });
        process.stderr.write(
          `ahe evolve · ${train.length} training tasks${holdout.length ? ` + ${holdout.length} held-out` : ''} × k=${config.k} · ${config.iterations} iterations\n` +
            `cost estimate (assumes ~${formatTokens(estimate.assumptions.trial.promptTokens)} prompt tokens per trial; the summary shows what was actually spent):\n` +
            estimate.roles
              .map(
                (r) =>
                  `  ${r.role.padEnd(8)} ${r.model}: ${r.calls} ${r.role === 'coding' ? 'trials' : r.role === 'debugger' ? 'analyses' : 'sessions'}, ~${formatTokens(r.tokens)} tokens, ${r.cost_usd === null ? 'price unknown (add it with --prices)' : `~${formatCost(r.cost_usd)}`}`,
              )
              .join('\n') +
            `\n  total ~${formatTokens(estimate.tokens)} tokens, ${estimate.cost_usd === null ? 'cost unknown' : `~${formatCost(estimate.cost_usd)}`}${config.budget_usd ? ` (budget $${config.budget_usd})` : ''}\n`,
        );
        if (flags.estimateOnly) return;
      }
      if (!bwrapAvailable()) throw new UserError(bwrapInstallHint());
      const { signal, dispose } = interruptible(process.stderr);
      // One progress view per evaluation: a new job starts with its 'planned' event.
      let progress: ReturnType<typeof createJobProgress> | undefined;
      const onJobEvent = (e: JobEvent) => {
        if (flags.quiet) return;
        if (e.type === 'planned') {
          progress?.stop();
          progress = createJobProgress(process.stderr, { quiet: false });
        }
        progress?.onEvent(e);
      };
      let trialQueue: Awaited<ReturnType<typeof openTrialQueue>> | undefined;
      try {
        if (flags.queue) trialQueue = await openTrialQueue({ url: flags.queue, prices, maxRetries: flags.maxRetries });
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
        });
        const { markdown } = writeRunSummary(runDir, state, costKnown);
        process.stdout.write(markdown);
      } catch (error) {
        if (signal.aborted) {
          process.stderr.write(`ahe: interrupted; continue with: ahe evolve --resume ${runDir}\n`);
          process.exitCode = 130;
          return;
        }
        throw error;
      } finally {
        progress?.stop();
        dispose();
        await trialQueue?.close();
      }
    });
}
