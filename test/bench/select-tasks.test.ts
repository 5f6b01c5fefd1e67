// The task selection every command shares: --task (names or globs), --exclude, then a deterministic
// sample (--n-tasks, --sample-seed); every mistake is a UserError naming the flag.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  globToRegExp,
  HOLDOUT_SELECTION_FLAGS,
  NO_SELECTION,
  selectionFrom,
  selectTasks,
} from '../../src/bench/select-tasks.ts';
import type { Task } from '../../src/bench/task.ts';
import { UserError } from '../../src/errors.ts';

const NAMES = ['csv-a', 'csv-b', 'fix-c', 'fix-d', 'git-e', 'git-f', 'top-g', 'top-h', 'x1', 'x2'];
const suite = (names = NAMES) => names.map((name) => ({ name }) as Task);
const pick = (selection: Partial<typeof NO_SELECTION>, names = NAMES) =>
  selectTasks(suite(names), { ...NO_SELECTION, ...selection }, { dir: '/suite' }).map((t) => t.name);
const userError = (pattern: RegExp) => (e: Error) => e instanceof UserError && pattern.test(e.message);

test('globs: * ? and classes, anchored; other characters are literal', () => {
  assert.ok(globToRegExp('csv-*').test('csv-a'));
  assert.ok(!globToRegExp('csv-*').test('xcsv-a'));
  assert.ok(globToRegExp('x?').test('x1'));
  assert.ok(!globToRegExp('x?').test('x10'));
  assert.ok(globToRegExp('x[12]').test('x2'));
  assert.ok(!globToRegExp('x[!12]').test('x2'));
  assert.ok(globToRegExp('a.b+c').test('a.b+c'));
  assert.ok(!globToRegExp('a.b').test('axb'));
});

test('no selection keeps every task; --task then --exclude narrow it, in the suite order', () => {
  assert.deepEqual(pick({}), NAMES);
  assert.deepEqual(pick({ include: ['top-*', 'csv-a'] }), ['csv-a', 'top-g', 'top-h']);
  assert.deepEqual(pick({ exclude: ['fix-*', 'git-?', 'x1'] }), ['csv-a', 'csv-b', 'top-g', 'top-h', 'x2']);
  assert.deepEqual(pick({ include: ['*-*'], exclude: ['*-[ac-f]'] }), ['csv-b', 'top-g', 'top-h']);
});

test('a sample is deterministic for a seed, drawn after include/exclude, and stable when other tasks come or go', () => {
  const a = pick({ exclude: ['x*'], n_tasks: 3, sample_seed: 1 });
  assert.equal(a.length, 3);
  assert.ok(a.every((n) => !n.startsWith('x')));
  assert.deepEqual(pick({ exclude: ['x*'], n_tasks: 3, sample_seed: 1 }), a, 'same seed, same tasks');
  const seeds = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((s) => pick({ n_tasks: 3, sample_seed: s }).join(',')));
  assert.ok(seeds.size > 1, 'other seeds draw other samples');
  // Removing a task that was not drawn changes nothing (each task's rank depends on its name and the seed only).
  const drawn = pick({ n_tasks: 4, sample_seed: 9 });
  const other = NAMES.find((n) => !drawn.includes(n))!;
  assert.deepEqual(
    pick(
      { n_tasks: 4, sample_seed: 9 },
      NAMES.filter((n) => n !== other),
    ),
    drawn,
  );
  assert.deepEqual(pick({ n_tasks: NAMES.length, sample_seed: 3 }), NAMES, 'all of them, in the suite order');
});

test('mistakes are UserErrors naming the flag: unknown names, globs that match nothing, nothing left, too large a sample', () => {
  assert.throws(() => pick({ include: ['csv-z'] }), userError(/^--task csv-z: not a task of \/suite \(it has: csv-a/));
  assert.throws(() => pick({ include: ['zz*'] }), userError(/^--task zz\*: matches no task of \/suite/));
  assert.throws(() => pick({ exclude: ['nope'] }), userError(/^--exclude nope: not a task of \/suite/));
  assert.throws(() => pick({ include: ['csv-*'], exclude: ['csv-*'] }), userError(/no task of \/suite is left to run/));
  assert.throws(
    () => pick({ n_tasks: 11 }),
    userError(/^--n-tasks 11: only 10 tasks of \/suite exist; ask for at most 10$/),
  );
  assert.throws(
    () => pick({ include: ['x*'], n_tasks: 3 }),
    userError(/^--n-tasks 3: only 2 tasks of \/suite match the selection/),
  );
  assert.throws(() => pick({ n_tasks: 0 }), userError(/^--n-tasks 0: expected an integer of at least 1/));
  assert.throws(
    () => selectTasks(suite(), { ...NO_SELECTION, include: ['q'] }, { dir: '/held', flags: HOLDOUT_SELECTION_FLAGS }),
    userError(/^--holdout-task q: not a task of \/held/),
  );
  assert.throws(
    () => selectTasks([], NO_SELECTION, { dir: '/empty' }),
    userError(/^--tasks \/empty: no loadable task/),
  );
});

test('selectionFrom checks the flags of one split and fills the default seed', () => {
  assert.deepEqual(selectionFrom({}), NO_SELECTION);
  assert.deepEqual(selectionFrom({ task: ['a'], nTasks: 2 }), {
    include: ['a'],
    exclude: [],
    n_tasks: 2,
    sample_seed: 0,
  });
  assert.throws(
    () => selectionFrom({ sampleSeed: 3 }),
    userError(/^--sample-seed 3: a seed is for a sample; give --n-tasks N too$/),
  );
  assert.throws(
    () => selectionFrom({ sampleSeed: 3 }, HOLDOUT_SELECTION_FLAGS),
    userError(/^--holdout-sample-seed 3: .* give --holdout-n-tasks N too$/),
  );
  assert.throws(() => selectionFrom({ nTasks: 0 }), userError(/^--n-tasks 0/));
  assert.throws(() => selectionFrom({ exclude: [' '] }), userError(/^--exclude: an empty name/));
});
