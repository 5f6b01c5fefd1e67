// The study instruments of scripts/adaptive-bounds-study.ts (docs/evolution-cost.md, "What would close the
// gap"): the ground-truth rewrites and SimulateOptions.study do what the pages say they do; and the review
// of kept changes (SimulateOptions.reviewKept, which scripts/review-kept-study.ts measures) in memory.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { affectedTasks, withPerfectPredictions } from '../../scripts/sim-study-common.ts';
import { readHarnessFiles } from '../../src/sim/draw.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { type SimulateOptions, simulateRun } from '../../src/sim/simulate.ts';

const seedHarness = readHarnessFiles(new URL('../../harnesses/seed', import.meta.url).pathname);

/** 12 tasks; a helpful candidate predicting one wrong task, a harmful one predicting nothing, a neutral one. */
function scenario() {
  const tasks: Record<string, number> = {};
  for (let i = 0; i < 4; i++) tasks[`pass-${i}`] = 0.99;
  for (let i = 0; i < 4; i++) tasks[`fail-${i}`] = 0.01;
  for (let i = 0; i < 4; i++) tasks[`flaky-${i}`] = 0.5;
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-study-')), 'scenario.yaml');
  writeFileSync(
    file,
    stringify({
      seed: 5,
      tasks,
      holdout: { 'held-a': 0.5, 'held-b': 0.2 },
      effects: [
        { id: 'good', when: { text: 'GOOD-RULE' }, tasks: ['fail-1', 'fail-0', 'held-b'], delta: 0.9 },
        { id: 'bad', when: { text: 'BAD-RULE' }, tasks: ['pass-0', 'pass-1'], delta: -0.9 },
      ],
      candidates: [
        { id: 'good', component: 'memory', files: { 'memory/good.md': 'GOOD-RULE' }, predicted_fixes: ['flaky-3'] },
        { id: 'bad', component: 'memory', files: { 'memory/bad.md': 'BAD-RULE' } },
        { id: 'neutral', component: 'memory', files: { 'memory/neutral.md': 'nothing' }, predicted_fixes: ['flaky-0'] },
      ],
    }),
  );
  return loadScenario(file);
}

const options = (): SimulateOptions => ({
  scenario: scenario(),
  seedHarness,
  policy: 'adaptive',
  iterations: 3,
  k: 2,
  holdoutEvery: 2,
});

test('perfect predictions: each candidate predicts the training tasks its effects raise and risks those they lower', () => {
  const original = scenario();
  const rewritten = withPerfectPredictions(original);
  const predictions = rewritten.candidates.map((c) => [c.id, c.predicted_fixes, c.risk_tasks]);
  assert.deepEqual(predictions, [
    ['good', ['fail-1', 'fail-0'], []],
    ['bad', [], ['pass-0', 'pass-1']],
    ['neutral', [], []],
  ]);
  // The scenario given is left as it was.
  assert.deepEqual(original.candidates[0]!.predicted_fixes, ['flaky-3']);
  assert.deepEqual(affectedTasks(original), ['fail-0', 'fail-1', 'pass-0', 'pass-1']);
});

test('measureOnly: after the first evaluation, exactly the given tasks k times each, and no final check', async () => {
  const only = affectedTasks(scenario());
  const run = await simulateRun({ ...options(), study: { measureOnly: only } });
  assert.equal(run.evaluations.length, 4);
  assert.deepEqual(Object.keys(run.evaluations[0]!.attempts).sort(), Object.keys(scenario().tasks).sort());
  for (const e of run.evaluations.slice(1))
    assert.deepEqual(e.attempts, Object.fromEntries(only.map((t) => [t, 2])), `iteration ${e.iteration}`);
  assert.deepEqual(run.finalCheck, []);
  assert.equal(run.trainRollouts, 12 * 2 + 3 * only.length * 2);
});

test('finalCheckExtra: the same path, and a final check that spends more than the budget leaves it', async () => {
  const plain = await simulateRun(options());
  const larger = await simulateRun({ ...options(), study: { finalCheckExtra: 48 } });
  assert.deepEqual(larger.evaluations, plain.evaluations);
  assert.deepEqual(larger.decisions, plain.decisions);
  const trials = (r: typeof plain) => r.finalCheck.reduce((s, c) => s + Object.keys(c.outcomes).length, 0);
  assert.ok(trials(larger) > trials(plain), `${trials(larger)} final-check trials against ${trials(plain)}`);
  assert.equal(larger.trainRollouts - plain.trainRollouts, trials(larger) - trials(plain));
});

/** 12 stable tasks; a harmful change on one task that the gate keeps (one task moving is not significant), then three with no effect. */
function lateHarmScenario() {
  const tasks: Record<string, number> = {};
  for (let i = 0; i < 8; i++) tasks[`pass-${i}`] = 0.99;
  for (let i = 0; i < 4; i++) tasks[`fail-${i}`] = 0.01;
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-study-')), 'scenario.yaml');
  writeFileSync(
    file,
    stringify({
      seed: 1,
      tasks,
      holdout: {},
      effects: [{ id: 'bad', when: { text: 'BAD-RULE' }, tasks: ['pass-0'], delta: -0.9 }],
      candidates: [
        { id: 'bad', component: 'memory', files: { 'memory/bad.md': 'BAD-RULE' } },
        ...[1, 2, 3].map((i) => ({ id: `n${i}`, component: 'memory', files: { [`memory/n${i}.md`]: `nothing ${i}` } })),
      ],
    }),
  );
  return loadScenario(file);
}

test('reviewKept: a harmful change the gate kept is rolled back once later evaluations show it; none below the margin or the sd factor', async () => {
  const base: SimulateOptions = {
    scenario: lateHarmScenario(),
    seedHarness,
    policy: 'fixed',
    iterations: 4,
    k: 2,
    holdoutEvery: 2,
  };
  const plain = await simulateRun(base);
  assert.equal(plain.decisions[0]!.change, 'bad');
  assert.equal(plain.decisions[0]!.rolledBack, false, 'the gate keeps it: the premise of this test');
  assert.equal(plain.reviewRollbacks, undefined);

  const reviewed = await simulateRun({ ...base, reviewKept: { margin: 0.01, sd: 0.5 } });
  assert.equal(reviewed.reviewRollbacks?.length, 1);
  assert.equal(reviewed.reviewRollbacks[0]!.change, '0/bad');
  assert.ok(reviewed.reviewRollbacks[0]!.rise >= 0.01);
  const at = reviewed.reviewRollbacks[0]!.iteration;
  // From the evaluation after the rollback on, the harness is back to the seed's true pass rate.
  const seedRate = reviewed.evaluations[0]!.trueTrain;
  for (const e of reviewed.evaluations)
    if (e.iteration > at) assert.equal(e.trueTrain, seedRate, `iteration ${e.iteration}`);
    else if (e.iteration > 0) assert.ok(e.trueTrain < seedRate, `iteration ${e.iteration}`);

  assert.ok(reviewed.reviewRollbacks[0]!.rise >= 0.5 * reviewed.reviewRollbacks[0]!.sd);
  for (const rule of [
    { margin: 1, sd: 0 },
    { margin: 0, sd: 1000 },
  ]) {
    const never = await simulateRun({ ...base, reviewKept: rule });
    assert.deepEqual(never.reviewRollbacks, [], JSON.stringify(rule));
    assert.deepEqual(never.evaluations, plain.evaluations);
  }
});
