// `ahe ablate RUN`: which parts of an evolved harness made the difference — the seed, the best, the seed
// plus each component type taken from the best, and the best minus each, measured on the same tasks.
import type { Command } from 'commander';
import type { AblationType } from '../experiments/ablation-types.ts';
import { MODEL_SPEC_HELP } from '../model/create-model.ts';
import { addHarnessExperimentOptions, type HarnessExperimentFlags } from './harness-experiment-options.ts';
import { componentTypes, existingDir, modelSpec } from './parse-options.ts';

export interface AblateFlags extends HarnessExperimentFlags {
  components?: AblationType[];
}

export function registerAblateCommand(program: Command): void {
  const command = program
    .command('ablate')
    .description(
      'Ablate an evolve run: evaluate the seed, the best harness, the seed plus each component type of the best ("memory only") and the best minus each, with paired tests (Holm-corrected) into RUN/ablation/.',
    )
    .argument('<run>', 'an ahe evolve run directory (with a best harness)', existingDir)
    .option('--model <spec>', `the coding model (default: the run's): ${MODEL_SPEC_HELP}`, modelSpec)
    .option(
      '--components <types>',
      'only these component types, comma-separated: system_prompt, tools, middleware, skills, subagents, memory, harness_yaml (default: every type the best changed)',
      componentTypes,
    );
  addHarnessExperimentOptions(command)
    .addHelpText(
      'after',
      `
A component type is its files (tools/, middleware/, skills/, subagents/, memory/, system_prompt.md) and
its entry of harness.yaml's components: (tools also mcp_servers): a type taken from the best is enabled
as the best enables it, one put back as the seed did. harness_yaml is the rest of harness.yaml.
Types the best did not change are reported as unchanged, not evaluated; a variant that does not
validate (ahe harness validate) is reported with the validator's reason, not evaluated; a variant with
the same files as another reads that one's job.

RUN/ablation/: harnesses/<variant>/, jobs/<variant>/ (ahe eval jobs, Harbor layout), ablation.json and
ablation.md (pass@1 with 95% CI, paired difference and p-value vs seed and vs best, Holm-corrected within
each of the two families, tokens per trial and per solved task, cost). Running the same command again
continues: finished trials are never re-run, also after kill -9; a budget stops cleanly and counts what
earlier invocations spent. Exit codes: 0 done or stopped by a budget, 1 trials still missing, 130
interrupted, 2 bad input.

Examples:
  ahe ablate runs/first --estimate-only
  ahe ablate runs/first --components memory,tools -k 2 --budget-usd 20 --prices prices.yaml
See docs/experiments.md.`,
    )
    .action(async (run: string, flags: AblateFlags) => (await import('./ablate-action.ts')).ablateCommand(run, flags));
}
