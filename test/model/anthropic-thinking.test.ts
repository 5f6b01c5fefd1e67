// Anthropic extended thinking against the strict fake: thinking from the reasoning effort, thinking and
// redacted_thinking blocks carried back verbatim (signatures intact) through multi-turn tool use, streamed
// and not; and the fake refusing what the real API refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelResponseError, UserError } from '../../src/errors.ts';
import { anthropicParams, createAnthropicModel, toUsage } from '../../src/model/anthropic-model.ts';
import { anthropicThinkingBudget } from '../../src/model/reasoning-effort.ts';
import type { CompletionRequest, Message, Model } from '../../src/model/types.ts';
import {
  anthropicMessage,
  anthropicRequestProblem,
  anthropicStream,
  redactedData,
  type StrictAnthropicServer,
  signThinking,
  startStrictAnthropicServer,
} from '../support/fake-anthropic-server.ts';
import type { FakeReply } from '../support/fake-http-server.ts';
import { shellTool } from '../support/provider-request.ts';

const KEY = 'sk-ant-test-key-abcdefghijklmnop';

async function withStrict(replies: FakeReply[], fn: (server: StrictAnthropicServer) => Promise<void>) {
  const server = await startStrictAnthropicServer(replies);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

const modelAt = (url: string, stream: boolean): Model =>
  createAnthropicModel('claude-sonnet-4', {
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
    stream,
    maxRetries: 0,
  });

/** Runs a tool loop the way the agent does: each assistant message kept as returned, each call answered. */
async function toolLoop(model: Model, turns: number, extra: Partial<CompletionRequest> = {}): Promise<Message[]> {
  const messages: Message[] = [
    { role: 'system', content: 'SYS' },
    { role: 'user', content: 'list files' },
  ];
  for (let i = 0; i < turns; i++) {
    const c = await model.complete({ messages: [...messages], tools: [shellTool], ...extra });
    messages.push(c.message);
    for (const call of c.message.toolCalls ?? [])
      messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: `output of ${call.id}` });
  }
  return messages;
}

const use = (id: string) => ({ id, name: 'run_shell_command', input: { command: `ls ${id}` } });

for (const stream of [false, true]) {
  test(`${stream ? 'streaming' : 'one-shot'}: thinking blocks with their signatures are sent back first on each tool turn, never as text`, () => {
    const replies: FakeReply[] = stream
      ? [
          anthropicStream({
            thinking: ['plan ', 'A'],
            redacted: 'hidden A',
            text: ['Running.'],
            toolUse: { id: 't1', name: 'run_shell_command', jsonPieces: ['{"command":', '"ls t1"}'] },
          }),
          anthropicStream({
            thinking: ['plan B'],
            toolUse: { id: 't2', name: 'run_shell_command', jsonPieces: ['{"command":"ls t2"}'] },
          }),
          anthropicStream({ thinking: ['done now'], text: ['All done.'] }),
        ]
      : [
          anthropicMessage({ thinking: ['plan A'], redacted: ['hidden A'], text: 'Running.', toolUses: [use('t1')] }),
          anthropicMessage({ thinking: ['plan B'], toolUses: [use('t2')] }),
          anthropicMessage({ thinking: ['done now'], text: 'All done.' }),
        ];
    return withStrict(replies, async (server) => {
      const model = modelAt(server.url, stream);
      const messages = await toolLoop(model, 3, { reasoningEffort: 'medium', temperature: 0.2 });
      assert.deepEqual(server.rejections, []);
      assert.equal(server.requests.length, 3);

      const budget = anthropicThinkingBudget('medium');
      for (const r of server.requests) {
        assert.deepEqual(r.body.thinking, { type: 'enabled', budget_tokens: budget });
        assert.equal(r.body.max_tokens, budget + 8192, 'the budget comes on top of the answer allowance');
        assert.equal(r.body.temperature, undefined, 'no temperature with thinking');
      }
      const first = messages[2]!;
      assert.equal(first.role, 'assistant');
      if (first.role !== 'assistant') return;
      assert.equal(first.reasoning, 'plan A');
      assert.deepEqual(first.providerItems, {
        provider: 'anthropic',
        items: [
          { type: 'thinking', thinking: 'plan A', signature: signThinking('plan A') },
          { type: 'redacted_thinking', data: redactedData('hidden A') },
        ],
      });
      // Request 3 carries both earlier assistant turns, each starting with its own thinking, verbatim.
      const sent = server.requests[2]!.body.messages as { role: string; content: { type: string }[] }[];
      const assistants = sent.filter((m) => m.role === 'assistant');
      assert.deepEqual(
        assistants.map((m) => m.content.map((b) => b.type)),
        [
          ['thinking', 'redacted_thinking', 'text', 'tool_use'],
          ['thinking', 'tool_use'],
        ],
      );
      assert.deepEqual(assistants[1]!.content[0], {
        type: 'thinking',
        thinking: 'plan B',
        signature: signThinking('plan B'),
      });
      const texts = sent.flatMap((m) => m.content.filter((b) => b.type === 'text').map((b) => JSON.stringify(b)));
      assert.ok(!texts.some((t) => t.includes('plan')), 'reasoning never goes back as text');
      const last = messages.at(-1)!;
      assert.equal(last.role === 'assistant' && last.reasoning, 'done now');
    });
  });
}

test('the strict fake refuses a tool turn whose thinking was dropped, altered or unsigned', async () => {
  // Dropped: the assistant message lost its providerItems (e.g. a layer rebuilt it).
  await withStrict(
    [anthropicMessage({ thinking: ['plan'], toolUses: [use('t1')] }), anthropicMessage({ text: 'never' })],
    async (server) => {
      const model = modelAt(server.url, false);
      const c = await model.complete({
        messages: [{ role: 'user', content: 'go' }],
        tools: [shellTool],
        reasoningEffort: 'low',
      });
      assert.ok(c.message.providerItems);
      const { providerItems: _dropped, ...bare } = c.message;
      const error = await model
        .complete({
          messages: [
            { role: 'user', content: 'go' },
            bare,
            { role: 'tool', toolCallId: 't1', name: 'run_shell_command', content: 'x' },
          ],
          tools: [shellTool],
          reasoningEffort: 'low',
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof ModelResponseError, String(error));
      assert.match(error.message, /HTTP 400/);
      assert.match(error.message, /Expected `thinking` or `redacted_thinking`, but found `tool_use`/);
      // Altered: same block, text edited, signature kept.
      const altered = {
        ...c.message,
        providerItems: {
          provider: 'anthropic',
          items: [{ type: 'thinking', thinking: 'plan (edited)', signature: signThinking('plan') }],
        },
      };
      await assert.rejects(
        model.complete({
          messages: [
            { role: 'user', content: 'go' },
            altered,
            { role: 'tool', toolCallId: 't1', name: 'run_shell_command', content: 'x' },
          ],
          tools: [shellTool],
          reasoningEffort: 'low',
        }),
        /Invalid `signature` in `thinking` block/,
      );
      assert.equal(server.rejections.length, 2);
    },
  );
  // Unsigned: a stream whose thinking block never got its signature_delta is refused on the next turn.
  await withStrict(
    [
      anthropicStream({
        thinking: ['plan'],
        unsigned: true,
        toolUse: { id: 't1', name: 'run_shell_command', jsonPieces: ['{"command":"ls"}'] },
      }),
      anthropicStream({ text: ['never'] }),
    ],
    async (server) => {
      await assert.rejects(
        toolLoop(modelAt(server.url, true), 2, { reasoningEffort: 'low' }),
        /Invalid `signature` in `thinking` block/,
      );
    },
  );
});

test("another provider's items are never sent; without an effort no thinking is asked and none is sent back", () =>
  withStrict([anthropicMessage({ text: 'ok' }), anthropicMessage({ text: 'ok' })], async (server) => {
    const model = modelAt(server.url, false);
    const history: Message[] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: 'earlier',
        providerItems: { provider: 'openai-responses', items: [{ type: 'reasoning', encrypted_content: 'x' }] },
      },
      { role: 'user', content: 'again' },
    ];
    await model.complete({ messages: history, tools: [shellTool], reasoningEffort: 'high' });
    assert.deepEqual(server.requests[0]!.body.messages[1].content, [{ type: 'text', text: 'earlier' }]);
    const thinkingTurn: Message = {
      role: 'assistant',
      content: 'earlier',
      providerItems: {
        provider: 'anthropic',
        items: [{ type: 'thinking', thinking: 'p', signature: signThinking('p') }],
      },
    };
    await model.complete({
      messages: [history[0]!, thinkingTurn, history[2]!],
      tools: [shellTool],
      temperature: 0.3,
    });
    const body = server.requests[1]!.body;
    assert.equal(body.thinking, undefined);
    assert.equal(body.temperature, 0.3);
    assert.equal(body.max_tokens, 8192);
    assert.deepEqual(
      body.messages[1].content.map((b: { type: string }) => b.type),
      ['text'],
    );
    assert.deepEqual(server.rejections, []);
  }));

test('an effort Anthropic has no budget for is an error naming the provider', () => {
  assert.throws(
    () => anthropicParams('claude-sonnet-4', { messages: [], tools: [], reasoningEffort: 'minimal' }),
    (e: unknown) => e instanceof UserError && /anthropic/.test(e.message) && /minimal/.test(e.message),
  );
});

test('the strict fake checks budget, temperature and the breakpoint limit as the API does', () => {
  const base = { model: 'claude-sonnet-4', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] };
  assert.equal(anthropicRequestProblem(base), undefined);
  assert.match(
    anthropicRequestProblem({ ...base, thinking: { type: 'enabled', budget_tokens: 1000 } })!,
    /greater than or equal to 1024/,
  );
  assert.match(
    anthropicRequestProblem({ ...base, thinking: { type: 'enabled', budget_tokens: 4096 } })!,
    /`max_tokens` must be greater than `thinking.budget_tokens`/,
  );
  assert.match(
    anthropicRequestProblem({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 }, temperature: 0 })!,
    /temperature/,
  );
  assert.equal(
    anthropicRequestProblem({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 }, temperature: 1 }),
    undefined,
  );
  const marked = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
  assert.match(
    anthropicRequestProblem({
      ...base,
      system: [marked('a'), marked('b'), marked('c')],
      messages: [{ role: 'user', content: [marked('d'), marked('e')] }],
    })!,
    /A maximum of 4 blocks with cache_control may be provided. Found 5/,
  );
  assert.match(
    anthropicRequestProblem({
      ...base,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't9', name: 'x', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't8', content: '' }] },
      ],
    })!,
    /without `tool_result`/,
  );
});

test('usage: thinking tokens are reasoning tokens; the prompt counts cache reads and writes', () => {
  assert.deepEqual(
    toUsage({
      input_tokens: 50,
      cache_read_input_tokens: 900,
      cache_creation_input_tokens: 100,
      output_tokens: 400,
      output_tokens_details: { thinking_tokens: 320 },
    }),
    { promptTokens: 1050, completionTokens: 400, cachedTokens: 900, cacheWriteTokens: 100, reasoningTokens: 320 },
  );
  // A server that reports no cache fields (an older proxy) gives no cache-write count at all.
  assert.deepEqual(toUsage({ input_tokens: 5, output_tokens: 1 }), {
    promptTokens: 5,
    completionTokens: 1,
    cachedTokens: 0,
  });
});
