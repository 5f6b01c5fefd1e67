// Anthropic prompt caching against the strict fake: where the breakpoints go, what the usage reports
// (reads, writes, and a prompt count that includes both), what it costs, and a 20-turn session whose
// later turns read most of their prompt from the cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnthropicModel } from '../../src/model/anthropic-model.ts';
import { costOf, loadPriceTable } from '../../src/model/prices.ts';
import type { Completion, Message, Model } from '../../src/model/types.ts';
import {
  anthropicMessage,
  anthropicStream,
  type StrictAnthropicServer,
  startStrictAnthropicServer,
} from '../support/fake-anthropic-server.ts';
import type { FakeReply } from '../support/fake-http-server.ts';
import { shellTool } from '../support/provider-request.ts';

const KEY = 'sk-ant-test-key-abcdefghijklmnop';
const EPHEMERAL = { type: 'ephemeral' };
const MODEL = 'claude-sonnet-4';
// ~2,000 tokens at 4 characters a token: above Sonnet's 1,024-token minimum on its own.
const LONG_SYSTEM = `You are a careful coding agent. ${'Follow the repository conventions and check your work. '.repeat(145)}`;
const readTool = {
  name: 'read_file',
  description: 'Read a file.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

async function withStrict(replies: FakeReply[], fn: (server: StrictAnthropicServer) => Promise<void>) {
  const server = await startStrictAnthropicServer(replies);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

const modelAt = (url: string, opts: { stream?: boolean; promptCaching?: boolean } = {}): Model =>
  createAnthropicModel(MODEL, {
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
    stream: opts.stream ?? false,
    promptCaching: opts.promptCaching,
    maxRetries: 0,
  });

const toolTurn = (i: number): FakeReply =>
  anthropicMessage({
    text: `step ${i}`,
    toolUses: [{ id: `t${i}`, name: 'run_shell_command', input: { command: `cat f${i}` } }],
  });

/** A session of `turns` model calls, each answered with a ~1 KB tool output; returns every completion. */
async function session(model: Model, turns: number): Promise<Completion[]> {
  const messages: Message[] = [
    { role: 'system', content: LONG_SYSTEM },
    { role: 'user', content: 'fix the failing test' },
  ];
  const out: Completion[] = [];
  for (let i = 0; i < turns; i++) {
    const c = await model.complete({ messages: [...messages], tools: [readTool, shellTool] });
    out.push(c);
    messages.push(c.message);
    for (const call of c.message.toolCalls ?? [])
      messages.push({
        role: 'tool',
        toolCallId: call.id,
        name: call.name,
        content: `line of output ${i}\n`.repeat(60),
      });
  }
  return out;
}

const marks = (body: any): unknown[] => {
  const system = Array.isArray(body.system) ? body.system : [];
  const blocks = [
    ...(body.tools ?? []),
    ...system,
    ...body.messages.flatMap((m: { content: unknown }) => (Array.isArray(m.content) ? m.content : [])),
  ];
  return blocks.filter((b: { cache_control?: unknown }) => b.cache_control !== undefined);
};

test('breakpoints: the system prompt, the last tool, the last message and the previous user turn — never more than 4', () =>
  withStrict(
    Array.from({ length: 4 }, (_, i) => toolTurn(i)),
    async (server) => {
      await session(modelAt(server.url), 4);
      assert.deepEqual(server.rejections, []);
      const first = server.requests[0]!.body;
      assert.deepEqual(first.system, [{ type: 'text', text: LONG_SYSTEM, cache_control: EPHEMERAL }]);
      assert.equal(first.tools[0].cache_control, undefined);
      assert.deepEqual(first.tools[1].cache_control, EPHEMERAL);
      assert.deepEqual(first.messages, [
        { role: 'user', content: [{ type: 'text', text: 'fix the failing test', cache_control: EPHEMERAL }] },
      ]);
      const last = server.requests[3]!.body;
      assert.equal(marks(last).length, 4);
      const msgs = last.messages as { role: string; content: { type: string; cache_control?: unknown }[] }[];
      // The last turn (tool results) and the user turn before it, each on its last block.
      const marked = msgs.flatMap((m, i) => (m.content.some((b) => b.cache_control) ? [i] : []));
      assert.deepEqual(marked, [msgs.length - 3, msgs.length - 1]);
      assert.deepEqual(msgs.at(-1)!.content.at(-1)!.cache_control, EPHEMERAL);
      for (const r of server.requests) assert.ok(marks(r.body).length <= 4);
    },
  ));

test('without prompt caching no block is marked and nothing is read from the cache', () =>
  withStrict([toolTurn(0), toolTurn(1), toolTurn(2)], async (server) => {
    const cs = await session(modelAt(server.url, { promptCaching: false }), 3);
    for (const r of server.requests) assert.equal(marks(r.body).length, 0);
    assert.equal(typeof server.requests[0]!.body.system, 'string');
    for (const c of cs) {
      assert.equal(c.usage.cachedTokens, 0);
      assert.equal(c.usage.cacheWriteTokens, 0);
    }
  }));

for (const stream of [false, true]) {
  test(`${stream ? 'streaming' : 'one-shot'}: cache reads and writes are counted in the prompt and priced at their own rates`, () => {
    const replies: FakeReply[] = stream
      ? [0, 1, 2].map((i) =>
          anthropicStream({
            text: [`step ${i}`],
            toolUse: { id: `t${i}`, name: 'run_shell_command', jsonPieces: [`{"command":"cat f${i}"}`] },
            output: 30,
          }),
        )
      : [0, 1, 2].map(toolTurn);
    return withStrict(replies, async (server) => {
      const cs = await session(modelAt(server.url, { stream }), 3);
      assert.deepEqual(server.rejections, []);
      for (const [i, c] of cs.entries()) {
        const use = server.cacheUses[i]!;
        assert.equal(c.usage.promptTokens, use.total, 'promptTokens is every input token, cached or not');
        assert.equal(c.usage.cachedTokens, use.read);
        assert.equal(c.usage.cacheWriteTokens, use.written);
        const fresh = use.total - use.read - use.written;
        const expected = (fresh * 3 + use.read * 0.3 + use.written * 3.75 + c.usage.completionTokens * 15) / 1e6;
        assert.ok(Math.abs(c.costUsd - expected) < 1e-12, `turn ${i}: ${c.costUsd} vs ${expected}`);
      }
      // Turn 1 writes the whole prefix; turn 2 reads it back and writes only what turn 1 added.
      assert.equal(cs[0]!.usage.cachedTokens, 0);
      assert.ok(cs[0]!.usage.cacheWriteTokens! > 1024);
      assert.equal(cs[1]!.usage.cachedTokens, server.cacheUses[0]!.written);
      assert.ok(cs[1]!.usage.cacheWriteTokens! > 0 && cs[1]!.usage.cacheWriteTokens! < cs[1]!.usage.cachedTokens);
    });
  });
}

test("below the model's minimum nothing is cached", () =>
  withStrict([anthropicMessage({ text: 'a' }), anthropicMessage({ text: 'b' })], async (server) => {
    const model = modelAt(server.url);
    const request = { messages: [{ role: 'user' as const, content: 'short' }], tools: [shellTool] };
    await model.complete(request);
    const c = await model.complete(request);
    assert.equal(marks(server.requests[1]!.body).length, 2, 'marked all the same');
    assert.deepEqual([c.usage.cachedTokens, c.usage.cacheWriteTokens], [0, 0]);
  }));

test('a 20-turn session reads most of each later prompt from the cache and costs far less than without', async () => {
  const run = (promptCaching: boolean) =>
    new Promise<Completion[]>((resolve, reject) => {
      withStrict(
        Array.from({ length: 20 }, (_, i) => toolTurn(i)),
        async (server) => {
          resolve(await session(modelAt(server.url, { promptCaching }), 20));
          assert.deepEqual(server.rejections, []);
        },
      ).catch(reject);
    });
  const cached = await run(true);
  const uncached = await run(false);
  for (const [i, c] of cached.entries()) {
    if (i < 2) continue;
    // All but what the previous turn added (its call and a ~1 KB tool output), a shrinking share.
    const share = c.usage.cachedTokens / c.usage.promptTokens;
    assert.ok(
      share > (i < 10 ? 0.85 : 0.93),
      `turn ${i + 1}: ${(share * 100).toFixed(1)}% of the prompt read from the cache`,
    );
    assert.equal(c.usage.promptTokens, uncached[i]!.usage.promptTokens, 'the same prompt either way');
  }
  const cost = (cs: Completion[]) => cs.reduce((a, c) => a + c.costUsd, 0);
  assert.ok(cost(cached) < 0.35 * cost(uncached), `${cost(cached)} vs ${cost(uncached)}`);
});

test('costOf: old ledgers without cache writes cost as before; a price file without cache_write gets 1.25x for Anthropic', async () => {
  const usage = { promptTokens: 1000, completionTokens: 100, cachedTokens: 600 };
  assert.ok(Math.abs(costOf('anthropic:claude-sonnet-4', usage) - (400 * 3 + 600 * 0.3 + 100 * 15) / 1e6) < 1e-12);
  assert.ok(
    Math.abs(
      costOf('anthropic:claude-sonnet-4', { ...usage, cacheWriteTokens: 300 }) -
        (100 * 3 + 600 * 0.3 + 300 * 3.75 + 100 * 15) / 1e6,
    ) < 1e-12,
  );
  // OpenAI: cached input at its own price; no write premium.
  assert.ok(Math.abs(costOf('openai:gpt-5', usage) - (400 * 1.25 + 600 * 0.125 + 100 * 10) / 1e6) < 1e-12);
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-prices-')), 'prices.yaml');
  writeFileSync(file, 'anthropic:claude-x: { input: 2, cached_input: 0.2, output: 10 }\n');
  const table = loadPriceTable(file);
  assert.ok(
    Math.abs(
      costOf('anthropic:claude-x', { ...usage, cacheWriteTokens: 400 }, table) -
        (600 * 0.2 + 400 * 2.5 + 100 * 10) / 1e6,
    ) < 1e-12,
  );
});
