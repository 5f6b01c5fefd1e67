// Adaptive's final check (final-check.ts): what it may spend, and which harnesses and tasks a round checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeKey, type EvaluatedHarness } from '../../src/evolve/best-estimate.ts';
import { FINAL_CHECK_MARGIN, finalCheckBudget, planFinalCheckRound } from '../../src/evolve/final-check.ts';

const k2 = (passes: Record<string, number>) =>
  Object.fromEntries(Object.entries(passes).map(([t, c]) => [t, { n: 2, c }]));

test('the final check spends what the budget has left less a margin, at most one full evaluation, never below nothing', () => {
  // 40 tasks × k=2 × 11 evaluations + 12 held-out × 2 × 3 = 952 trials under fixed; the margin is 2% of them (19).
  const shape = { trainTasks: 40, holdoutTasks: 12, k: 2, iterations: 10, holdoutEvery: 5 };
  assert.equal(FINAL_CHECK_MARGIN, 0.02);
  assert.equal(finalCheckBudget(50, shape), 31);
  assert.equal(finalCheckBudget(500, shape), 80, 'a run that ended early keeps the rest');
  assert.equal(finalCheckBudget(10, shape), 0, 'within the margin: nothing');
  assert.equal(finalCheckBudget(-12, shape), 0, 'a run over its budget checks nothing');
});

test('a round checks the two best harnesses with different changes, on the tasks where their estimates differ most', () => {
  const a = changeKey(0, 'a');
  const b = changeKey(1, 'b');
  const harnesses: EvaluatedHarness[] = [
    { iteration: 0, active: [], outcomes: k2({ x: 0, y: 0, z: 1, w: 2 }) },
    { iteration: 1, active: [a], outcomes: k2({ x: 2, y: 0, z: 1, w: 2 }) },
    { iteration: 2, active: [a, b], outcomes: k2({ x: 2, y: 1, z: 1, w: 2 }) },
    // A rollback of b: the same changes as iteration 1, never its runner-up.
    { iteration: 3, active: [a], outcomes: k2({ x: 2, y: 0, z: 1, w: 2 }) },
  ];
  const tasks = ['w', 'x', 'y', 'z'];
  const plan = planFinalCheckRound(harnesses, tasks, 2)!;
  assert.deepEqual(plan.iterations, [2, 1], 'the best first; the runner-up is the harness without b');
  assert.deepEqual(plan.tasks, ['y'], 'one task for a budget of 2: the one b moved');
  assert.equal(planFinalCheckRound(harnesses, tasks, 4)!.tasks.length, 2);
  assert.equal(planFinalCheckRound(harnesses, tasks, 100)!.tasks.length, 4, 'never more than every task once');
  assert.equal(planFinalCheckRound(harnesses, tasks, 1), undefined, 'under 2 trials: nothing to check');
  assert.equal(
    planFinalCheckRound([harnesses[0]!, { ...harnesses[0]!, iteration: 1 }], tasks, 10),
    undefined,
    'one harness only (the same changes twice)',
  );
});
