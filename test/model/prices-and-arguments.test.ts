import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseModelSpec } from '../../src/model/create-model.ts';
import { contextWindowOf, costOf, loadPriceTable, priceOf } from '../../src/model/prices.ts';
import { parseToolArguments } from '../../src/model/tool-arguments.ts';

const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'ahe-prices-')), name);
  writeFileSync(path, text);
  return path;
};

test('costs use the cached rate for cached prompt tokens; dated snapshots match their model; unknown models are unpriced', () => {
  assert.equal(
    costOf('openai:gpt-4o', { promptTokens: 2_000_000, completionTokens: 1_000_000, cachedTokens: 1_000_000 }),
    2.5 + 1.25 + 10,
  );
  assert.deepEqual(priceOf('anthropic:claude-haiku-4-5-20251001'), priceOf('anthropic:claude-haiku-4-5'));
  assert.equal(priceOf('openai:gpt-5.4'), undefined); // not gpt-5's price: unknown until the user adds it
  assert.equal(costOf('openai:gpt-5.4', { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 0 }), 0);
});

test('a user price file extends the table; a bad one names the file and key', () => {
  const table = loadPriceTable(file('p.yaml', 'openai:gpt-5.4: { input: 2, output: 16, cached_input: 0.2 }\n'));
  assert.equal(costOf('openai:gpt-5.4', { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 0 }, table), 18);
  assert.ok(priceOf('openai:gpt-4o', table));
  const bad = file('bad.yaml', 'openai:gpt-5.4: { input: cheap, output: 1 }\n');
  assert.throws(
    () => loadPriceTable(bad),
    (e: Error) => e.message.includes(bad) && e.message.includes('openai:gpt-5.4.input'),
  );
  const broken = file('broken.json', '{"a":');
  assert.throws(
    () => loadPriceTable(broken),
    (e: Error) => e.message.includes(broken),
  );
});

test('tool arguments: valid, repairable, empty and hopeless', () => {
  assert.deepEqual(parseToolArguments('{"a": 1}'), { arguments: { a: 1 } });
  assert.deepEqual(parseToolArguments('{"command": "ls",}'), { arguments: { command: 'ls' } });
  assert.deepEqual(parseToolArguments("{command: 'ls'}"), { arguments: { command: 'ls' } });
  assert.deepEqual(parseToolArguments(''), { arguments: {} });
  const hopeless = parseToolArguments('"just a string"');
  assert.deepEqual(hopeless.arguments, {});
  assert.match(hopeless.argumentsError!, /not a valid JSON object \(raw: "just a string"\)/);
});

test('model specs are provider:name', () => {
  assert.deepEqual(parseModelSpec('openai:gpt-5'), { provider: 'openai', name: 'gpt-5' });
  assert.deepEqual(parseModelSpec('scripted:/a/b:c.yaml'), { provider: 'scripted', name: '/a/b:c.yaml' });
  assert.throws(() => parseModelSpec('gpt-5'), /invalid model spec 'gpt-5'/);
  assert.throws(() => parseModelSpec('openai:'), /invalid model spec/);
});

test('a Responses API model is priced as the OpenAI model of the same name (runs and evolve estimates alike)', () => {
  assert.ok(priceOf('openai:gpt-4o'));
  assert.deepEqual(priceOf('openai-responses:gpt-4o'), priceOf('openai:gpt-4o'));
  assert.equal(contextWindowOf('openai-responses:gpt-4o'), contextWindowOf('openai:gpt-4o'));
  // An entry of its own wins.
  const own = { 'openai-responses:gpt-4o': { input: 1, output: 2 } };
  assert.deepEqual(priceOf('openai-responses:gpt-4o', own), { input: 1, output: 2 });
  assert.equal(priceOf('anthropic-responses:gpt-4o'), undefined);
});
