// The options that say where trials run and which tasks they run, defined once for every command that
// has them: `--backend` (eval, evolve, tasks check, worker) and the task selection `--task`,
// `--exclude`, `--n-tasks`, `--sample-seed` (eval, tasks check, evolve; evolve again with a
// `--holdout-` prefix for its held-out split). Light: only flags and help (src/bench/select-tasks.ts
// does the selection when a command runs).
import { type Command, Option } from 'commander';
import { BACKENDS, type BackendKind } from '../bench/trial-context.ts';
import { nonNegativeInt, positiveInt } from './parse-options.ts';

export const BACKEND_HELP =
  "bwrap: the task's Dockerfile run over this machine's system (Debian package bubblewrap); podman/docker: the task's image in a container; image: the task's image root, unpacked once, under bwrap (needs podman or docker to build or pull it). See docs/sandboxes.md";

/** `--backend <kind>`, one of BACKENDS, default bwrap. */
export function backendOption(help = `sandbox of each trial (${BACKEND_HELP})`): Option {
  return new Option('--backend <kind>', help).choices([...BACKENDS]).default('bwrap' satisfies BackendKind);
}

/** The selection flags of one split as commander parses them. */
export interface SelectionFlagValues {
  task?: string[];
  exclude?: string[];
  nTasks?: number;
  sampleSeed?: number;
}

/**
 * Adds `--task`, `--exclude`, `--n-tasks`, `--sample-seed` (with `prefix`, e.g. `holdout-`, before
 * each name) to a command; `what` names the suite in the help (e.g. "held-out").
 */
export function addTaskSelectionOptions(command: Command, prefix = '', what = ''): Command {
  const suite = what ? `${what} tasks` : 'tasks';
  return command
    .option(
      `--${prefix}task <name...>`,
      `only these ${suite}: names or globs (* ? [ab]), repeatable (default: all of them)`,
    )
    .option(`--${prefix}exclude <name...>`, `leave out these ${suite}: names or globs, repeatable`)
    .option(
      `--${prefix}n-tasks <n>`,
      `run a deterministic sample of n of the ${suite} left after --${prefix}task/--${prefix}exclude (same seed, same tasks)`,
      positiveInt,
    )
    .option(`--${prefix}sample-seed <s>`, `the seed of --${prefix}n-tasks's sample (default 0)`, nonNegativeInt);
}
