// `ahe evolve`: evolve a harness on a task suite — evaluate, distil, change, verify, keep what helps.
import { type Command, Option } from 'commander';
import type { BackendKind } from '../bench/trial-context.ts';
import { EVAL_POLICY_NAMES, type EvalPolicyName } from '../evolve/eval-policy-names.ts';
import { EVOLVE_METHODS, type EvolveMethod } from '../evolve/evolve-methods.ts';
import { MODEL_SPEC_HELP } from '../model/create-model.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from '../model/reasoning-levels.ts';
import {
  attempts,
  concurrency,
  existingDir,
  existingFile,
  fraction,
  iterationInterval,
  iterations,
  minutes,
  modelSpec,
  outputDir,
  positiveInt,
  retries,
  timeoutMultiplier,
  usd,
} from './parse-options.ts';
import { addTaskSelectionOptions, BACKEND_HELP, backendOption, type SelectionFlagValues } from './task-options.ts';

export interface EvolveFlags extends SelectionFlagValues {
  harness?: string;
  tasks?: string;
  holdout?: string;
  model?: string;
  evolveModel?: string;
  debugModel?: string;
  reasoningEffort?: ReasoningEffort;
  evolveReasoningEffort?: ReasoningEffort;
  debugReasoningEffort?: ReasoningEffort;
  fallbackModel?: string;
  evolveFallbackModel?: string;
  debugFallbackModel?: string;
  iterations: number;
  k: number;
  concurrency: number;
  holdoutEvery: number;
  budgetUsd?: number;
  budgetTokens?: number;
  budgetMinutes?: number;
  evolveMaxSteps?: number;
  evolveMaxMinutes?: number;
  timeoutMultiplier?: number;
  prices?: string;
  maxRetries?: number;
  out?: string;
  /** `--resume RUN`, or `--resume` alone with `--out RUN`. */
  resume?: string | true;
  estimateOnly?: boolean;
  quiet?: boolean;
  queue?: string;
  skipInvalidTasks?: boolean;
  maxInfraFailures?: number;
  backend: BackendKind;
  holdoutTask?: string[];
  holdoutExclude?: string[];
  holdoutNTasks?: number;
  holdoutSampleSeed?: number;
  method: EvolveMethod;
  evalPolicy: EvalPolicyName;
  reviewKept?: boolean;
  evolvers: number;
  evolverHints?: string[];
  targetPassRate?: number;
  /** `--config exp.yaml`: an experiment file whose keys are these flags (docs/experiments.md). */
  config?: string;
}

export function registerEvolveCommand(program: Command): void {
  const command = program
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
    );
  addTaskSelectionOptions(command, '', 'training');
  addTaskSelectionOptions(command, 'holdout-', 'held-out');
  command
    .addOption(backendOption(`sandbox of every trial of the run, training and held-out (${BACKEND_HELP})`))
    .option('--model <spec>', `the coding agent's model: ${MODEL_SPEC_HELP}`, modelSpec)
    .option('--evolve-model <spec>', "the evolve agent's model (default: --model)", modelSpec)
    .option(
      '--debug-model <spec>',
      "the debugger's analyst model (default: --model; `none` for the heuristic report only)",
      modelSpec,
    )
    .addOption(
      new Option('--reasoning-effort <level>', "the coding agent's reasoning effort (default: harness.yaml's)").choices(
        REASONING_EFFORTS,
      ),
    )
    .addOption(
      new Option('--evolve-reasoning-effort <level>', "the evolve agent's reasoning effort").choices(REASONING_EFFORTS),
    )
    .addOption(
      new Option('--debug-reasoning-effort <level>', "the debugger's reasoning effort").choices(REASONING_EFFORTS),
    )
    .option(
      '--fallback-model <spec>',
      "the coding agent's fallback once its model fails with retries exhausted or is not found; trials that use it are measured apart (docs/models.md)",
      modelSpec,
    )
    .option('--evolve-fallback-model <spec>', "the evolve agent's fallback model", modelSpec)
    .option('--debug-fallback-model <spec>', "the debugger analyst's fallback model", modelSpec)
    .option('--iterations <n>', 'evolve steps after the seed evaluation', iterations, 3)
    .option(
      '-k, --k <n>',
      "attempts per task and evaluation; more than eval's 1, because an iteration's verdict compares pass rates and two attempts tell a change from one lucky or unlucky trial",
      attempts,
      2,
    )
    .option(
      '--concurrency <n>',
      'trials run at once (the same default as eval, tasks check and worker)',
      concurrency,
      2,
    )
    .option(
      '--holdout-every <m>',
      'evaluate the held-out split every m iterations (and at the end; m ≥ 1)',
      iterationInterval,
      5,
    )
    .addOption(
      new Option(
        '--method <name>',
        'how the harness changes between evaluations: ahe (the evolve agent, any component, with predictions), ace (reflector + curator of a memory playbook), tf-grpo (experience library from groups of k ≥ 2 rollouts)',
      )
        .choices(EVOLVE_METHODS)
        .default('ahe'),
    )
    .addOption(
      new Option(
        '--eval-policy <name>',
        'which trials each training evaluation runs: fixed (every task k times) or adaptive (the tasks a change names k times, the others once every other iteration, stable ones re-checked in turn, within a budget of half the trials fixed runs; a run whose predictions turn out mostly wrong says fixed is the safer choice; docs/evolution-cost.md); held-out evaluations are always in full',
      )
        .choices(EVAL_POLICY_NAMES)
        .default('fixed'),
    )
    .option(
      '--review-kept',
      'after each gate, re-judge every change kept earlier on all evaluations so far, and roll back the one whose removal the estimate says raises the training pass rate by at least 1.5 points (and half a posterior sd); off by default (docs/evolve.md, "The review of kept changes")',
    )
    .option(
      '--evolvers <n>',
      'best-of-N: evolve-agent sessions per iteration from the same evidence; each candidate is evaluated and the best by the paired test is kept',
      positiveInt,
      1,
    )
    .option(
      '--evolver-hints <hint...>',
      'strategy hints given to the --evolvers sessions in turn, e.g. "prefer memory" "prefer tools"',
    )
    .option('--target-pass-rate <x>', 'stop once the training pass@1 reaches x (0–1)', fraction)
    .option(
      '--config <file>',
      'an experiment file (YAML): every flag is a key; extends: and ${ENV} (docs/experiments.md)',
      existingFile,
    )
    .option('--budget-usd <x>', 'stop cleanly once the run has cost this much', usd)
    .option('--budget-tokens <n>', 'stop cleanly once the run has used this many tokens', positiveInt)
    .option('--budget-minutes <n>', 'stop cleanly after this much wall time since the run started', minutes)
    .option(
      '--evolve-max-steps <n>',
      "the evolve agent's model calls per session (default: harnesses/evolver/harness.yaml's max_steps)",
      positiveInt,
    )
    .option(
      '--evolve-max-minutes <n>',
      "the evolve agent's wall time per session (default: harnesses/evolver/harness.yaml's max_wall_sec)",
      minutes,
    )
    .option(
      '--timeout-multiplier <x>',
      'scale every task timeout: agent, verifier, build (default 1)',
      timeoutMultiplier,
    )
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one', existingFile)
    .option('--max-retries <n>', 'retries of a model call on 429, 5xx and network errors (default 4)', retries)
    .option(
      '--out <dir>',
      'the run directory (git history of the harness, iterations/N/, best/, summary.md); needed to start a run, which has no default directory as eval jobs do: it is continued by naming it',
      outputDir,
    )
    .option(
      '--resume [run]',
      'continue an existing run, never start one: the run in RUN (or in --out), from its last completed step (fails when there is none)',
      existingDir,
    )
    .option('--estimate-only', 'print the cost estimate and exit')
    .option(
      '--skip-invalid-tasks',
      'leave out tasks that cannot be loaded, and report them (default: such a task stops the run before it starts)',
    )
    .option(
      '--max-infra-failures <n>',
      'stop (resumably) after this many trials in a row could not use the model (unreachable, rejected key, unknown model; default 5)',
      positiveInt,
    )
    .option('--quiet', 'no per-trial progress (the steps of each iteration are still logged)')
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
A kill -9 at any point followed by --resume RUN (or --out RUN --resume, as with ahe eval) continues
from the last completed step. Unlike ahe eval, re-running the first command into an existing --out is
refused rather than continued: a resumed run keeps its recorded settings, so say --resume.
Trials run with --backend (bwrap by default, as on ahe eval), training and held-out alike; with
--queue, start the workers with the same --backend (each backend has its own queue).
--task/--exclude/--n-tasks/--sample-seed choose the training tasks as on ahe eval (names or globs, then
a deterministic sample); --holdout-task/--holdout-exclude/--holdout-n-tasks/--holdout-sample-seed the
held-out ones. The backend and both selections are recorded in state.json and cannot change on --resume.

Examples:
  OPENAI_API_KEY=… ahe evolve --harness harnesses/seed --tasks tasks/train --holdout tasks/holdout --model openai:gpt-5.4 --iterations 5 --out runs/first
  ahe evolve --resume runs/first
  ahe evolve --harness harnesses/seed --tasks tasks/train --n-tasks 20 --sample-seed 1 --holdout tasks/holdout --holdout-exclude 'build-*' --backend podman --model openai:gpt-5.4 --out runs/sample
See docs/evolve.md (and its offline demo on scripted models).`,
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 the run finished, or stopped at a budget or target (summary.md says which); 2 bad input,\nrefused before anything was spent; 130 interrupted (continue with ahe evolve --resume RUN); 70 an internal error.',
    )
    .action(async (flags: EvolveFlags, command: Command) =>
      (await import('./evolve-action.ts')).evolveCommand(flags, command),
    );
}
