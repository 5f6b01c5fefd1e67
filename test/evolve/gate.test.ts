// The gate: the decision (pure) for HARMFUL, MIXED, significant and insignificant drops, and its
// effect on a real workspace (reverts newest first, idempotent on a resumed run).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyGate, type ChangeVerdictInput, decideGate } from '../../src/evolve/gate.ts';
import { repositoryGit } from '../../src/evolve/git-env.ts';
import { createWorkspace, type Workspace } from '../../src/evolve/workspace.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));

const verdicts: ChangeVerdictInput[] = [
  { id: 'verify-output', verdict: 'EFFECTIVE', commit: 'c1' },
  { id: 'long-memory', verdict: 'HARMFUL', commit: 'c2', detail: 'fixed none; regressed csv-region-totals, top-words' },
  { id: 'retry-tool', verdict: 'MIXED', commit: 'c3' },
];

test('a HARMFUL change is rolled back; MIXED and EFFECTIVE stay when the drop is not significant', () => {
  const d = decideGate({ verdicts, paired: { meanDifference: -0.05, pValue: 0.31 } });
  assert.deepEqual(d.rollbacks, [
    { changeId: 'long-memory', commit: 'c2', reason: 'HARMFUL: fixed none; regressed csv-region-totals, top-words' },
  ]);
  assert.equal(d.iterationRollback, false);
  assert.deepEqual(d.kept, [
    { changeId: 'verify-output', verdict: 'EFFECTIVE' },
    { changeId: 'retry-tool', verdict: 'MIXED' },
  ]);
  assert.equal(
    d.reason,
    '1 HARMFUL change(s) rolled back (long-memory); paired difference -0.050 (p = 0.310 ≥ α = 0.05), not a significant drop',
  );
});

test('MIXED alone is kept', () => {
  const d = decideGate({
    verdicts: [{ id: 'retry-tool', verdict: 'MIXED', commit: 'c3' }],
    paired: { meanDifference: 0.1, pValue: 0.2 },
  });
  assert.deepEqual(d.rollbacks, []);
  assert.equal(d.iterationRollback, false);
  assert.equal(
    d.reason,
    'no HARMFUL change and no significant drop (paired difference +0.100 (p = 0.200 ≥ α = 0.05)): 1 change(s) kept',
  );
});

test('a significantly negative paired difference rolls back every change of the iteration', () => {
  const d = decideGate({ verdicts, paired: { meanDifference: -0.2, pValue: 0.012 } });
  assert.equal(d.iterationRollback, true);
  assert.deepEqual(
    d.rollbacks.map((r) => [r.changeId, r.commit]),
    [
      ['verify-output', 'c1'],
      ['long-memory', 'c2'],
      ['retry-tool', 'c3'],
    ],
  );
  assert.equal(
    d.rollbacks[0]!.reason,
    'iteration rollback: paired difference -0.200 (p = 0.012 < α = 0.05) on the training split (verdict EFFECTIVE)',
  );
  assert.match(d.rollbacks[1]!.reason, /^HARMFUL: /, 'a HARMFUL change keeps its own reason');
  assert.deepEqual(d.kept, []);
  assert.equal(
    d.reason,
    'the iteration is significantly worse on the training split: paired difference -0.200 (p = 0.012 < α = 0.05); all 3 change(s) rolled back',
  );
});

test('a negative but insignificant difference, a positive significant one, or none: no iteration rollback', () => {
  const ok = verdicts.filter((v) => v.verdict !== 'HARMFUL');
  for (const paired of [
    { meanDifference: -0.2, pValue: 0.06 },
    { meanDifference: 0.2, pValue: 0.001 },
    { meanDifference: -0.2, pValue: Number.NaN },
    undefined,
  ]) {
    const d = decideGate({ verdicts: ok, paired });
    assert.equal(d.iterationRollback, false, JSON.stringify(paired));
    assert.deepEqual(d.rollbacks, [], JSON.stringify(paired));
  }
  assert.match(decideGate({ verdicts: ok, paired: undefined }).reason, /no paired comparison/);
  // alpha is a parameter: the same drop is significant at 0.1.
  assert.equal(
    decideGate({ verdicts: ok, paired: { meanDifference: -0.2, pValue: 0.06 }, alpha: 0.1 }).iterationRollback,
    true,
  );
  assert.throws(() => decideGate({ verdicts: ok, paired: undefined, alpha: 5 }), /alpha must be in \(0, 1\)/);
});

function write(ws: Workspace, rel: string, text: string): void {
  mkdirSync(join(ws.dir, rel, '..'), { recursive: true });
  writeFileSync(join(ws.dir, rel), text);
}

test('applyGate reverts newest first, leaves kept changes, and does nothing twice on a resumed gate', async () => {
  const ws = await createWorkspace(join(mkdtempSync(join(tmpdir(), 'ahe-gate-')), 'run'), SEED);
  write(ws, 'memory/a.md', 'lesson a\n');
  const a = await ws.commitChange({ message: 'a' });
  write(ws, 'memory/b.md', 'lesson b\n');
  const b = await ws.commitChange({ message: 'b' });
  write(ws, 'memory/a.md', 'lesson a\nmore a\n');
  const c = await ws.commitChange({ message: 'c' });
  const decision = decideGate({
    verdicts: [
      { id: 'a', verdict: 'HARMFUL', commit: a },
      { id: 'b', verdict: 'EFFECTIVE', commit: b },
      { id: 'c', verdict: 'HARMFUL', commit: c },
    ],
    paired: { meanDifference: -0.1, pValue: 0.5 },
  });
  const applied = await applyGate(ws, decision);
  assert.deepEqual(
    applied.map((r) => [r.changeId, r.commit, r.method, r.alreadyReverted]),
    [
      ['c', c, 'revert', false],
      ['a', a, 'revert', false],
    ],
    'c (newest) first, so a reverts cleanly onto the state it was made on',
  );
  assert.equal(existsSync(join(ws.dir, 'memory/a.md')), false);
  assert.equal(readFileSync(join(ws.dir, 'memory/b.md'), 'utf8'), 'lesson b\n');
  const subjects = (await repositoryGit(ws.dir).raw(['log', '--format=%s'])).trim().split('\n');
  assert.deepEqual(subjects, ['rollback a: HARMFUL', 'rollback c: HARMFUL', 'c', 'b', 'a', 'seed']);
  assert.equal(applied[0]!.revert, await ws.findRevertOf(c));

  const head = await ws.head();
  const again = await applyGate(ws, decision);
  assert.equal(await ws.head(), head, 'no new commit');
  assert.deepEqual(
    again.map((r) => [r.changeId, r.revert, r.alreadyReverted]),
    applied.map((r) => [r.changeId, r.revert, true]),
  );
});
