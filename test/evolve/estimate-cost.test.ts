// The cost estimate before a run: trials per evaluation, and best-of-N's extra sessions and candidate evaluations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateRunCost } from '../../src/evolve/estimate-cost.ts';

const base = {
  iterations: 3,
  trainTasks: 10,
  holdoutTasks: 5,
  holdoutEvaluations: 2,
  k: 2,
  model: 'scripted:a.yaml',
  evolveModel: 'scripted:b.yaml',
};
const calls = (e: ReturnType<typeof estimateRunCost>, role: string) => e.roles.find((r) => r.role === role)!.calls;

test('one evolver: (iterations + 1) training evaluations plus the held-out ones; one session per iteration', () => {
  const e = estimateRunCost(base);
  assert.equal(calls(e, 'coding'), 4 * 10 * 2 + 2 * 5 * 2);
  assert.equal(calls(e, 'evolver'), 3);
});

test('best-of-3 adds three sessions and three candidate evaluations per iteration', () => {
  const e = estimateRunCost({ ...base, evolvers: 3 });
  assert.equal(calls(e, 'coding'), 4 * 10 * 2 + 2 * 5 * 2 + 3 * 3 * 10 * 2);
  assert.equal(calls(e, 'evolver'), 9);
  assert.ok(e.tokens > estimateRunCost(base).tokens);
});
