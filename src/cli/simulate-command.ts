// `ahe simulate`: whole evolutions in memory on a scenario with known ground truth, per evaluation policy.
import { type Command, Option } from 'commander';
import { EVAL_POLICY_NAMES } from '../evolve/eval-policy-names.ts';
import {
  attempts,
  existingDir,
  existingFile,
  iterationInterval,
  iterations,
  nonNegativeInt,
  positiveInt,
} from './parse-options.ts';

export interface SimulateFlags {
  policy: string[];
  runs: number;
  iterations?: number;
  k: number;
  seed?: number;
  holdoutEvery: number;
  harness?: string;
  json?: boolean;
  reviewKept?: boolean;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'Run whole evolutions in memory on a scenario with known ground truth (docs/evolution-cost.md): rollouts, keep/rollback decision accuracy, harmful changes kept, and the final true pass rate, per evaluation policy.',
    )
    .argument(
      '<scenario>',
      'the scenario file (YAML: tasks, holdout, effects, candidates; docs/evolution-cost.md)',
      existingFile,
    )
    .addOption(
      new Option('--policy <name...>', 'evaluation policies to compare (as ahe evolve --eval-policy)')
        .choices(EVAL_POLICY_NAMES)
        .default(['fixed', 'adaptive']),
    )
    .option('--runs <n>', 'evolutions per policy (seeds seed, seed + 1, …)', positiveInt, 100)
    .option('--iterations <n>', 'evolve steps after the seed evaluation (default: one per candidate)', iterations)
    .option('-k, --k <n>', 'attempts per task and evaluation (as ahe evolve -k)', attempts, 2)
    .option('--seed <n>', "the first run's seed (default: the scenario's seed)", nonNegativeInt)
    .option('--holdout-every <m>', 'held-out evaluation every m iterations and at the end', iterationInterval, 5)
    .option(
      '--harness <dir>',
      'the seed harness whose files the effects are matched against (default: the bundled seed)',
      existingDir,
    )
    .option(
      '--review-kept',
      "review kept changes after each gate, as ahe evolve --review-kept (decisions are then counted by each change's final state)",
    )
    .option(
      '--json',
      'one JSON object per policy and line: {policy, runs, rollouts_mean, decision_accuracy, harmful_kept, final_true_train, final_true_holdout, …}',
    )
    .addHelpText(
      'after',
      `
The trial executor is the only difference from ahe evolve: rewards are drawn from the scenario's
probabilities (seeded by seed, task, attempt, harness content hash and iteration) instead of a model in a
sandbox; the evaluation policy, attribution, gate and best-harness rule are ahe evolve's own code.
The final true pass rate is that of the harness the run hands over: the one with the highest training
pass rate estimated over every evaluation of the run (docs/evolve.md, "The best harness").
Decision accuracy counts a change with a positive true effect on the training tasks as rightly kept and
one with a negative effect as rightly rolled back; changes with no true effect are counted apart.
Prediction precision is the share of the evolve agent's predicted fixes that came true (mean over runs);
a run below 25% (with 5 or more predictions) is one whose summary would advise --eval-policy fixed.

Examples:
  ahe simulate examples/simulation/stable-40.yaml --runs 1000
  ahe simulate examples/simulation/noisy-40.yaml --policy fixed -k 3 --json`,
    )
    .addHelpText(
      'after',
      "\nExit codes: 0 simulated; 2 bad input (the scenario's problems are listed with file, line and field).",
    )
    .action(async (scenario: string, flags: SimulateFlags) =>
      (await import('./simulate-action.ts')).simulateCommand(scenario, flags),
    );
}
