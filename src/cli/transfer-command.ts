// `ahe transfer RUN --model SPEC`: does an evolved harness carry over — the run's seed against its best
// harness on another model and/or task suite, paired, with tokens per solved task.
import type { Command } from 'commander';
import { MODEL_SPEC_HELP } from '../model/create-model.ts';
import { addHarnessExperimentOptions, type HarnessExperimentFlags } from './harness-experiment-options.ts';
import { directoryName, existingDir, modelSpec } from './parse-options.ts';
import { requireOptions } from './required-options.ts';

export interface TransferFlags extends HarnessExperimentFlags {
  name?: string;
}

export function registerTransferCommand(program: Command): void {
  const command = program
    .command('transfer')
    .description(
      "Measure an evolve run's seed against its best harness on another model and/or task suite: pass@1 with CIs, the paired test, tokens per solved task, per-task flips, into RUN/transfer/<name>/.",
    )
    .argument('<run>', 'an ahe evolve run directory (with a best harness)', existingDir)
    .option(
      '--model <spec>',
      `the coding model to transfer to (required; the run's own model is allowed): ${MODEL_SPEC_HELP}`,
      modelSpec,
    )
    .option(
      '--name <name>',
      'the directory under RUN/transfer/ (default: made of the model and the --tasks folder)',
      directoryName,
    );
  addHarnessExperimentOptions(command)
    .addHelpText(
      'after',
      `
RUN/transfer/<name>/: harnesses/seed/ (the run's seed, exported), jobs/seed/ and jobs/best/ (ahe eval
jobs, Harbor layout), transfer.json and transfer.md. Running the same command again continues: finished
trials are never re-run, also after kill -9; a budget stops cleanly and counts what earlier invocations
spent. Exit codes: 0 done or stopped by a budget, 1 trials still missing, 130 interrupted, 2 bad input.

Examples:
  ahe transfer runs/first --model anthropic:claude-sonnet-4-5 --estimate-only
  ahe transfer runs/first --model openai:gpt-5.4-mini --tasks tasks/holdout -k 2 --budget-usd 10
See docs/experiments.md.`,
    )
    .action(async (run: string, flags: TransferFlags, command: Command) => {
      requireOptions(command, 'model');
      await (await import('./transfer-action.ts')).transferCommand(run, flags);
    });
}
