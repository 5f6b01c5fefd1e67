// The offline evolve demo (examples/evolve-demo) unchanged, with its coding agent speaking a provider's
// wire format against a strict fake that answers from the demo's coding script: the OpenAI Responses API
// (`openai-responses:`, a signed reasoning item with every reply), Chat Completions (`openai:`) and
// Anthropic Messages (`anthropic:`, a signed thinking block with every reply, thinking on). The
// loop must end as the scripted demo does (lesson EFFECTIVE, harmful change rolled back), every request
// must pass the fake's checks, and reasoning items / thinking blocks must come back on each later turn.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { runEvolve } from '../../src/evolve/run-evolve.ts';
import { createModel } from '../../src/model/create-model.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';
import { startScriptedAnthropicServer } from '../support/fake-anthropic-server.ts';
import type { FakeServer } from '../support/fake-http-server.ts';
import { startScriptedResponsesServer } from '../support/fake-openai-responses-server.ts';
import { startScriptedOpenAIServer } from '../support/fake-openai-server.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const PROVIDERS: [string, (scripts: Record<string, string>) => Promise<FakeServer>][] = [
  ['openai-responses', startScriptedResponsesServer],
  ['openai', startScriptedOpenAIServer],
  ['anthropic', startScriptedAnthropicServer],
];

for (const [provider, start] of PROVIDERS)
  test(`the offline evolve demo runs unchanged with its coding agent on ${provider}'s fake`, {
    skip,
    timeout: 600_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-wire-'));
    const demo = makeDemo(dir);
    const server = await start({ 'demo-coding': demo.codingScript });
    try {
      const runDir = join(dir, 'run');
      const env = {
        OPENAI_API_KEY: 'sk-fake-demo',
        OPENAI_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-fake-demo',
        ANTHROPIC_BASE_URL: server.url,
      };
      const state = await runEvolve({
        runDir,
        config: demoEvolveConfig(demo, { model: `${provider}:demo-coding`, reasoning_effort: 'high' }),
        resolveModel: (spec) => createModel(spec, { env, maxRetries: 0 }),
      });
      assert.equal(state.step, 'done', JSON.stringify(state.stopped));
      const it = (n: number, file: string) => join(runDir, 'iterations', String(n), file);
      assert.equal(readJson(it(0, 'job/result.json')).tasks['top-words'].c, 0);
      assert.equal(readJson(it(1, 'job/result.json')).tasks['top-words'].c, 1);
      assert.deepEqual(
        readJson(it(1, 'attribution.json')).changes.map((c: { id: string; verdict: string }) => [c.id, c.verdict]),
        [['check-stated-rules', 'EFFECTIVE']],
      );
      assert.deepEqual(
        state.rollbacks.map((r) => [r.iteration, r.change_id]),
        [[2, 'save-time']],
      );
      // Every request reached the script (none refused), asked for the effort, and carried back the
      // reasoning of each earlier turn.
      assert.ok(server.requests.length >= 12, String(server.requests.length));
      for (const r of server.requests) {
        if (provider === 'openai') {
          assert.equal(r.body.reasoning_effort, 'high');
          continue;
        }
        if (provider === 'anthropic') {
          // Thinking on at the level's budget; each earlier assistant turn starts with its signed thinking.
          assert.equal(r.body.thinking?.type, 'enabled');
          const messages = r.body.messages as { role: string; content: { type: string }[] }[];
          for (const m of messages.filter((m) => m.role === 'assistant'))
            assert.equal(
              m.content[0]?.type,
              'thinking',
              `an assistant turn without its thinking: ${JSON.stringify(m)}`,
            );
          continue;
        }
        assert.deepEqual(r.body.reasoning, { effort: 'high', summary: 'auto' });
        const input = r.body.input as { type?: string; role?: string }[];
        const turns = input.filter((i) => i.type === 'function_call' || i.role === 'assistant').length;
        const reasoning = input.filter((i) => i.type === 'reasoning').length;
        assert.ok(
          reasoning >= 1 || turns === 0,
          `a later turn without its reasoning: ${JSON.stringify(input).slice(0, 300)}`,
        );
      }
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
