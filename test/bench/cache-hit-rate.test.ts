// The job summary's cache hit rate (cached ÷ prompt tokens over the trials) and the line `ahe eval` prints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildJobResult, type SummarizableTrial } from '../../src/bench/job-summary.ts';
import { formatJobSummary } from '../../src/cli/eval-action.ts';

const trial = (name: string, input: number | null, cached: number | null): SummarizableTrial => ({
  task_name: name,
  trial_name: `${name}__1`,
  agent_result: { n_input_tokens: input, n_cache_tokens: cached, n_output_tokens: 10, cost_usd: 0.01 },
  verifier_result: { rewards: { reward: 1 } },
});

const job = (trials: SummarizableTrial[]) =>
  buildJobResult({ id: 'j', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', trials });

test('the cache hit rate is cached over prompt tokens, shown on the tokens line', () => {
  const result = job([trial('a', 8000, 6000), trial('b', 2000, null)]);
  assert.equal(result.cache_hit_rate, 0.6);
  assert.match(formatJobSummary(result), /\(6\.0k cached, cache hit rate 60\.0%\) · cost/);
});

test('no prompt tokens: no rate (null), and the line says nothing of one', () => {
  const result = job([trial('a', null, null)]);
  assert.equal(result.cache_hit_rate, null);
  assert.doesNotMatch(formatJobSummary(result), /cache hit rate/);
  // A result.json written before the field existed prints as before.
  const { cache_hit_rate: _gone, ...old } = job([trial('a', 100, 50)]);
  assert.doesNotMatch(formatJobSummary(old as typeof result), /cache hit rate/);
});
