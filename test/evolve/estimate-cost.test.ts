// The cost estimate before a run: trials per evaluation, best-of-N's extra sessions and candidate evaluations,
// the baselines' model calls, and the adaptive policy's budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateRunCost } from '../../src/evolve/estimate-cost.ts';

const base = {
  iterations: 3,
  trainTasks: 10,
  holdoutTasks: 5,
  holdoutEvery: 3, // held-out evaluations at 0 and at the end, 3
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

test('ace counts two small calls per iteration, tf-grpo at most one per task and an update; ahe one session', () => {
  const ahe = estimateRunCost(base);
  const ace = estimateRunCost({ ...base, method: 'ace' });
  const grpo = estimateRunCost({ ...base, method: 'tf-grpo' });
  const evolver = (e: ReturnType<typeof estimateRunCost>) => e.roles.find((r) => r.role === 'evolver')!;
  assert.deepEqual([evolver(ahe).calls, evolver(ahe).unit, evolver(ahe).atMost], [3, 'sessions', false]);
  assert.deepEqual([evolver(ace).calls, evolver(ace).unit, evolver(ace).atMost], [6, 'calls', false]);
  assert.deepEqual([evolver(grpo).calls, evolver(grpo).unit, evolver(grpo).atMost], [3 * 11, 'calls', true]);
  // 6 calls of 32k tokens against 3 sessions of 415k: the baselines' evolver line is far smaller.
  assert.equal(evolver(ace).tokens, 6 * 32_000);
  assert.equal(evolver(ahe).tokens, 3 * 415_000);
  assert.equal(calls(ace, 'coding'), calls(ahe, 'coding'));
});

test("under the adaptive policy the trials are its budget: half of fixed's, held-out included", () => {
  const fixed = estimateRunCost(base);
  const adaptive = estimateRunCost({ ...base, evalPolicy: 'adaptive' });
  const coding = (e: ReturnType<typeof estimateRunCost>) => e.roles.find((r) => r.role === 'coding')!;
  assert.equal(coding(adaptive).calls, Math.floor(coding(fixed).calls / 2));
  assert.ok(coding(adaptive).tokens < coding(fixed).tokens);
  assert.equal(coding(adaptive).atMost, false);
  assert.match(coding(adaptive).note ?? '', new RegExp(`adaptive's budget, 50% of fixed's ${coding(fixed).calls}`));
});
