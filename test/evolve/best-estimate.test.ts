// The best-harness rule (best-estimate.ts): each evaluated harness's training pass rate estimated from
// every evaluation of the run under the change-attribution posterior, and the run's files read into it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { changeKey, chooseBest, type EvaluatedHarness, logGamma } from '../../src/evolve/best-estimate.ts';
import { evaluatedHarnesses } from '../../src/evolve/policy-views.ts';

const close = (a: number, b: number, eps = 1e-10) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);
/** Outcomes from passes per task out of 2 attempts. */
const k2 = (passes: Record<string, number>) =>
  Object.fromEntries(Object.entries(passes).map(([t, c]) => [t, { n: 2, c }]));

test('logGamma matches known values', () => {
  close(logGamma(1), 0);
  close(logGamma(2), 0);
  close(logGamma(0.5), Math.log(Math.sqrt(Math.PI)));
  close(logGamma(10), Math.log(362880));
  close(logGamma(0.1), 2.252712651734206);
  close(logGamma(100.5), 361.4355404677776, 1e-9);
});

test('one harness: its estimate is the mean over tasks of (passes + ½) / (attempts + 1)', () => {
  const choice = chooseBest([{ iteration: 0, active: [], outcomes: k2({ x: 2, y: 0 }) }], ['x', 'y']);
  assert.equal(choice.iteration, 0);
  close(choice.estimate, (2.5 / 3 + 0.5 / 3) / 2);
  assert.throws(() => chooseBest([], ['x']), /no evaluated harness/);
});

test('a harness with the same changes as an earlier one (a rollback) gets the same estimate; the tie goes to the earlier', () => {
  const a = changeKey(0, 'a');
  const choice = chooseBest(
    [
      { iteration: 0, active: [], outcomes: k2({ x: 2, y: 1 }) },
      { iteration: 1, active: [a], outcomes: k2({ x: 0, y: 0 }) },
      { iteration: 2, active: [], outcomes: k2({ x: 1, y: 2 }) },
    ],
    ['x', 'y'],
  );
  assert.equal(choice.estimates[0]!.estimate, choice.estimates[2]!.estimate);
  assert.ok(choice.estimates[0]!.estimate > choice.estimates[1]!.estimate);
  assert.equal(choice.iteration, 0);
});

test('a task a harness did not run is estimated from the harnesses that did (adaptive evaluations)', () => {
  const choice = chooseBest(
    [
      { iteration: 0, active: [], outcomes: k2({ y: 2 }) },
      { iteration: 1, active: [changeKey(0, 'a')], outcomes: {} },
    ],
    ['y'],
  );
  close(choice.estimates[1]!.estimate, choice.estimates[0]!.estimate);
  close(choice.estimate, 2.5 / 3);
  assert.equal(choice.iteration, 0);
});

test("a harness's noisy dip on tasks its own change does not touch is read through its neighbours", () => {
  // Change a fixes x1..x3 (0/2 → 2/2 at iteration 1); change b fixes y (2/2 at iteration 2). Iteration 2
  // also drew 1/2 on each x: by its own pass rate iteration 1 is better (3 passes of 4 tasks × 2 vs 2.5),
  // but every x sits with the changes that explain it, so iteration 2 has a's gains and b's.
  const a = changeKey(0, 'a');
  const b = changeKey(1, 'b');
  const harnesses: EvaluatedHarness[] = [
    { iteration: 0, active: [], outcomes: k2({ x1: 0, x2: 0, x3: 0, y: 0 }) },
    { iteration: 1, active: [a], outcomes: k2({ x1: 2, x2: 2, x3: 2, y: 0 }) },
    { iteration: 2, active: [a, b], outcomes: k2({ x1: 1, x2: 1, x3: 1, y: 2 }) },
  ];
  const tasks = ['x1', 'x2', 'x3', 'y'];
  const own = harnesses.map((h) => tasks.reduce((s, t) => s + h.outcomes[t]!.c, 0));
  assert.ok(own[1]! > own[2]!, 'by its own evaluation iteration 1 is the better one');
  const choice = chooseBest(harnesses, tasks);
  assert.equal(choice.iteration, 2);
  assert.ok(choice.estimates[2]!.estimate > choice.estimates[1]!.estimate);
});

test('the run read from its files: changes active from the evaluation after their evolve step until their rollback', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'ahe-best-'));
  try {
    const write = (i: number, name: string, value: unknown) => {
      const file = join(runDir, 'iterations', String(i), name);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, JSON.stringify(value));
    };
    const job = (passes: Record<string, number>) => ({
      tasks: Object.fromEntries(Object.entries(passes).map(([t, c]) => [t, { n: 2, c }])),
    });
    const change = (id: string, commit?: string) => ({
      id,
      component: 'memory',
      files: ['memory/x.md'],
      description: id,
      predicted_fixes: [],
      risk_tasks: [],
      ...(commit ? { commit } : {}),
    });
    write(0, 'job/result.json', job({ x: 0 }));
    write(0, 'change_manifest.json', { iteration: 0, changes: [change('a', 'sha-a'), change('draft')] });
    write(1, 'job/result.json', job({ x: 2 }));
    write(1, 'change_manifest.json', { iteration: 1, changes: [change('b', 'sha-b')] });
    write(2, 'job/result.json', job({ x: 1 }));
    write(3, 'job/result.json', job({ x: 2 }));
    // The gate of iteration 2 rolled b back: b is in evaluation 2, not in 3.
    const harnesses = evaluatedHarnesses(runDir, [{ iteration: 2, commit: 'sha-b' }], 4);
    assert.deepEqual(
      harnesses.map((h) => [h.iteration, h.active]),
      [
        [0, []],
        [1, ['0/a']],
        [2, ['0/a', '1/b']],
        [3, ['0/a']],
      ],
      'a change without a commit never reached the harness',
    );
    assert.deepEqual(harnesses[2]!.outcomes, { x: { n: 2, c: 1 } });
    assert.equal(evaluatedHarnesses(runDir, [], 2).length, 2, 'only the iterations asked for');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});
