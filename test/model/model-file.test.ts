// The file a model spec reads: found inside chaos: wrappers, made absolute for what a run records,
// shown relative again in reports; and what a spec is estimated to cost before its model is made.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { absoluteModelSpec, modelSpecFile } from '../../src/model/model-file.ts';
import { estimatedCost } from '../../src/model/prices.ts';
import { shownModel } from '../../src/report/shown.ts';

test('the file a spec reads is found inside chaos: (the worker rewrites only the path)', () => {
  assert.deepEqual(modelSpecFile('scripted:a/b.yaml'), { prefix: 'scripted:', path: 'a/b.yaml' });
  assert.deepEqual(modelSpecFile('chaos:0.2:seed=3:faults=timeout,empty_reply:replay:/c/d.jsonl'), {
    prefix: 'chaos:0.2:seed=3:faults=timeout,empty_reply:replay:',
    path: '/c/d.jsonl',
  });
  assert.deepEqual(modelSpecFile('chaos:0.1:chaos:0.5:scripted:x.yaml'), {
    prefix: 'chaos:0.1:chaos:0.5:scripted:',
    path: 'x.yaml',
  });
  assert.deepEqual(modelSpecFile('sim-evolver:s.yaml'), { prefix: 'sim-evolver:', path: 's.yaml' });
  assert.equal(modelSpecFile('chaos:0.1:openai:gpt-5'), undefined);
  assert.equal(modelSpecFile('anthropic:claude'), undefined);
});

test('absoluteModelSpec: a relative model file is resolved from the base; other specs are unchanged', () => {
  assert.equal(absoluteModelSpec('scripted:a/b.yaml', '/p/exp'), 'scripted:/p/exp/a/b.yaml');
  assert.equal(absoluteModelSpec('sim:../s.yaml', '/p/exp'), 'sim:/p/s.yaml');
  assert.equal(absoluteModelSpec('sim-evolver:s.yaml', '/p'), 'sim-evolver:/p/s.yaml');
  assert.equal(
    absoluteModelSpec('chaos:0.2:seed=3:faults=timeout:replay:c.jsonl', '/p'),
    'chaos:0.2:seed=3:faults=timeout:replay:/p/c.jsonl',
  );
  assert.equal(absoluteModelSpec('scripted:/abs/x.yaml', '/p'), 'scripted:/abs/x.yaml');
  assert.equal(absoluteModelSpec('openai:gpt-5.4', '/p'), 'openai:gpt-5.4');
  assert.equal(absoluteModelSpec('chaos:0.1:anthropic:claude', '/p'), 'chaos:0.1:anthropic:claude');
  // Not specs: left for createModel to name what is wrong (and `none` is --debug-model's own value).
  for (const spec of ['none', 'bogus', 'chaos:2:scripted:x.yaml', 'scripted:'])
    assert.equal(absoluteModelSpec(spec, '/p'), spec);
  assert.equal(absoluteModelSpec('scripted:x.yaml'), `scripted:${join(process.cwd(), 'x.yaml')}`);
});

test('shownModel shows a recorded model file relative to the current directory, behind any chaos: options', () => {
  const here = process.cwd();
  assert.equal(shownModel(`scripted:${join(here, 'runs/a.yaml')}`), 'scripted:runs/a.yaml');
  assert.equal(
    shownModel(`chaos:0.1:seed=2:faults=timeout:replay:${join(here, 'c.jsonl')}`),
    'chaos:0.1:seed=2:faults=timeout:replay:c.jsonl',
  );
  assert.equal(shownModel('scripted:/elsewhere/a.yaml'), 'scripted:/elsewhere/a.yaml'); // outside: kept absolute
  assert.equal(shownModel('openai:gpt-5.4'), 'openai:gpt-5.4');
  assert.equal(shownModel('not a spec'), 'not a spec');
});

test('estimatedCost: test doubles cost nothing, a chaos: wrapper costs what its inner model does, unknown is null', () => {
  const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 0 };
  const table = { 'openai:m': { input: 2, output: 10 } };
  for (const spec of ['scripted:a.yaml', 'replay:c.jsonl', 'sim:s.yaml', 'sim-evolver:s.yaml', 'chaos:0.3:scripted:a'])
    assert.equal(estimatedCost(spec, usage, table), 0, spec);
  assert.equal(estimatedCost('openai:m', usage, table), 12);
  assert.equal(estimatedCost('chaos:0.5:seed=4:openai:m', usage, table), 12);
  assert.equal(estimatedCost('openai:unknown', usage, table), null);
  assert.equal(estimatedCost('chaos:0.5:openai:unknown', usage, table), null);
  assert.equal(estimatedCost('chaos:9:openai:m', usage, table), null);
});
