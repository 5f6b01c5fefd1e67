// What an experiment on a finished (or running) evolve run starts from: the run's config, its seed
// harness (the `seed` tag of RUN/harness, exported) and its best harness (RUN/best), and the task suite
// it is measured on by default — the run's held-out suite with its recorded selection when it has one
// (tasks the evolve agent never saw), else its training suite.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SelectionFlagNames } from '../bench/select-tasks.ts';
import { HOLDOUT_SELECTION_FLAGS, type TaskSelection, TRAIN_SELECTION_FLAGS } from '../bench/select-tasks.ts';
import { UserError } from '../errors.ts';
import { holdoutSelection, type RunConfig, trainSelection } from '../evolve/evolve-config.ts';
import { loadRunState, type RunState } from '../evolve/run-state.ts';
import { openWorkspace, SEED_TAG } from '../evolve/workspace.ts';

export interface ExperimentRun {
  runDir: string;
  state: RunState;
  config: RunConfig;
  /** RUN/best: the best harness of the run. */
  bestDir: string;
}

/** Opens RUN for an experiment; a directory that is not a run, or a run without a best harness yet, is refused. */
export function openExperimentRun(runDir: string, command: string): ExperimentRun {
  if (!existsSync(runDir)) throw new UserError(`ahe ${command} ${runDir}: no such directory`);
  if (!existsSync(join(runDir, 'state.json')))
    throw new UserError(
      `ahe ${command} ${runDir}: not an ahe evolve run (no state.json; runs are made by ahe evolve --out RUN)`,
    );
  const state = loadRunState(runDir);
  const bestDir = join(runDir, 'best');
  if (!state.best || !existsSync(join(bestDir, 'harness.yaml')))
    throw new UserError(
      `ahe ${command} ${runDir}: the run has no best harness yet (RUN/best is written once its first evaluation is complete; continue it with ahe evolve --resume ${runDir})`,
    );
  return { runDir, state, config: state.config, bestDir };
}

/** Exports the run's seed harness (tag `seed` of RUN/harness) into `dir`, replacing what is there. */
export async function exportSeed(run: ExperimentRun, dir: string): Promise<void> {
  const workspace = await openWorkspace(run.runDir);
  await workspace.exportTo(SEED_TAG, dir);
}

export interface Suite {
  dir: string;
  selection: TaskSelection;
  /** Which flags name the selection in errors. */
  flags: SelectionFlagNames;
  /** Where the suite came from, for the report. */
  source: 'held-out' | 'training' | '--tasks';
}

/** The run's held-out suite with its recorded selection, else its training suite with its. */
export function defaultSuite(config: RunConfig): Suite {
  if (config.holdout)
    return {
      dir: config.holdout,
      selection: holdoutSelection(config),
      flags: HOLDOUT_SELECTION_FLAGS,
      source: 'held-out',
    };
  return { dir: config.tasks, selection: trainSelection(config), flags: TRAIN_SELECTION_FLAGS, source: 'training' };
}
