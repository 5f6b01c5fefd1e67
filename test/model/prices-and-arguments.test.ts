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
  // Not gpt-5.4's price (a key matches its model and dated snapshots, not longer names): unknown until the user adds it.
  assert.equal(priceOf('openai:gpt-5.4-pro'), undefined);
  assert.equal(costOf('openai:gpt-5.4-pro', { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 0 }), 0);
});

test('the built-in table: the current models at their listed prices, Anthropic cache rates at 0.1× and 1.25× input', () => {
  // The values below are the ones src/model/prices.ts cites its pages for; a change there is a change here.
  assert.deepEqual(priceOf('openai:gpt-5.4'), { input: 2.5, cached_input: 0.25, output: 15 });
  assert.deepEqual(priceOf('openai-responses:gpt-5.4'), priceOf('openai:gpt-5.4'));
  assert.deepEqual(priceOf('openai:gpt-5.4-mini'), { input: 0.75, cached_input: 0.075, output: 4.5 });
  assert.deepEqual(priceOf('anthropic:claude-opus-4-6'), {
    input: 5,
    cached_input: 0.5,
    cache_write: 6.25,
    output: 25,
  });
  assert.deepEqual(priceOf('anthropic:claude-sonnet-4-6'), {
    input: 3,
    cached_input: 0.3,
    cache_write: 3.75,
    output: 15,
  });
  assert.equal(priceOf('anthropic:claude-opus-5-5'), undefined); // not Opus 5's price: left out, see prices.ts
  assert.equal(priceOf('anthropic:claude-haiku-5-5'), undefined); // priced by prompt length: not built in
  assert.deepEqual(priceOf('openai:gemini-3.5-flash'), { input: 1.5, output: 9 });
  assert.equal(priceOf('openai:gemini-3.1-pro-preview'), undefined); // priced by prompt length: not built in
  for (const spec of [
    'opus-5',
    'opus-4-8',
    'opus-4-7',
    'opus-4-5',
    'opus-4-1',
    'sonnet-5',
    'sonnet-4-5',
    'haiku-4-5',
  ]) {
    const price = priceOf(`anthropic:claude-${spec}`);
    assert.ok(price, spec);
    assert.equal(price.cached_input, Math.round(price.input * 0.1 * 1000) / 1000, spec);
    assert.equal(price.cache_write, price.input * 1.25, spec);
  }
  assert.equal(contextWindowOf('anthropic:claude-opus-5'), 1_000_000);
  assert.equal(contextWindowOf('anthropic:claude-opus-4-6'), 200_000);
  assert.equal(contextWindowOf('anthropic:claude-sonnet-5'), 1_000_000);
  assert.equal(contextWindowOf('anthropic:claude-haiku-4-5-20251001'), 200_000);
  assert.equal(contextWindowOf('anthropic:claude-opus-4-5'), 200_000);
});

test('a user price file extends and overrides the table; a bad one names the file and key', () => {
  const table = loadPriceTable(file('p.yaml', 'openai:gpt-5.4: { input: 2, output: 16, cached_input: 0.2 }\n'));
  assert.equal(costOf('openai:gpt-5.4', { promptTokens: 1e6, completionTokens: 1e6, cachedTokens: 0 }, table), 18);
  assert.ok(priceOf('openai:gpt-4o', table));
  const bad = file('bad.yaml', 'openai:gpt-5.4: { input: cheap, output: 1 }\n');
  assert.throws(
    () => loadPriceTable(bad),
    (e: Error) => e.message.includes(bad) && e.message.includes('openai:gpt-5.4.input'),
  );
  // A key that is not provider:model is named with what a key must be (zod alone says "Invalid key in record").
  const bareKey = file('bare.yaml', 'gpt-5.4: { input: 1, output: 2 }\n');
  assert.throws(
    () => loadPriceTable(bareKey),
    (e: Error) => e.message.includes(`${bareKey}:1:10: gpt-5.4: a key is provider:model (e.g. openai:gpt-5.4)`),
  );
  const broken = file('broken.json', '{"a":');
  assert.throws(
    () => loadPriceTable(broken),
    (e: Error) => e.message.includes(broken),
  );
  // Every problem at once, each at its line and column.
  const several = file(
    'several.yaml',
    'openai:gpt-5.4: { input: 2.5, cached_inpt: 0.25, output: 15 }\nanthropic:x: { input: -1 }\n',
  );
  assert.throws(
    () => loadPriceTable(several),
    (e: Error) => {
      const lines = e.message.split('\n');
      assert.equal(lines[0], `--prices ${several}: 3 problems:`);
      assert.deepEqual(
        lines.slice(1).map((l) => l.trim().replace(several, 'F')),
        [
          "F:1:31: openai:gpt-5.4.cached_inpt: unknown field 'cached_inpt'",
          'F:2:23: anthropic:x.input: Too small: expected number to be >=0',
          'F:2:14: anthropic:x.output: is required (number)',
        ],
      );
      return true;
    },
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
