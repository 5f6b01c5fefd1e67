// An experiment's budget counts what its jobs recorded and what torn-down trials had spent before they
// could record it; only the trials that wrote no result go into the ledger, and only those that left no
// trace in the job (run by a queue's worker): a trial run here is counted from its trace, also after a kill -9.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { keepReplacedTrial } from '../../src/bench/keep-replaced-trial.ts';
import { budgetReached, recordTornDown, spentByJobs } from '../../src/experiments/experiment-spend.ts';

test('torn-down trials are added to the ledger, finished ones are not; the spend sums both invocations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-spend-'));
  const ledger = join(dir, 'torn-down-spend.json');
  const live = new Map([
    ['a__1', { tokens: 400, costUsd: 0.01 }],
    ['b__1', { tokens: 250, costUsd: 0.02 }],
  ]);
  const job = join(dir, 'no-such-job');
  recordTornDown(ledger, live, new Set(['a__1']), job);
  recordTornDown(ledger, new Map([['c__1', { tokens: 100, costUsd: 0 }]]), new Set(), job);
  recordTornDown(ledger, new Map(), new Set(), job);
  const spent = spentByJobs([job], ledger);
  assert.equal(spent.calls, 2);
  assert.equal(spent.promptTokens + spent.completionTokens, 350);
  assert.ok(Math.abs(spent.costUsd - 0.02) < 1e-12);
  assert.equal(spentByJobs([job]).calls, 0);
});

test('a torn-down or killed trial that ran here counts from its trace, once, before and after it is run again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-spend-'));
  const ledger = join(dir, 'torn-down-spend.json');
  const job = join(dir, 'job');
  // The job as a budget stop (a__1 torn down), then a kill -9 (c__1), left it: result.json and two unfinished trials.
  mkdirSync(job);
  writeFileSync(
    join(job, 'result.json'),
    JSON.stringify({ n_total_trials: 3, tokens: { prompt: 0, completion: 0, cached: 0 }, cost_usd: 0 }),
  );
  const trace = (trial: string, prompt: number) => {
    mkdirSync(join(job, trial, 'agent'), { recursive: true });
    writeFileSync(
      join(job, trial, 'agent', 'events.jsonl'),
      `${JSON.stringify({ v: 1, ts: '2026-01-01T00:00:00.000Z', type: 'model_call', session_id: trial, step: 1, usage: { prompt_tokens: prompt, completion_tokens: 0, cached_tokens: 0 }, cost_usd: 0 })}\n`,
    );
  };
  trace('a__1', 1200);
  trace('c__1', 800);
  // a__1's last progress report came before its last call; b__1 ran on a queue's worker (no directory here).
  const live = new Map([
    ['a__1', { tokens: 1100, costUsd: 0 }],
    ['b__1', { tokens: 300, costUsd: 0 }],
  ]);
  recordTornDown(ledger, live, new Set(), job);
  const tokens = () => {
    const s = spentByJobs([job], ledger);
    return s.promptTokens + s.completionTokens;
  };
  assert.equal(tokens(), 1200 + 800 + 300);
  // Run again, each unfinished try is moved aside and counted there: still once.
  keepReplacedTrial(job, 'a__1');
  keepReplacedTrial(job, 'c__1');
  assert.equal(tokens(), 1200 + 800 + 300);
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
