// `ahe ablate` at work: plans the variants (writing and validating their harnesses, spending nothing),
// prints what will be evaluated and the estimate, then evaluates and writes RUN/ablation/.
import { resolve } from 'node:path';
import { runAblation } from '../experiments/ablate.ts';
import { ABLATION_TYPES } from '../experiments/ablation-types.ts';
import { openExperimentRun } from '../experiments/open-run.ts';
import { evaluatedVariants, planAblation, variantJobDir } from '../experiments/plan-ablation.ts';
import type { AblateFlags } from './ablate-command.ts';
import { estimateAndRun, setUpExperiment } from './harness-experiment-action.ts';

export async function ablateCommand(runArg: string, flags: AblateFlags): Promise<void> {
  const types = flags.components ?? [...ABLATION_TYPES];
  const run = openExperimentRun(resolve(runArg), 'ablate');
  const setup = await setUpExperiment(flags, run, flags.model ?? run.config.model);
  const plan = await planAblation(run, types);
  const evaluated = evaluatedVariants(plan);
  const err = (l: string) => process.stderr.write(`${l}\n`);
  for (const v of plan.variants) {
    if (v.invalid) err(`  ${v.label.padEnd(24)} does not validate, not evaluated: ${v.invalid.join('; ')}`);
    else if (v.sameAs) err(`  ${v.label.padEnd(24)} same files as ${v.sameAs}: reads its job`);
    else err(`  ${v.label.padEnd(24)} ${v.harnessDir}`);
  }
  if (plan.unchanged.length) err(`  unchanged by the best harness (not evaluated): ${plan.unchanged.join(', ')}`);
  const jobs = evaluated.map((v) => ({
    name: v.name,
    harnessDir: v.harnessDir,
    jobDir: variantJobDir(plan.dir, v.name),
  }));
  await estimateAndRun(
    'ablate',
    flags,
    setup,
    {
      jobs,
      what: `${evaluated.length} harnesses to evaluate`,
      hint: `run with the recorded settings, or move ${plan.dir} aside to measure anew`,
    },
    (options) => runAblation({ ...options, run, plan, suite: setup.suite, costKnown: setup.costKnown }),
  );
}
