// An experiment's budget counts what its jobs recorded and what torn-down trials had spent before they
// could record it; only the trials that wrote no result go into the ledger.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { budgetReached, recordTornDown, spentByJobs } from '../../src/experiments/experiment-spend.ts';

test('torn-down trials are added to the ledger, finished ones are not; the spend sums both invocations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-spend-'));
  const ledger = join(dir, 'torn-down-spend.json');
  const live = new Map([
    ['a__1', { tokens: 400, costUsd: 0.01 }],
    ['b__1', { tokens: 250, costUsd: 0.02 }],
  ]);
  recordTornDown(ledger, live, new Set(['a__1']));
  recordTornDown(ledger, new Map([['c__1', { tokens: 100, costUsd: 0 }]]), new Set());
  recordTornDown(ledger, new Map(), new Set());
  const spent = spentByJobs([join(dir, 'no-such-job')], ledger);
  assert.equal(spent.calls, 2);
  assert.equal(spent.promptTokens + spent.completionTokens, 350);
  assert.ok(Math.abs(spent.costUsd - 0.02) < 1e-12);
  assert.equal(spentByJobs([join(dir, 'no-such-job')]).calls, 0);
});

test('budgets: tokens and USD, each only when given', () => {
  const none = { usd: null, tokens: null };
  assert.equal(budgetReached({ tokens: 1e9, costUsd: 1e6 }, none), undefined);
  assert.equal(budgetReached({ tokens: 1499, costUsd: 0 }, { usd: null, tokens: 1500 }), undefined);
  assert.equal(
    budgetReached({ tokens: 1500, costUsd: 0 }, { usd: null, tokens: 1500 }),
    'token budget reached: 1500 of 1500',
  );
  assert.equal(
    budgetReached({ tokens: 0, costUsd: 2.5 }, { usd: 2, tokens: null }),
    'cost budget reached: $2.50 of $2',
  );
});
