// The review of kept changes (review-kept.ts) and the posterior difference it rests on (best-estimate.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseBest, type EvaluatedHarness, estimateDifference } from '../../src/evolve/best-estimate.ts';
import { reviewable, reviewKept } from '../../src/evolve/review-kept.ts';

const TASKS = ['a', 'b', 'c', 'd'];
const o = (n: number, c: number) => ({ n, c });

/** The seed, then change x (which breaks task a), then x and y (y does nothing), each measured 4 times per task. */
function run(): EvaluatedHarness[] {
  const all = (a: number) => ({ a: o(4, a), b: o(4, 2), c: o(4, 4), d: o(4, 0) });
  return [
    { iteration: 0, active: [], outcomes: all(4) },
    { iteration: 1, active: ['0/x'], outcomes: all(0) },
    { iteration: 2, active: ['0/x', '1/y'], outcomes: all(0) },
    { iteration: 3, active: ['0/x', '1/y'], outcomes: all(1) },
  ];
}

test('estimateDifference: its mean is the difference of chooseBest estimates; the same harness twice differs by 0 ± 0', () => {
  const harnesses = [...run(), { iteration: -1, active: ['1/y'], outcomes: {} }];
  const { estimates } = chooseBest(harnesses, TASKS);
  const [withoutX, same] = estimateDifference(harnesses, TASKS, [
    [4, 3],
    [2, 3],
  ]);
  assert.ok(Math.abs(withoutX!.mean - (estimates[4]!.estimate - estimates[3]!.estimate)) < 1e-12);
  assert.ok(withoutX!.mean > 0.1, `removing x raises the estimate: ${withoutX!.mean}`);
  assert.ok(withoutX!.sd > 0 && withoutX!.sd < withoutX!.mean, `sd ${withoutX!.sd}`);
  assert.deepEqual(same, { mean: 0, sd: 0 });
});

test('estimateDifference: the same pass rates measured more often, a smaller sd', () => {
  // Task a passes without x and fails with it; n attempts per evaluation.
  const measured = (n: number): EvaluatedHarness[] => [
    { iteration: 0, active: [], outcomes: { a: o(n, n) } },
    { iteration: 1, active: ['0/x'], outcomes: { a: o(n, 0) } },
    { iteration: -1, active: [], outcomes: {} },
  ];
  const [little] = estimateDifference(measured(1), ['a'], [[2, 1]]);
  const [much] = estimateDifference(measured(8), ['a'], [[2, 1]]);
  assert.ok(much!.mean > little!.mean, `${much!.mean} > ${little!.mean}`);
  assert.ok(much!.sd < little!.sd, `${much!.sd} < ${little!.sd}`);
});

test('reviewKept: rolls back the change whose removal raises the estimate past the margin and the sd factor', () => {
  const active = ['0/x', '1/y'];
  const review = reviewKept(run(), active, active, TASKS);
  assert.equal(review.rollback?.change, '0/x');
  assert.deepEqual(
    review.reviewed.map((r) => r.change),
    active,
  );
  const y = review.reviewed.find((r) => r.change === '1/y')!;
  assert.ok(Math.abs(y.rise) < 0.015, `y does nothing: ${y.rise}`);
  assert.equal(reviewKept(run(), active, active, TASKS, { margin: 0.9, sd: 0 }).rollback, null);
  assert.equal(reviewKept(run(), active, active, TASKS, { margin: 0, sd: 100 }).rollback, null);
  assert.equal(reviewKept(run(), active, ['1/y'], TASKS).rollback, null, 'only candidates are reviewed');
  assert.deepEqual(reviewKept(run(), active, [], TASKS).reviewed, []);
});

test('reviewable: not the changes just judged, nor one whose files a later change wrote', () => {
  const files: Record<string, string[]> = {
    '0/x': ['memory/x.md'],
    '1/y': ['memory/y.md', 'tools/t.sh'],
    '2/z': ['tools/t.sh'],
    '3/w': ['memory/w.md'],
  };
  const active = Object.keys(files);
  assert.deepEqual(
    reviewable(active, new Set(['3/w']), (k) => files[k]!),
    ['0/x', '2/z'],
  );
});
