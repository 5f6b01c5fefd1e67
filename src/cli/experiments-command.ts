// `ahe experiments run FILE…`: several experiment files (`ahe evolve --config FILE`) run one after
// another, each into its own `out`, then one table comparing them. Flags and help only; the action is
// imported when the command runs.
import type { Command } from 'commander';
import { existingFile, outputDir } from './parse-options.ts';

export interface ExperimentsRunFlags {
  out?: string;
  queue?: string;
  quiet?: boolean;
}

export function registerExperimentsCommand(program: Command): void {
  const experiments = program
    .command('experiments')
    .description('Run experiment files (ahe evolve --config FILE) one after another and compare them in one table.');
  experiments
    .command('run')
    .description(
      'Run each experiment file as `ahe evolve --config FILE` into its own out (a finished one is skipped, an interrupted one resumed), then write a table comparing them.',
    )
    // existingFile checks each file (commander folds a variadic argument through its parser); the list itself is command.args.
    .argument('<files...>', 'experiment files (YAML; docs/experiments.md)', existingFile)
    .option(
      '--out <dir>',
      'where experiments.md and experiments.json go (default: the directory of the first file)',
      outputDir,
    )
    .option(
      '--queue <url>',
      "run the evaluations' trials on `ahe worker` processes through this Redis queue (redis://HOST:PORT); see docs/scale.md",
    )
    .option('--quiet', 'no per-trial progress')
    .addHelpText(
      'after',
      `
Every file must have an out: key (each experiment runs into its own directory). All files are read and
checked before anything runs. Ctrl-C stops the current run cleanly; running the same command again skips
the finished experiments and resumes the interrupted one. A finished experiment whose file now asks for
more (iterations, budgets: the keys --resume may change) is resumed too.

Example:
  ahe experiments run exp/ahe.yaml exp/ace.yaml exp/tf-grpo.yaml --out exp/
See docs/experiments.md.`,
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every experiment ran (or was skipped as finished); 2 bad input in any file, refused\nbefore anything was spent; 130 interrupted (the same command continues).',
    )
    .action(async (_lastFile: string, flags: ExperimentsRunFlags, command: Command) =>
      (await import('./experiments-action.ts')).experimentsRunCommand(command.args, flags),
    );
}
