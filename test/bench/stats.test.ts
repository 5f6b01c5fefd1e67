import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePaired, computePassStats, passAtKForTask } from '../../src/bench/stats.ts';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

test('unbiased pass@k matches hand-computed values', () => {
  close(passAtKForTask({ n: 2, c: 1 }, 1), 0.5);
  close(passAtKForTask({ n: 2, c: 1 }, 2), 1); // one of two passes: pass@2 is certain
  close(passAtKForTask({ n: 5, c: 2 }, 2), 1 - 3 / 10); // C(3,2)/C(5,2) = 3/10
  close(passAtKForTask({ n: 10, c: 3 }, 5), 1 - 21 / 252); // C(7,5)=21, C(10,5)=252
  close(passAtKForTask({ n: 4, c: 0 }, 3), 0);
  assert.throws(() => passAtKForTask({ n: 2, c: 1 }, 3), /at least 3 attempts/);
});

test('job stats: pass@1 is the mean of per-task rates; stderr over tasks; a seeded, stable interval', () => {
  const tasks = [
    { n: 2, c: 2 },
    { n: 2, c: 1 },
    { n: 2, c: 0 },
    { n: 2, c: 1 },
  ];
  const s = computePassStats(tasks);
  close(s.passAt1, 0.5);
  close(s.passAtK['2']!, (1 + 1 + 0 + 1) / 4);
  // rates 1, .5, 0, .5: sample sd = sqrt(((.5)^2+0+(.5)^2+0)/3) = sqrt(1/6); se = sd/2
  close(s.stderr, Math.sqrt(1 / 6) / 2);
  assert.ok(s.ci95[0] < 0.5 && s.ci95[1] > 0.5 && s.ci95[0] >= 0 && s.ci95[1] <= 1);
  assert.deepEqual(computePassStats(tasks).ci95, s.ci95);
  assert.deepEqual(computePassStats([{ n: 3, c: 3 }]).ci95, [1, 1]);
});

test('paired comparison: exact sign-flip p-value and the direction of the difference', () => {
  const a = [
    { n: 1, c: 0 },
    { n: 1, c: 0 },
    { n: 1, c: 0 },
    { n: 1, c: 1 },
  ];
  const b = [
    { n: 1, c: 1 },
    { n: 1, c: 1 },
    { n: 1, c: 1 },
    { n: 1, c: 1 },
  ];
  const r = comparePaired(a, b);
  close(r.meanDifference, 0.75);
  // three non-zero differences of +1: only all-plus and all-minus are as extreme → 2/8
  close(r.pValue, 0.25);
  const same = comparePaired(a, a);
  close(same.meanDifference, 0);
  close(same.pValue, 1);
  assert.throws(() => comparePaired(a, b.slice(1)), /same tasks/);
});
