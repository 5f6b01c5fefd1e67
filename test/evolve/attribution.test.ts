import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareJobs } from '../../src/bench/compare-jobs.ts';
import { attributeManifest, HARM_ALPHA, runPredictionQuality } from '../../src/evolve/attribution.ts';
import type { Change, ChangeManifest } from '../../src/evolve/manifest.ts';
import { summaryOf } from './summary-fixture.ts';

const change = (id: string, predicted_fixes: string[], risk_tasks: string[]): Change => ({
  id,
  type: 'new',
  component: 'memory',
  files: [`memory/${id}.md`],
  description: 'd',
  evidence: ['e'],
  root_cause: 'r',
  failure_pattern: 'f',
  predicted_fixes,
  risk_tasks,
  why_this_component: 'w',
});
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);
const manifest = (iteration: number, ...changes: Change[]): ChangeManifest => ({ iteration, changes });

// before → after: t1 fixed, t2 unchanged (still failing), t3 improved, t4 regressed, t5 worsened, t6 fixed,
// t7 unchanged (passing), t8 regressed.
const before = summaryOf({
  t1: [0, 0],
  t2: [0, 0],
  t3: [1, 0],
  t4: [1, 1],
  t5: [1, 1],
  t6: [0, 0],
  t7: [1, 1],
  t8: [1, 1],
});
const after = summaryOf({
  t1: [1, 1],
  t2: [0, 0],
  t3: [1, 1],
  t4: [0, 0],
  t5: [1, 0],
  t6: [1, 0],
  t7: [1, 1],
  t8: [0, 0],
});
const cmp = compareJobs(before.tasks, after.tasks);

const several = manifest(
  3,
  change('eff', ['t3', 't1'], ['t7']),
  change('part', ['t1', 't2'], []),
  change('ineff', ['t2'], ['t7']),
  change('none', [], []),
  change('mixed', ['t3'], ['t4']),
  change('harm', ['t2'], ['t5', 'ghost']),
);

test('each change: actually fixed, realised risk, missed fixes and a verdict by the documented rule', () => {
  const r = attributeManifest(several, cmp);
  assert.equal(r.iteration, 3);
  const by = Object.fromEntries(r.changes.map((c) => [c.id, c]));
  assert.deepEqual(
    r.changes.map((c) => [c.id, c.verdict]),
    [
      ['eff', 'EFFECTIVE'],
      ['part', 'PARTIALLY_EFFECTIVE'],
      ['ineff', 'INEFFECTIVE'],
      ['none', 'INEFFECTIVE'],
      ['mixed', 'MIXED'],
      // Its one risk task worsened: not beyond noise (one task of two moved), so no rollback.
      ['harm', 'INEFFECTIVE'],
    ],
  );
  assert.match(
    by.harm!.reason,
    /risk task\(s\) regressed or worsened, not beyond noise \(exact stratified test, one-sided p = 0\.500/,
  );
  assert.deepEqual(by.harm!.harm_test!.tasks, ['t2', 't5']);
  assert.equal(by.harm!.harm_test!.significant, false);
  assert.equal(by.eff!.harm_test, undefined);
  assert.deepEqual(by.eff!.predicted_fixes, ['t1', 't3']);
  assert.deepEqual(by.eff!.actually_fixed, ['t1', 't3']);
  assert.deepEqual(by.eff!.risk_realised, []);
  assert.deepEqual(by.part!.actually_fixed, ['t1']);
  assert.deepEqual(by.part!.missed, ['t2']);
  assert.deepEqual(by.mixed!.risk_realised, ['t4']);
  assert.deepEqual(by.harm!.risk_realised, ['t5']);
  assert.deepEqual(by.harm!.not_evaluated, ['ghost']);
  assert.deepEqual(by.harm!.risk_tasks, ['t5']);
  assert.match(by.part!.reason, /1 of 2 predicted fix/);
  assert.match(by.none!.reason, /no predicted fix/);
  assert.equal(by.eff!.component, 'memory');
});

test('fixes and regressions no change predicted are listed', () => {
  const r = attributeManifest(several, cmp);
  assert.deepEqual(r.fixed_or_improved, ['t1', 't3', 't6']);
  assert.deepEqual(r.regressed_or_worsened, ['t4', 't5', 't8']);
  assert.deepEqual(r.unattributed_fixes, ['t6']);
  assert.deepEqual(r.unattributed_regressions, ['t8']);
});

test('the only change of an iteration is HARMFUL when the harm test over every task is significant, never on counts alone', () => {
  // Fix t6 is undone: 3 regressed or worsened against 2 fixed or improved — more hurt than helped, but
  // within noise (one-sided p well above α): the change stays, and its reason says why.
  const worse = compareJobs(before.tasks, { ...after.tasks, t6: { n: 2, c: 0 } });
  const solo = attributeManifest(manifest(1, change('solo', ['t1'], [])), worse);
  assert.equal(solo.changes[0]!.verdict, 'EFFECTIVE');
  assert.match(solo.changes[0]!.reason, /as the only change, 3 task\(s\) worse against 2 better, not beyond noise/);
  assert.ok(solo.changes[0]!.harm_test!.p_value >= HARM_ALPHA);
  // Four passing tasks fail both attempts after it, a fifth one of two: p = (1/6)^4 · 1/2, HARMFUL,
  // whatever its predictions said.
  const five = summaryOf({ a: [1, 1], b: [1, 1], c: [1, 1], d: [1, 1], e: [1, 1] });
  const broken = summaryOf({ a: [0, 0], b: [0, 0], c: [0, 0], d: [0, 0], e: [1, 0] });
  const harmful = attributeManifest(manifest(1, change('solo', ['a'], [])), compareJobs(five.tasks, broken.tasks));
  assert.equal(harmful.changes[0]!.verdict, 'HARMFUL');
  close(harmful.changes[0]!.harm_test!.p_value, 1 / 6 ** 4 / 2);
  assert.match(
    harmful.changes[0]!.reason,
    /only change.*5 task\(s\) worse against 0 better over 5 \(exact stratified test, one-sided p = 0\.000 < α = 0\.1\)/,
  );
  // The same change beside another one is judged on its own predicted and risk tasks: HARMFUL when they
  // fell beyond noise (four risk tasks lost both attempts: p = (1/6)^4), not otherwise.
  const pair = attributeManifest(
    manifest(1, change('risky', [], ['a', 'b', 'c', 'd']), change('other', ['e'], [])),
    compareJobs(five.tasks, broken.tasks),
  );
  assert.deepEqual(
    pair.changes.map((c) => [c.id, c.verdict]),
    [
      ['risky', 'HARMFUL'],
      ['other', 'INEFFECTIVE'],
    ],
  );
  close(pair.changes[0]!.harm_test!.p_value, 1 / 6 ** 4);
});

test('run prediction quality: precision over changes, recall over manifests with changes', () => {
  const a = attributeManifest(several, cmp);
  // Predicted 2+2+1+0+1+1 = 7, actually fixed 2+1+0+0+1+0 = 4; credited {t1, t3} of {t1, t3, t6}.
  const q1 = runPredictionQuality([a]);
  assert.equal(q1.precision, 4 / 7);
  assert.equal(q1.recall, 2 / 3);
  assert.deepEqual(
    [q1.predicted, q1.actually_fixed, q1.credited, q1.fixed_or_improved, q1.manifests, q1.changes],
    [7, 4, 2, 3, 1, 6],
  );
  // An empty manifest's movements are noise: they do not lower recall.
  const empty = attributeManifest(manifest(4), cmp);
  const solo = attributeManifest(manifest(5, change('solo', ['t6', 't2'], [])), cmp);
  const q = runPredictionQuality([a, empty, solo]);
  assert.equal(q.precision, (4 + 1) / (7 + 2));
  assert.equal(q.recall, (2 + 1) / (3 + 3));
  assert.equal(q.manifests, 2);
});

test('precision and recall are null when their denominators are zero', () => {
  const flat = compareJobs(before.tasks, before.tasks);
  const q = runPredictionQuality([attributeManifest(manifest(1, change('none', [], [])), flat)]);
  assert.equal(q.precision, null);
  assert.equal(q.recall, null);
  assert.deepEqual(runPredictionQuality([]), {
    precision: null,
    recall: null,
    predicted: 0,
    actually_fixed: 0,
    credited: 0,
    fixed_or_improved: 0,
    manifests: 0,
    changes: 0,
  });
});
