// The analyst against a scripted model: invalid answers are sent back and finally rejected with a
// clear error; a valid answer is cached, and asking again costs zero model calls.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { analyzeTask, newLedger, parseAnalysis } from '../../src/debugger/analyst.ts';
import type { AnalystInput } from '../../src/debugger/analyst-prompt.ts';
import { createModel } from '../../src/model/create-model.ts';

const input: AnalystInput = {
  task: 'top-words',
  instruction: 'Find the ten most frequent words.',
  attempts: [
    {
      trial: 'top-words__1',
      passed: false,
      reward: 0,
      text: '#1 $ sort book.txt | uniq -c → exit 0',
      signatures: [{ id: 'test-assertion', label: 'test-assertion: test_ties', steps: [] }],
    },
    {
      trial: 'top-words__2',
      passed: true,
      reward: 1,
      text: '#1 $ grep -oE "[A-Za-z]+" book.txt | … → exit 0',
      signatures: [],
    },
  ],
};
const valid = {
  root_cause: 'Ties were not broken alphabetically.',
  pass_vs_fail: 'The passing attempt sorted by count then word.',
  critical_mistake: 'Step 1 sorted by count only.',
  general_mechanism:
    'Re-read every ordering rule of the instruction and check the output against each before finishing.',
  suggested_component: 'system_prompt',
  evidence: [{ trial: 'top-words__1', step: 1, note: 'sort by count only' }],
};

async function scripted(turns: unknown[]) {
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-analyst-')), 'script.yaml');
  writeFileSync(file, stringify({ turns }));
  return createModel(`scripted:${file}`);
}

test('an answer that never validates is retried with its problems, then rejected with a clear error', async () => {
  const model = await scripted([
    { reply: { content: 'I think the agent failed because of ties.' } },
    {
      expect: { last_user_contains: 'no JSON object' },
      reply: { content: JSON.stringify({ ...valid, suggested_component: 'prompt' }) },
    },
    {
      expect: { last_user_contains: 'suggested_component' },
      reply: { content: JSON.stringify({ ...valid, evidence: [{ trial: 'other__1', note: 'x' }] }) },
    },
  ]);
  const ledger = newLedger();
  const r = await analyzeTask(input, { model, cacheDir: mkdtempSync(join(tmpdir(), 'ahe-ac-')) }, ledger);
  assert.equal(r.ok, false);
  assert.match(
    (r as { error: string }).error,
    /answer for task top-words was invalid after 3 calls: evidence names trials that are not attempts of this task: other__1/,
  );
  assert.equal(ledger.calls, 3);
  assert.equal(ledger.failures, 1);
});

test('a valid answer after one repair is cached: the second run makes no model call', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'ahe-ac-'));
  const model = await scripted([
    { reply: { content: '{"root_cause": "ties"' } },
    {
      reply: {
        content: `\`\`\`json\n${JSON.stringify(valid)}\n\`\`\``,
        usage: { prompt_tokens: 900, completion_tokens: 80 },
      },
    },
  ]);
  const ledger = newLedger();
  const first = await analyzeTask(input, { model, cacheDir }, ledger);
  assert.deepEqual(first, { ok: true, analysis: valid, cached: false });
  assert.equal(ledger.calls, 2);
  assert.equal(ledger.completionTokens >= 80, true);

  const silent = await scripted([{ error: { status: 500, message: 'must not be called' } }]);
  const again = newLedger();
  const second = await analyzeTask(
    input,
    { model: { ...silent, spec: model.spec, complete: silent.complete }, cacheDir },
    again,
  );
  assert.deepEqual(second, { ok: true, analysis: valid, cached: true });
  assert.deepEqual(again, { ...newLedger(), cacheHits: 1 });
});

test('a model failure is a value naming the task', async () => {
  const model = await scripted([{ error: { status: 400, message: 'context too long' } }]);
  const r = await analyzeTask(input, { model, cacheDir: mkdtempSync(join(tmpdir(), 'ahe-ac-')) }, newLedger());
  assert.equal(r.ok, false);
  assert.match((r as { error: string }).error, /the analyst model failed on task top-words: .*context too long/);
});

test('parseAnalysis repairs near-JSON and names schema problems by field', () => {
  assert.deepEqual(
    parseAnalysis(
      `Here: {root_cause: 'a', pass_vs_fail: 'b', critical_mistake: 'c', general_mechanism: 'd', suggested_component: 'memory', evidence: [{trial: 't__1', note: 'n'}],}`,
      ['t__1'],
    ).problems,
    [],
  );
  const bad = parseAnalysis(JSON.stringify({ root_cause: '', evidence: [] }), ['t__1']);
  assert.ok(
    bad.problems.some((p) => p.startsWith('root_cause:')),
    bad.problems.join('\n'),
  );
  assert.ok(bad.problems.some((p) => p.startsWith('suggested_component:')));
  assert.ok(bad.problems.some((p) => p.startsWith('evidence:')));
});
