// A wrapper around a provider model (chaos:, the recording wrapper) says whether the model is priced as the
// provider says it now, not as it said when the wrapper was made: a provider that reports a call's cost
// itself (OpenRouter's usage.cost) becomes priced only after its first reply.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHAOS_FAULTS, chaosModel } from '../../src/model/chaos-model.ts';
import { recordModel } from '../../src/model/record-model.ts';
import type { Completion, Model } from '../../src/model/types.ts';

/** Like a provider without a price-table entry: priced once a reply has carried its cost. */
function lateCostModel(): Model {
  let reported = false;
  return {
    spec: 'test:late-cost',
    provider: 'test',
    name: 'late-cost',
    get priced() {
      return reported;
    },
    async complete(): Promise<Completion> {
      reported = true;
      return {
        message: { role: 'assistant', content: 'ok' },
        usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 0 },
        costUsd: 0.0001,
        finishReason: 'stop',
        model: 'late-cost',
      };
    },
  };
}

const request = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [] };

const wrappers: [string, (inner: Model) => Model][] = [
  ['chaos:', (inner) => chaosModel(inner, { rate: 0, seed: 1, faults: CHAOS_FAULTS })],
  ['the recording wrapper', (inner) => recordModel(inner, join(mkdtempSync(join(tmpdir(), 'ahe-priced-')), 'c.jsonl'))],
];

for (const [name, wrap] of wrappers)
  test(`${name} reads the inner model's priced flag at each use: a cost reported late counts`, async () => {
    const model = wrap(lateCostModel());
    assert.equal(model.priced, false, 'no cost reported yet');
    await model.complete(request);
    assert.equal(model.priced, true, 'the provider reported a cost: the wrapper says so too');
  });
