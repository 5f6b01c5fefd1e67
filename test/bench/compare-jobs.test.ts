import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyChange, compareJobs } from '../../src/bench/compare-jobs.ts';
import type { TaskSummary } from '../../src/bench/job-summary.ts';
import { comparePaired, computePassStats } from '../../src/bench/stats.ts';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

// A → B: t1 fixed, t2 regressed, t3 improved (1/2 → 2/2), t4 worsened (1/2 → 1/3), t5 unchanged (never
// passes), t7 unchanged (1/2 → 2/4: the same rate); onlyA and t6 are on one side only.
const A = {
  t1: { n: 2, c: 0 },
  t2: { n: 2, c: 2 },
  t3: { n: 2, c: 1 },
  t4: { n: 2, c: 1 },
  t5: { n: 2, c: 0 },
  t7: { n: 2, c: 1 },
  onlyA: { n: 1, c: 1 },
};
const B = {
  t1: { n: 2, c: 1 },
  t2: { n: 2, c: 0 },
  t3: { n: 2, c: 2 },
  t4: { n: 3, c: 1 },
  t5: { n: 2, c: 0 },
  t7: { n: 4, c: 2 },
  t6: { n: 2, c: 2 },
};

test('each common task is fixed, regressed, improved, worsened or unchanged; one-sided tasks are listed apart', () => {
  const r = compareJobs(A, B);
  assert.deepEqual(r.commonTasks, ['t1', 't2', 't3', 't4', 't5', 't7']);
  assert.deepEqual(
    r.tasks.map((t) => [t.task, t.change]),
    [
      ['t1', 'fixed'],
      ['t2', 'regressed'],
      ['t3', 'improved'],
      ['t4', 'worsened'],
      ['t5', 'unchanged'],
      ['t7', 'unchanged'],
    ],
  );
  assert.deepEqual(r.tasks[3], { task: 't4', change: 'worsened', a: { n: 2, c: 1 }, b: { n: 3, c: 1 } });
  assert.deepEqual(r.counts, { fixed: 1, regressed: 1, improved: 1, worsened: 1, unchanged: 2 });
  assert.deepEqual(r.onlyInA, ['onlyA']);
  assert.deepEqual(r.onlyInB, ['t6']);
});

test('pass@1 of each job and the paired test are over the common tasks only', () => {
  const r = compareJobs(A, B);
  close(r.a.passAt1, (0 + 1 + 0.5 + 0.5 + 0 + 0.5) / 6);
  close(r.b.passAt1, (0.5 + 0 + 1 + 1 / 3 + 0 + 0.5) / 6);
  close(r.paired.meanDifference, -1 / 36);
  assert.equal(r.paired.nTasks, 6);
  // Non-zero differences +½, −1, +½, −⅙: every one of the 16 sign assignments has |mean| ≥ 1/36.
  close(r.paired.pValue, 1);
  const names = r.commonTasks as (keyof typeof A & keyof typeof B)[];
  const expected = comparePaired(
    names.map((t) => A[t]),
    names.map((t) => B[t]),
  );
  assert.deepEqual(r.paired, expected);
  assert.deepEqual(r.a.ci95, computePassStats(names.map((t) => A[t])).ci95);
});

test('a clear improvement: five tasks fixed out of six gives p = 2/32 and an interval above zero', () => {
  const a = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((t) => [t, { n: 1, c: t === 'f' ? 1 : 0 }]));
  const b = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((t) => [t, { n: 1, c: 1 }]));
  const r = compareJobs(a, b);
  close(r.paired.meanDifference, 5 / 6);
  close(r.paired.pValue, 2 / 32); // only all-plus and all-minus are as extreme
  assert.ok(r.paired.ci95[0] > 0, `ci95 ${r.paired.ci95}`);
  assert.equal(r.counts.fixed, 5);
  assert.equal(r.counts.unchanged, 1);
  close(r.a.passAt1, 1 / 6);
  close(r.b.passAt1, 1);
});

test('classifyChange compares rates exactly and ignores extra fields', () => {
  assert.equal(classifyChange({ n: 3, c: 1 }, { n: 6, c: 2 }), 'unchanged');
  assert.equal(classifyChange({ n: 3, c: 1 }, { n: 6, c: 3 }), 'improved');
  assert.equal(classifyChange({ n: 3, c: 0 }, { n: 6, c: 0 }), 'unchanged');
  const summaryTasks: Record<string, TaskSummary> = { x: { n: 1, c: 1, rewards: [1], exceptions: [] } }; // a job summary's `tasks`
  const r = compareJobs(summaryTasks, { x: { n: 1, c: 1 } });
  assert.deepEqual(r.tasks, [{ task: 'x', change: 'unchanged', a: { n: 1, c: 1 }, b: { n: 1, c: 1 } }]);
});
