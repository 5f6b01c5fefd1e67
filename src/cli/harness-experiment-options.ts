// The options `ahe ablate` and `ahe transfer` share: which tasks, model and k the harnesses are measured
// on (defaults from the run), where trials run, budgets, the estimate, prices and the queue. Defined
// once so both commands read the same flags the same way. Light: only flags and help.
import { type Command, Option } from 'commander';
import { BACKENDS, type BackendKind } from '../bench/trial-context.ts';
import {
  attempts,
  concurrency,
  existingDir,
  existingFile,
  positiveInt,
  retries,
  timeoutMultiplier,
  usd,
} from './parse-options.ts';
import { addTaskSelectionOptions, BACKEND_HELP, type SelectionFlagValues } from './task-options.ts';

export interface HarnessExperimentFlags extends SelectionFlagValues {
  tasks?: string;
  model?: string;
  k?: number;
  backend?: BackendKind;
  concurrency?: number;
  timeoutMultiplier?: number;
  budgetUsd?: number;
  budgetTokens?: number;
  estimateOnly?: boolean;
  prices?: string;
  maxRetries?: number;
  maxInfraFailures?: number;
  skipInvalidTasks?: boolean;
  queue?: string;
  quiet?: boolean;
}

/** Adds the shared options (all but --model, whose help differs between the commands). */
export function addHarnessExperimentOptions(command: Command): Command {
  command.option(
    '--tasks <dir>',
    "the tasks to measure on (default: the run's held-out suite with its recorded selection, else its training suite with its)",
    existingDir,
  );
  addTaskSelectionOptions(command);
  return command
    .option('-k, --k <n>', "attempts per task (default: the run's k)", attempts)
    .addOption(
      new Option('--backend <kind>', `sandbox of each trial (default: the run's; ${BACKEND_HELP})`).choices([
        ...BACKENDS,
      ]),
    )
    .option('--concurrency <n>', "trials run at once (default: the run's)", concurrency)
    .option('--timeout-multiplier <x>', "scale every task timeout (default: the run's)", timeoutMultiplier)
    .option(
      '--budget-usd <x>',
      "stop (resumably) once the experiment's jobs have spent this many USD, earlier invocations included",
      usd,
    )
    .option('--budget-tokens <n>', 'the same in tokens (prompt + completion)', positiveInt)
    .option('--estimate-only', 'print what would be evaluated and the cost estimate, and exit (spends nothing)')
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one', existingFile)
    .option('--max-retries <n>', 'retries of a model call on 429, 5xx and network errors (default 4)', retries)
    .option(
      '--max-infra-failures <n>',
      'stop (resumably) after this many trials in a row could not use the model (default 5)',
      positiveInt,
    )
    .option('--skip-invalid-tasks', 'leave out tasks that cannot be loaded, and report them')
    .option('--quiet', 'no per-trial progress')
    .option(
      '--queue <url>',
      'run the trials on `ahe worker` processes through this Redis queue (redis://HOST:PORT); see docs/scale.md',
    );
}
