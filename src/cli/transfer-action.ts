// `ahe transfer` at work: the run's seed and best on the given model and tasks, into RUN/transfer/<name>/.
import { resolve } from 'node:path';
import { openExperimentRun } from '../experiments/open-run.ts';
import { planTransfer, runTransfer, transferName } from '../experiments/transfer.ts';
import { estimateAndRun, setUpExperiment } from './harness-experiment-action.ts';
import type { TransferFlags } from './transfer-command.ts';

export async function transferCommand(runArg: string, flags: TransferFlags): Promise<void> {
  const run = openExperimentRun(resolve(runArg), 'transfer');
  const model = flags.model!;
  const name = transferName(flags.name, model, flags.tasks ? resolve(flags.tasks) : undefined);
  const setup = await setUpExperiment(flags, run, model);
  const { dir, jobs } = await planTransfer(run, name);
  await estimateAndRun(
    'transfer',
    flags,
    setup,
    {
      jobs,
      what: `seed and best into ${dir}`,
      hint: `run with the recorded settings, or give another --name (this is ${dir})`,
    },
    (options) => runTransfer({ ...options, run, name, suite: setup.suite, costKnown: setup.costKnown }),
  );
}
