// `ahe tasks list`: what a task directory holds, as the runner will see it. `ahe tasks check`:
// proof that every task is sound — its oracle passes and doing nothing fails.
import type { Command } from 'commander';
import type { BackendKind } from '../bench/trial-context.ts';
import { concurrency, existingDir, outputDir, timeoutMultiplier } from './parse-options.ts';
import { addTaskSelectionOptions, backendOption, type SelectionFlagValues } from './task-options.ts';

export interface CheckFlags extends SelectionFlagValues {
  concurrency: number;
  backend: BackendKind;
  out?: string;
  timeoutMultiplier?: number;
  quiet?: boolean;
}

export function registerTasksCommands(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('Inspect benchmark task directories (Harbor / Terminal-Bench 2 and Terminal-Bench 1 formats).');
  tasks
    .command('list')
    .description(
      'List the tasks under DIR (or the task DIR itself) with format, difficulty, category, timeouts and steps.',
    )
    .argument('<dir>', 'a task directory or a directory of tasks', existingDir)
    .option('--json', 'print the tasks and problems as JSON')
    .addHelpText(
      'after',
      '\nBroken tasks are listed after the table with their file and field; the exit code is then 1.',
    )
    .action(async (dir: string, flags: { json?: boolean }) =>
      (await import('./tasks-action.ts')).listTasks(dir, flags),
    );
  const check = tasks
    .command('check')
    .description('Prove every task under DIR: its oracle (the reference solution) passes and the noop agent fails.')
    .argument('<dir>', 'a task directory or a directory of tasks', existingDir);
  addTaskSelectionOptions(check)
    .option('--concurrency <n>', 'trials run at once (the same default as eval, worker and evolve)', concurrency, 2)
    .addOption(backendOption())
    .option('--out <dir>', 'keep the two jobs here (oracle/ and noop/) instead of a temporary directory', outputDir)
    .option(
      '--timeout-multiplier <x>',
      'scale every task timeout: agent, verifier, build (default 1)',
      timeoutMultiplier,
    )
    .option('--quiet', 'only the final table')
    .addHelpText(
      'after',
      `
Runs two jobs with k=1: --agent oracle and --agent noop. A task is sound when the oracle's reward is
≥ 1 and the noop's is < 1, with no exception in the oracle run. Exit code 0 when every task is
sound, 1 otherwise (also when a task cannot be loaded), 130 when interrupted, 2 on bad input.
--task/--exclude/--n-tasks/--sample-seed choose the tasks as on ahe eval (names or globs, then a
deterministic sample); with --out they are recorded in both jobs.

Example:
  ahe tasks check tasks/train --backend podman --task 'csv-*' --exclude csv-region-totals`,
    )
    .action(async (dir: string, flags: CheckFlags) => (await import('./tasks-action.ts')).checkTasks(dir, flags));
}
