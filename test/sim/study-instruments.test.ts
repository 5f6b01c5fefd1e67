// The study instruments of scripts/adaptive-bounds-study.ts (docs/evolution-cost.md, "What would close the
// gap"): the ground-truth rewrites and SimulateOptions.study do what the page says they do.
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
