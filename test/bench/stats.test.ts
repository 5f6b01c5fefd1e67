import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  comparePaired,
  computePassStats,
  pairedDifferenceInterval,
  passAtKForTask,
  signFlipPValue,
  wilsonInterval,
} from '../../src/bench/stats.ts';

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
});

const Z2 = 1.959963984540054 ** 2;
const one = (c: number) => ({ n: 1, c });

test('interval at 100% and 0%: never a point — two passing tasks give [2/(2+z²), 1], i.e. 34.2%–100%', () => {
  const all = computePassStats([one(1), one(1)]);
  close(all.passAt1, 1);
  close(all.ci95[0], 2 / (2 + Z2), 1e-12);
  assert.equal(all.ci95[1], 1);
  assert.equal(all.ci95[0].toFixed(3), '0.342');
  const none = computePassStats([one(0), one(0)]);
  assert.equal(none.ci95[0], 0);
  close(none.ci95[1], Z2 / (2 + Z2), 1e-12);
  // Many attempts of one task are not many tasks: 3/3 on one task is as uncertain as one task passing.
  assert.deepEqual(computePassStats([{ n: 3, c: 3 }]).ci95, wilsonInterval(1, 1));
  assert.ok(computePassStats([{ n: 3, c: 3 }]).ci95[0] < 0.25);
  // The interval narrows as tasks are added, and stays off 1.
  const ten = computePassStats(Array.from({ length: 10 }, () => one(1))).ci95;
  assert.ok(ten[0] > all.ci95[0] && ten[0] < 0.75, `${ten}`);
});

test('Wilson score interval: textbook values; with one attempt per task it is the ordinary Wilson interval', () => {
  // 8 of 10: Wilson 95% interval [0.4902, 0.9433]
  const [lo, hi] = wilsonInterval(0.8, 10);
  close(lo, 0.4902, 1e-4);
  close(hi, 0.9433, 1e-4);
  assert.deepEqual(wilsonInterval(0.5, 0), [0, 1]);
  assert.deepEqual(computePassStats([one(1), one(1), one(0), one(1), one(0)]).ci95, wilsonInterval(0.6, 5));
});

test('more attempts per task: the interval is over tasks, never collapses, and a failure never narrows it upward', () => {
  const t = (n: number, c: number) => ({ n, c });
  // Every task at the same rate: a bootstrap over tasks gave a point; here it is Wilson over the 2 or 3 tasks.
  assert.deepEqual(computePassStats([t(5, 5), t(5, 5)]).ci95, wilsonInterval(1, 2));
  assert.deepEqual(computePassStats([t(4, 2), t(4, 2), t(4, 2)]).ci95, wilsonInterval(0.5, 3));
  assert.deepEqual(computePassStats([t(2, 0), t(2, 0), t(2, 0)]).ci95, wilsonInterval(0, 3));
  // Monotone: one more failed attempt lowers both ends (an estimated effective n could raise the lower one).
  const all = computePassStats([t(5, 5), t(5, 5)]).ci95;
  const oneFailed = computePassStats([t(5, 5), t(5, 4)]).ci95;
  assert.ok(oneFailed[0] < all[0] && oneFailed[1] < all[1], `${oneFailed} vs ${all}`);
  // All-or-nothing tasks (the worst case the interval is built for): worth exactly 4 pass/fail results.
  const allOrNothing = computePassStats([t(3, 3), t(3, 0), t(3, 3), t(3, 0)]);
  assert.deepEqual(allOrNothing.ci95, wilsonInterval(0.5, 4));
});

test('paired difference interval: not a point when both sides agree everywhere; contains the difference', () => {
  const both = [one(1), one(1)];
  const [lo, hi] = pairedDifferenceInterval(both, both);
  close(hi, 1 - 2 / (2 + Z2), 1e-12);
  close(lo, -(1 - 2 / (2 + Z2)), 1e-12);
  const mixed = [one(1), one(0), one(1), one(0)];
  const same = pairedDifferenceInterval(mixed, mixed);
  assert.ok(same[0] < -0.1 && same[1] > 0.1, `${same}`);
  const a = [one(0), one(0), one(0), one(1), one(0), one(1)];
  const b = [one(1), one(1), one(0), one(1), one(1), one(1)];
  const [l, h] = pairedDifferenceInterval(a, b);
  assert.ok(l < 0.5 && 0.5 < h && h <= 1 && l >= -1, `${l}–${h}`);
  assert.deepEqual(comparePaired(a, b).ci95, [l, h]);
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

test('the sign-flip test is exact for any number of tasks: 20 tasks all one attempt better gives 2 / 2^20 two-sided and 1 / 2^20 one-sided', () => {
  const a = Array.from({ length: 20 }, () => ({ n: 2, c: 0 }));
  const b = Array.from({ length: 20 }, () => ({ n: 2, c: 1 }));
  close(comparePaired(a, b).pValue, 2 / 2 ** 20);
  close(signFlipPValue(b, a, 'less')!, 1 / 2 ** 20);
  close(signFlipPValue(a, b, 'less')!, 1);
});

test('the one-sided sign-flip test counts the assignments as low as the observed sum, with unequal attempts', () => {
  // Differences (over 2): −2, −1, +1 → observed −2; of the 8 sign assignments, sums ≤ −2: {−4, −2, −2} → 3/8.
  const a = [
    { n: 1, c: 1 },
    { n: 2, c: 1 },
    { n: 2, c: 0 },
  ];
  const b = [
    { n: 2, c: 0 },
    { n: 1, c: 0 },
    { n: 2, c: 1 },
  ];
  close(signFlipPValue(a, b, 'less')!, 3 / 8);
  close(signFlipPValue(a, a, 'less')!, 1);
});
