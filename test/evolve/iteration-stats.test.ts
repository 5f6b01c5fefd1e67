import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computePassStats } from '../../src/bench/stats.ts';
import { iterationStats, jobDelta, taskStability } from '../../src/evolve/iteration-stats.ts';
import { summaryOf } from './summary-fixture.ts';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

// Three iterations, k = 2. Against the previous one: a fixed, b regressed, c improved, d worsened,
// e and p unchanged, s always passes, `new` appears only now.
const it0 = summaryOf({ a: [0, 0], b: [1, 1], c: [1, 1], d: [1, 1], e: [0, 0], p: [1, 1], s: [1, 1] });
const previous = summaryOf({ a: [0, 0], b: [1, 1], c: [1, 0], d: [1, 1], e: [0, 0], p: [1, 0], s: [1, 1] });
const current = summaryOf({
  a: [1, 0],
  b: [0, 0],
  c: [1, 1],
  d: [1, 0.5],
  e: [0, 0],
  p: [0, 1],
  s: [1, 1],
  new: [1, 1],
});

test('pass@1, its interval and pass@k describe the current job, recomputed from its tasks', () => {
  const s = iterationStats({ current });
  close(s.pass_at_1, (0.5 + 0 + 1 + 0.5 + 0 + 0.5 + 1 + 1) / 8);
  assert.equal(s.n_tasks, 8);
  // pass@2 with n = 2: a task passes when either attempt does — a, c, d, p, s, new.
  close(s.pass_at_k['2']!, 6 / 8);
  const expected = computePassStats(Object.values(current.tasks));
  assert.deepEqual(s.ci95, expected.ci95);
  close(s.stderr, expected.stderr);
  assert.ok(s.ci95[0] < s.pass_at_1 && s.pass_at_1 < s.ci95[1]);
  assert.equal(s.vs_previous, undefined);
  assert.equal(s.vs_best, undefined);
});

test('against the previous iteration: task lists, net, retention and the paired test over common tasks', () => {
  const s = iterationStats({ current, previous });
  const d = s.vs_previous!;
  assert.deepEqual(
    { fixed: d.fixed, regressed: d.regressed, improved: d.improved, worsened: d.worsened, unchanged: d.unchanged },
    { fixed: ['a'], regressed: ['b'], improved: ['c'], worsened: ['d'], unchanged: ['e', 'p', 's'] },
  );
  assert.equal(d.net, 0);
  // Passed before (c > 0): b, c, d, p, s; still passing: c, d, p, s.
  close(d.retention!, 4 / 5);
  assert.equal(d.paired.nTasks, 7);
  close(d.paired.meanDifference, (0.5 - 1 + 0.5 - 0.5 + 0 + 0 + 0) / 7);
  assert.ok(d.paired.pValue > 0.5, `p = ${d.paired.pValue}: a net of zero is no evidence of anything`);
  assert.deepEqual(d.only_in_current, ['new']);
  assert.deepEqual(d.only_in_other, []);
});

test('against the best earlier iteration, named by the caller', () => {
  const s = iterationStats({ current, previous, best: { iteration: 0, summary: it0 } });
  const b = s.vs_best!;
  assert.equal(b.iteration, 0);
  assert.deepEqual([b.fixed, b.regressed, b.improved, b.worsened], [['a'], ['b'], [], ['d', 'p']]);
  assert.equal(b.net, 1 - 1 - 2);
});

test('partial tasks are those with some passing and some failing attempts; partial credit is a failure', () => {
  assert.deepEqual(iterationStats({ current }).partial_tasks, ['a', 'd', 'p']);
});

test('stability: pass counts per iteration, current last; absent iterations are null', () => {
  const s = iterationStats({ current, previous, history: [it0, previous] });
  const row = (t: string) => s.stability.find((x) => x.task === t)!;
  assert.deepEqual(
    s.stability.map((x) => x.task),
    ['a', 'b', 'c', 'd', 'e', 'new', 'p', 's'],
  );
  assert.deepEqual(row('a'), {
    task: 'a',
    passes: [0, 0, 1],
    attempts: [2, 2, 2],
    stable_pass: false,
    stable_fail: false,
    flaky: true,
  });
  assert.deepEqual(row('e'), {
    task: 'e',
    passes: [0, 0, 0],
    attempts: [2, 2, 2],
    stable_pass: false,
    stable_fail: true,
    flaky: false,
  });
  assert.deepEqual(row('s'), {
    task: 's',
    passes: [2, 2, 2],
    attempts: [2, 2, 2],
    stable_pass: true,
    stable_fail: false,
    flaky: false,
  });
  assert.deepEqual(row('new'), {
    task: 'new',
    passes: [null, null, 2],
    attempts: [null, null, 2],
    stable_pass: true,
    stable_fail: false,
    flaky: false,
  });
  // c passed every attempt in iterations 0 and 2 but only one of two in iteration 1: not stable.
  assert.equal(row('c').flaky, true);
});

test('retention is null when nothing passed before; jobDelta and taskStability work on their own', () => {
  const none = summaryOf({ a: [0], b: [0] });
  const some = summaryOf({ a: [1], b: [0] });
  const d = jobDelta(none.tasks, some.tasks);
  assert.equal(d.retention, null);
  assert.deepEqual(d.fixed, ['a']);
  assert.equal(d.net, 1);
  assert.deepEqual(
    taskStability([none, some]).map((t) => [t.task, t.flaky]),
    [
      ['a', true],
      ['b', false],
    ],
  );
});
