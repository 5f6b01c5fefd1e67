// Which tasks of a suite a job runs: `--task` (names or globs; none means all), then `--exclude`
// (names or globs), then `--n-tasks N` sampled deterministically with `--sample-seed S`. One function
// for `ahe eval`, `ahe tasks check` and both splits of `ahe evolve` (whose held-out flags carry a
// `--holdout-` prefix, hence the flag names passed in). The selection is recorded in the job's
// config.json and the evolve run's config, so a resumed job or run measures the same tasks.
import { createHash } from 'node:crypto';
import { UserError } from '../errors.ts';
import type { Task } from './task.ts';

/** What a job records of how its tasks were chosen (config.json `task_selection`). */
export interface TaskSelection {
  /** Names or globs to keep; empty keeps every task. */
  include: string[];
  /** Names or globs to leave out (after `include`). */
  exclude: string[];
  /** A deterministic sample of this many of the remaining tasks; null keeps them all. */
  n_tasks: number | null;
  /** The sample's seed (null without a sample). */
  sample_seed: number | null;
}

export const NO_SELECTION: TaskSelection = { include: [], exclude: [], n_tasks: null, sample_seed: null };

/** The flags of one split, named in errors. */
export interface SelectionFlagNames {
  /** The flag that names the suite. */
  suite: string;
  task: string;
  exclude: string;
  nTasks: string;
  sampleSeed: string;
}

export const TRAIN_SELECTION_FLAGS: SelectionFlagNames = {
  suite: '--tasks',
  task: '--task',
  exclude: '--exclude',
  nTasks: '--n-tasks',
  sampleSeed: '--sample-seed',
};
export const HOLDOUT_SELECTION_FLAGS: SelectionFlagNames = {
  suite: '--holdout',
  task: '--holdout-task',
  exclude: '--holdout-exclude',
  nTasks: '--holdout-n-tasks',
  sampleSeed: '--holdout-sample-seed',
};

/** The seed of a sample when --n-tasks is given without --sample-seed. */
export const DEFAULT_SAMPLE_SEED = 0;

/** Whether the selection narrows the suite at all. */
export const selects = (s: TaskSelection) =>
  s.include.length > 0 || s.exclude.length > 0 || s.n_tasks !== null || s.sample_seed !== null;

/**
 * The selection the flags of one split ask for, checked: a seed without a sample size, a size below
 * one, an empty pattern are UserErrors naming the flag. (Commander's parsers check the numbers of the
 * command line already; this also guards library callers and a hand-edited run config.)
 */
export function selectionFrom(
  values: { task?: string[]; exclude?: string[]; nTasks?: number | null; sampleSeed?: number | null },
  flags: SelectionFlagNames = TRAIN_SELECTION_FLAGS,
): TaskSelection {
  const patterns = (flag: string, list: string[] | undefined) => {
    const out = (list ?? []).map((p) => p.trim());
    if (out.some((p) => p === '')) throw new UserError(`${flag}: an empty name; give a task name or a glob`);
    return out;
  };
  const nTasks = values.nTasks ?? null;
  const seed = values.sampleSeed ?? null;
  if (nTasks !== null && (!Number.isSafeInteger(nTasks) || nTasks < 1))
    throw new UserError(`${flags.nTasks} ${nTasks}: expected an integer of at least 1`);
  if (seed !== null && (!Number.isSafeInteger(seed) || seed < 0))
    throw new UserError(`${flags.sampleSeed} ${seed}: expected a non-negative integer`);
  if (seed !== null && nTasks === null)
    throw new UserError(`${flags.sampleSeed} ${seed}: a seed is for a sample; give ${flags.nTasks} N too`);
  return {
    include: patterns(flags.task, values.task),
    exclude: patterns(flags.exclude, values.exclude),
    n_tasks: nTasks,
    sample_seed: nTasks === null ? null : (seed ?? DEFAULT_SAMPLE_SEED),
  };
}

const GLOB_CHARS = /[*?[]/;
export const isGlob = (pattern: string) => GLOB_CHARS.test(pattern);

/** A glob (`*` any run of characters, `?` one, `[abc]`/`[!abc]`/`[a-z]` a class) as an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const matcher = (pattern: string) => {
  if (!isGlob(pattern)) return (name: string) => name === pattern;
  const re = globToRegExp(pattern);
  return (name: string) => re.test(name);
};

/** A few names of the suite, for a message about a name that is not in it. */
const someNames = (names: string[]) => `${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}`;

/** The sample's order: each name ranked by a hash of the seed and the name (stable when other tasks come or go). */
const rank = (seed: number, name: string) => createHash('sha256').update(`${seed}\0${name}`).digest('hex');

/**
 * The tasks the selection keeps, in the suite's order. Every pattern must match some task of the
 * suite (an unknown exact name, or a glob that matches nothing, is a UserError naming the flag: a typo
 * would otherwise silently change what is measured), the selection must keep at least one task, and
 * `n_tasks` must not exceed what is left.
 */
export function selectTasks(
  tasks: readonly Task[],
  selection: TaskSelection,
  where: { dir: string; flags?: SelectionFlagNames },
): Task[] {
  const flags = where.flags ?? TRAIN_SELECTION_FLAGS;
  const names = tasks.map((t) => t.name);
  const check = (flag: string, patterns: string[]) => {
    const unknown = patterns.filter((p) => !names.some(matcher(p)));
    if (unknown.length === 0) return;
    const exact = unknown.filter((p) => !isGlob(p));
    const globs = unknown.filter(isGlob);
    const why =
      globs.length === 0
        ? `not ${exact.length > 1 ? 'tasks' : 'a task'} of ${where.dir}`
        : exact.length === 0
          ? `${globs.length > 1 ? 'match' : 'matches'} no task of ${where.dir}`
          : `${exact.join(', ')}: not ${exact.length > 1 ? 'tasks' : 'a task'} of ${where.dir}; ${globs.join(', ')}: no match`;
    throw new UserError(`${flag} ${unknown.join(' ')}: ${why} (it has: ${someNames(names)})`);
  };
  check(flags.task, selection.include);
  check(flags.exclude, selection.exclude);
  const included = selection.include.map(matcher);
  const excluded = selection.exclude.map(matcher);
  let kept = tasks.filter(
    (t) => (included.length === 0 || included.some((m) => m(t.name))) && !excluded.some((m) => m(t.name)),
  );
  if (kept.length === 0) {
    const asked = describeSelection({ ...selection, n_tasks: null, sample_seed: null }, flags);
    throw new UserError(
      asked
        ? `${asked}: no task of ${where.dir} is left to run`
        : `${flags.suite} ${where.dir}: no loadable task found`,
    );
  }
  if (selection.n_tasks !== null) {
    if (!Number.isSafeInteger(selection.n_tasks) || selection.n_tasks < 1)
      throw new UserError(`${flags.nTasks} ${selection.n_tasks}: expected an integer of at least 1`);
    if (selection.n_tasks > kept.length)
      throw new UserError(
        `${flags.nTasks} ${selection.n_tasks}: only ${kept.length} task${kept.length > 1 ? 's' : ''} of ${where.dir} ${selects({ ...selection, n_tasks: null, sample_seed: null }) ? 'match the selection' : 'exist'}; ask for at most ${kept.length}`,
      );
    const seed = selection.sample_seed ?? DEFAULT_SAMPLE_SEED;
    const chosen = new Set(
      kept
        .map((t) => ({ name: t.name, key: rank(seed, t.name) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, selection.n_tasks)
        .map((r) => r.name),
    );
    kept = kept.filter((t) => chosen.has(t.name));
  }
  return kept;
}

/** One line saying what a selection does, for progress output (empty without one). */
export function describeSelection(s: TaskSelection, flags: SelectionFlagNames = TRAIN_SELECTION_FLAGS): string {
  return [
    s.include.length ? `${flags.task} ${s.include.join(' ')}` : '',
    s.exclude.length ? `${flags.exclude} ${s.exclude.join(' ')}` : '',
    s.n_tasks !== null
      ? `${flags.nTasks} ${s.n_tasks} ${flags.sampleSeed} ${s.sample_seed ?? DEFAULT_SAMPLE_SEED}`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
}
