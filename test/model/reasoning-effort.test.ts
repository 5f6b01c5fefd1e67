// Reasoning effort plumbing: a run's level overrides every request of a model (createModel option), is
// checked against the provider when the model is made, and each evolve role's level is recorded in the
// run config and fixed on --resume.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareResumeFlags } from '../../src/cli/evolve-flags.ts';
import { UserError } from '../../src/errors.ts';
import { EvolveConfigSchema, roleEffort } from '../../src/evolve/evolve-config.ts';
import { createModel } from '../../src/model/create-model.ts';
import { withReasoningEffort } from '../../src/model/reasoning-effort.ts';
import type { CompletionRequest, Model } from '../../src/model/types.ts';
import { providerRequest } from '../support/provider-request.ts';

const spy = (provider: string, seen: CompletionRequest[]): Model => ({
  spec: `${provider}:x`,
  provider,
  name: 'x',
  priced: true,
  async complete(request) {
    seen.push(request);
    return {
      message: { role: 'assistant', content: 'ok' },
      usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 },
      costUsd: 0,
      finishReason: 'stop',
      model: 'x',
    };
  },
});

test("withReasoningEffort: the run's level replaces the harness's on every request", async () => {
  const seen: CompletionRequest[] = [];
  const model = withReasoningEffort(spy('openai', seen), 'xhigh');
  await model.complete(providerRequest({ reasoningEffort: 'low' }));
  await model.complete(providerRequest());
  assert.deepEqual(
    seen.map((r) => r.reasoningEffort),
    ['xhigh', 'xhigh'],
  );
  assert.equal(model.spec, 'openai:x');
  assert.throws(
    () => withReasoningEffort(spy('anthropic', []), 'minimal'),
    (e: Error) => e instanceof UserError && /provider 'anthropic'/.test(e.message),
  );
});

test('createModel with a reasoning effort: scripted models accept and ignore it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-effort-'));
  try {
    const script = join(dir, 's.yaml');
    writeFileSync(script, 'turns:\n  - reply: { content: done }\n');
    const model = await createModel(`scripted:${script}`, { reasoningEffort: 'high' });
    assert.equal((await model.complete(providerRequest())).message.content, 'done');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('evolve: each role has its level; a run started before the keys resumes with none; a change is refused', () => {
  const base = {
    harness: '/h',
    tasks: '/t',
    holdout: null,
    model: 'openai:gpt-5',
    evolve_model: 'openai:gpt-5',
    debug_model: null,
    iterations: 1,
    k: 1,
    concurrency: 1,
    holdout_every: 0,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
  };
  const old = EvolveConfigSchema.parse(base);
  assert.equal(old.reasoning_effort, null);
  assert.equal(roleEffort(old, 'coding'), null);
  const config = EvolveConfigSchema.parse({ ...base, reasoning_effort: 'high', evolve_reasoning_effort: 'medium' });
  assert.equal(roleEffort(config, 'coding'), 'high');
  assert.equal(roleEffort(config, 'evolver'), 'medium');
  assert.equal(roleEffort(config, 'debugger'), null);
  assert.throws(() => EvolveConfigSchema.parse({ ...base, reasoning_effort: 'huge' }));
  const resume = compareResumeFlags({ reasoningEffort: 'low', evolveReasoningEffort: 'medium' }, config);
  assert.deepEqual(resume.refused, ['--reasoning-effort (recorded "high", given "low")']);
});
