// openai-responses:<model> against the strict fake Responses server: request shape, streaming and not,
// a multi-turn tool loop carrying reasoning items back, usage, retries, error mapping, unsupported
// reasoning effort, and a recorded cassette that replays.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ModelAuthError,
  ModelContextOverflowError,
  ModelNotFoundError,
  ModelResponseError,
  ModelUnavailableError,
  UserError,
} from '../../src/errors.ts';
import { createModel } from '../../src/model/create-model.ts';
import { createOpenAIResponsesModel } from '../../src/model/openai-responses-model.ts';
import { anthropicThinkingBudget, checkReasoningEffort } from '../../src/model/reasoning-effort.ts';
import { recordModel } from '../../src/model/record-model.ts';
import { createReplayModel } from '../../src/model/replay-model.ts';
import type { AssistantMessage, Message } from '../../src/model/types.ts';
import type { FakeReply, FakeServer } from '../support/fake-http-server.ts';
import {
  responsesError,
  responsesReply,
  responsesRequestProblem,
  responsesStream,
  startFakeOpenAIResponsesServer,
} from '../support/fake-openai-responses-server.ts';
import { providerRequest, shellTool, withFakeServer } from '../support/provider-request.ts';

const KEY = 'sk-test-key-abcdefghijklmnop';
const withServer = (replies: FakeReply[], fn: (url: string, server: FakeServer) => Promise<void>) =>
  withFakeServer(startFakeOpenAIResponsesServer, replies, fn);
const env = (url: string) => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url });

test('non-streaming: the request in the Responses format; text, reasoning summary, usage and cost', () =>
  withServer(
    [
      responsesReply({
        text: 'hello',
        reasoning: [['I should greet.', 'Briefly.']],
        input: 1_000_000,
        cached: 400_000,
        output: 100_000,
        reasoningTokens: 60_000,
      }),
    ],
    async (url, server) => {
      const model = createOpenAIResponsesModel('gpt-5', { env: env(url), stream: false, maxRetries: 0 });
      assert.equal(model.spec, 'openai-responses:gpt-5');
      const c = await model.complete(
        providerRequest({ reasoningEffort: 'high', promptCacheKey: 'harness-abc', maxOutputTokens: 300 }),
      );
      assert.equal(c.message.content, 'hello');
      assert.equal(c.message.reasoning, 'I should greet.\n\nBriefly.');
      assert.equal(c.finishReason, 'stop');
      assert.deepEqual(c.usage, {
        promptTokens: 1_000_000,
        completionTokens: 100_000,
        cachedTokens: 400_000,
        reasoningTokens: 60_000,
      });
      // Priced as openai:gpt-5: 600k × $1.25 + 400k × $0.125 + 100k × $10, per 1M.
      assert.ok(Math.abs(c.costUsd - (0.75 + 0.05 + 1)) < 1e-9, String(c.costUsd));
      assert.equal(model.priced, true);
      assert.equal(c.message.providerItems?.provider, 'openai-responses');
      assert.equal(c.message.providerItems?.items.length, 1);
      const sent = server.requests[0]!;
      assert.equal(sent.url, '/v1/responses');
      assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
      assert.equal(sent.body.model, 'gpt-5');
      assert.equal(sent.body.store, false);
      assert.deepEqual(sent.body.include, ['reasoning.encrypted_content']);
      assert.deepEqual(sent.body.reasoning, { effort: 'high', summary: 'auto' });
      assert.equal(sent.body.prompt_cache_key, 'harness-abc');
      assert.equal(sent.body.max_output_tokens, 300);
      assert.equal(sent.body.stream, false);
      assert.deepEqual(sent.body.input, [
        { role: 'system', content: 'SYS' },
        { role: 'user', content: 'list files' },
      ]);
      assert.deepEqual(sent.body.tools, [
        {
          type: 'function',
          name: 'run_shell_command',
          description: 'Run a command.',
          parameters: shellTool.inputSchema,
          strict: false,
        },
      ]);
    },
  ));

test('no reasoning effort and no cache key: neither option is sent; a GPT-4 model is not asked for encrypted reasoning', () =>
  withServer([responsesReply({ text: 'ok' }), responsesReply({ text: 'ok' })], async (url, server) => {
    const model = createOpenAIResponsesModel('gpt-5', { env: env(url), stream: false, maxRetries: 0 });
    await model.complete(providerRequest());
    assert.equal(server.requests[0]!.body.reasoning, undefined);
    assert.equal(server.requests[0]!.body.prompt_cache_key, undefined);
    assert.deepEqual(server.requests[0]!.body.include, ['reasoning.encrypted_content']);
    const old = createOpenAIResponsesModel('gpt-4.1', { env: env(url), stream: false, maxRetries: 0 });
    await old.complete(providerRequest());
    assert.equal(server.requests[1]!.body.include, undefined);
    assert.equal(server.requests[1]!.body.store, false);
  }));

/** The next turn's messages: the reply and a result for each of its tool calls. */
const continueWith = (messages: Message[], reply: AssistantMessage): Message[] => [
  ...messages,
  reply,
  ...(reply.toolCalls ?? []).map(
    (c): Message => ({ role: 'tool', toolCallId: c.id, name: c.name, content: `ran ${c.rawArguments}` }),
  ),
];

for (const stream of [true, false]) {
  test(`multi-turn tool loop (${stream ? 'streaming' : 'non-streaming'}): reasoning items go back verbatim before that turn's function calls`, () => {
    const make = stream ? responsesStream : responsesReply;
    return withServer(
      [
        make({
          reasoning: [['Look at the files.']],
          toolCalls: [
            { callId: 'call_1', name: 'run_shell_command', arguments: '{"command":"ls"}' },
            { callId: 'call_2', name: 'run_shell_command', arguments: '{"command":"pwd"}' },
          ],
          reasoningTokens: 7,
        }),
        make({
          reasoning: [['Now read one.'], ['And check.']],
          text: 'Reading.',
          toolCalls: [{ callId: 'call_3', name: 'run_shell_command', arguments: '{"command":"cat a"}' }],
        }),
        make({ text: 'done' }),
      ],
      async (url, server) => {
        const model = createOpenAIResponsesModel('gpt-5', { env: env(url), stream, maxRetries: 0 });
        const deltas: string[] = [];
        let messages: Message[] = providerRequest().messages;
        const first = await model.complete(providerRequest({ messages, onDelta: (d) => deltas.push(d.type) }));
        assert.equal(first.finishReason, 'tool_calls');
        assert.deepEqual(
          first.message.toolCalls?.map((c) => [c.id, c.arguments]),
          [
            ['call_1', { command: 'ls' }],
            ['call_2', { command: 'pwd' }],
          ],
        );
        assert.equal(first.message.reasoning, 'Look at the files.');
        assert.equal(first.usage.reasoningTokens, 7);
        if (stream) assert.ok(deltas.includes('reasoning') && deltas.includes('tool_call'), deltas.join());
        messages = continueWith(messages, first.message);
        const second = await model.complete(providerRequest({ messages }));
        assert.equal(second.message.content, 'Reading.');
        assert.equal(second.message.providerItems?.items.length, 2);
        messages = continueWith(messages, second.message);
        const third = await model.complete(providerRequest({ messages }));
        assert.equal(third.message.content, 'done');
        assert.equal(server.requests.length, 3, 'the strict fake accepted every request');
        const input = server.requests[2]!.body.input as any[];
        assert.deepEqual(
          input.map((i) => i.type ?? i.role),
          [
            'system',
            'user',
            'reasoning',
            'function_call',
            'function_call',
            'function_call_output',
            'function_call_output',
            'reasoning',
            'reasoning',
            'assistant',
            'function_call',
            'function_call_output',
          ],
        );
        // Verbatim: the items the server sent, with their encrypted content.
        assert.deepEqual(input[2], (first.message.providerItems?.items ?? [])[0]);
        assert.match((input[2] as { encrypted_content: string }).encrypted_content, /^enc_/);
        assert.deepEqual(input[5], { type: 'function_call_output', call_id: 'call_1', output: 'ran {"command":"ls"}' });
        // Reasoning summaries never go back as prompt text.
        assert.ok(!input.some((i) => i.role === 'assistant' && /Look at the files/.test(i.content)));
      },
    );
  });
}

test('the strict fake refuses what the real API refuses', () => {
  const ok = { role: 'user', content: 'hi' };
  const call = { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' };
  const cases: [unknown, RegExp][] = [
    [{ input: [ok, { type: 'function_call_output', call_id: 'c9', output: 'x' }] }, /No tool call found .* c9/],
    [{ input: [ok, { ...call, call_id: undefined }] }, /call_id/],
    [{ input: [ok, { type: 'function_call_output', output: 'x' }] }, /call_id/],
    [{ input: [ok, call] }, /No tool output found for function call c1/],
    [{ input: [ok], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }, /tools\[0\]\.function/],
    [{ input: [ok, { role: 'tool', content: 'x' }] }, /Invalid value: 'tool'/],
    [{ messages: [ok] }, /Unrecognized request argument/],
    [{ input: [ok], reasoning: { effort: 'extreme' } }, /Invalid value: 'extreme'/],
    [
      {
        store: false,
        include: ['reasoning.encrypted_content'],
        input: [ok, { type: 'reasoning', id: 'rs_1', summary: [] }, call],
      },
      /Item with id 'rs_1' not found/,
    ],
    [
      {
        store: false,
        include: ['reasoning.encrypted_content'],
        input: [ok, { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'enc_forged' }, call],
      },
      /could not be verified/,
    ],
  ];
  for (const [body, pattern] of cases) {
    const problem = responsesRequestProblem(body) as { body: { error: { message: string } } } | undefined;
    assert.ok(problem, `accepted: ${JSON.stringify(body)}`);
    assert.match(problem.body.error.message, pattern);
  }
  assert.equal(
    responsesRequestProblem({ input: [ok, call, { type: 'function_call_output', call_id: 'c1', output: 'x' }] }),
    undefined,
  );
});

test('an orphan tool result is refused by the fake and surfaces as a ModelResponseError', () =>
  withServer([responsesReply({ text: 'never' })], async (url) => {
    const model = createOpenAIResponsesModel('gpt-5', { env: env(url), stream: false, maxRetries: 0 });
    const messages: Message[] = [
      { role: 'user', content: 'go' },
      { role: 'tool', toolCallId: 'call_x', name: 'run_shell_command', content: 'out' },
    ];
    await assert.rejects(model.complete(providerRequest({ messages })), (e: Error) => {
      assert.ok(e instanceof ModelResponseError, String(e));
      assert.match(e.message, /HTTP 400.*No tool call found/);
      return true;
    });
  }));

test("another provider's items are never sent; a reasoning item without encrypted content is not carried", () =>
  withServer(
    [responsesReply({ reasoning: [['plain']], unencrypted: true, text: 'a' }), responsesReply({ text: 'b' })],
    async (url, server) => {
      const model = createOpenAIResponsesModel('gpt-5', { env: env(url), stream: false, maxRetries: 0 });
      const first = await model.complete(providerRequest());
      assert.equal(first.message.reasoning, 'plain');
      assert.equal(first.message.providerItems, undefined);
      await model.complete(
        providerRequest({
          messages: [
            { role: 'user', content: 'go' },
            {
              role: 'assistant',
              content: 'x',
              providerItems: { provider: 'anthropic', items: [{ type: 'thinking', thinking: 't', signature: 's' }] },
            },
            { role: 'user', content: 'more' },
          ],
        }),
      );
      assert.deepEqual(server.requests[1]!.body.input, [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'more' },
      ]);
    },
  ));

test('429 (retry-after: 0) then 500 then success: one completion after three requests', () =>
  withServer(
    [
      responsesError(429, 'Rate limit reached', { 'retry-after': '0' }),
      responsesError(500, 'boom', { 'retry-after-ms': '1' }),
      responsesStream({ text: 'finally' }),
    ],
    async (url, server) => {
      const model = createOpenAIResponsesModel('gpt-5', { env: env(url), maxRetries: 3 });
      const c = await model.complete(providerRequest());
      assert.equal(c.message.content, 'finally');
      assert.equal(server.requests.length, 3);
    },
  ));

test('errors are mapped: 401 names the key, 404 the model, retries exhausted, context overflow', () =>
  withServer(
    [
      responsesError(401, 'Incorrect API key provided'),
      responsesError(404, 'The model `gpt-nope` does not exist'),
      responsesError(400, 'Your input exceeds the context window of this model.', undefined, 'context_length_exceeded'),
      responsesError(503, 'overloaded'),
    ],
    async (url) => {
      const model = createOpenAIResponsesModel('gpt-nope', { env: env(url), stream: false, maxRetries: 0 });
      await assert.rejects(
        model.complete(providerRequest()),
        (e: Error) => e instanceof ModelAuthError && /OPENAI_API_KEY/.test(e.message) && !e.message.includes(KEY),
      );
      await assert.rejects(
        model.complete(providerRequest()),
        (e: Error) => e instanceof ModelNotFoundError && /openai-responses/.test(e.message),
      );
      await assert.rejects(model.complete(providerRequest()), (e: Error) => e instanceof ModelContextOverflowError);
      await assert.rejects(
        model.complete(providerRequest()),
        (e: Error) => e instanceof ModelUnavailableError && /HTTP 503 after retries/.test(e.message),
      );
    },
  ));

test('a response cut off at max_output_tokens finishes with length (streamed and not); content_filter too', () =>
  withServer(
    [
      responsesStream({ text: 'partial', incomplete: 'max_output_tokens' }),
      responsesReply({ text: 'partial', incomplete: 'max_output_tokens' }),
      responsesReply({ text: '', incomplete: 'content_filter' }),
    ],
    async (url) => {
      const streamed = createOpenAIResponsesModel('gpt-5', { env: env(url), maxRetries: 0 });
      assert.equal((await streamed.complete(providerRequest())).finishReason, 'length');
      const once = createOpenAIResponsesModel('gpt-5', { env: env(url), stream: false, maxRetries: 0 });
      const c = await once.complete(providerRequest());
      assert.equal(c.finishReason, 'length');
      assert.equal(c.message.content, 'partial');
      assert.equal((await once.complete(providerRequest())).finishReason, 'content_filter');
    },
  ));

test('a reported usage.cost wins over the price table', () =>
  withServer([responsesReply({ text: 'x', cost: 0.0123 })], async (url) => {
    const model = createOpenAIResponsesModel('some/unpriced-model', { env: env(url), stream: false, maxRetries: 0 });
    assert.equal(model.priced, false);
    const c = await model.complete(providerRequest());
    assert.equal(c.costUsd, 0.0123);
    assert.equal(model.priced, true);
  }));

test('reasoning effort: every level goes to OpenAI as is; a level a provider lacks is a UserError naming it', async () => {
  for (const level of ['minimal', 'low', 'medium', 'high', 'xhigh'] as const) {
    assert.equal(checkReasoningEffort('openai-responses', level), level);
    assert.equal(checkReasoningEffort('openai', level), level);
  }
  assert.equal(anthropicThinkingBudget('high'), 16_384);
  assert.throws(
    () => anthropicThinkingBudget('minimal'),
    (e: Error) => e instanceof UserError && /'anthropic'/.test(e.message),
  );
  assert.equal(checkReasoningEffort('scripted', 'xhigh'), 'xhigh', 'scripted and replay ignore it');
  // Refused before any request is made.
  await withServer([responsesReply({ text: 'never' })], async (url, server) => {
    const model = await createModel('anthropic:claude-sonnet-4-5', {
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
      maxRetries: 0,
    });
    await assert.rejects(model.complete(providerRequest({ reasoningEffort: 'minimal' })), (e: Error) => {
      assert.ok(e instanceof UserError, String(e));
      assert.match(e.message, /reasoning effort 'minimal' is not supported by provider 'anthropic'/);
      return true;
    });
    assert.equal(server.requests.length, 0);
  });
});

test('a recorded openai-responses cassette replays, reasoning items included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-responses-cassette-'));
  try {
    const cassette = join(dir, 'c.jsonl');
    const replies = [
      responsesStream({
        reasoning: [['plan']],
        toolCalls: [{ callId: 'call_1', name: 'run_shell_command', arguments: '{"command":"ls"}' }],
      }),
      responsesStream({ text: 'done' }),
    ];
    const recorded: AssistantMessage[] = [];
    await withServer(replies, async (url) => {
      const model = recordModel(
        await createModel('openai-responses:gpt-5', { env: env(url), maxRetries: 0 }),
        cassette,
      );
      let messages: Message[] = providerRequest().messages;
      const first = await model.complete(providerRequest({ messages, reasoningEffort: 'high' }));
      recorded.push(first.message);
      messages = continueWith(messages, first.message);
      recorded.push((await model.complete(providerRequest({ messages, reasoningEffort: 'high' }))).message);
    });
    const replay = await createReplayModel(cassette);
    let messages: Message[] = providerRequest().messages;
    const first = await replay.complete(providerRequest({ messages, reasoningEffort: 'high' }));
    assert.deepEqual(first.message, recorded[0]);
    assert.equal(first.message.providerItems?.provider, 'openai-responses');
    messages = continueWith(messages, first.message);
    assert.equal((await replay.complete(providerRequest({ messages }))).message.content, 'done');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the prompt cache key lands repeated prefixes on the simulated cache', async () => {
  const big = 'x'.repeat(8000);
  const server = await startFakeOpenAIResponsesServer([responsesReply({ text: 'a' }), responsesReply({ text: 'b' })], {
    cache: true,
  });
  try {
    const model = createOpenAIResponsesModel('gpt-5', { env: env(server.url), stream: false, maxRetries: 0 });
    const messages: Message[] = [
      { role: 'system', content: big },
      { role: 'user', content: 'one' },
    ];
    const a = await model.complete(providerRequest({ messages, promptCacheKey: 'k' }));
    assert.equal(a.usage.cachedTokens, 0);
    const b = await model.complete(
      providerRequest({ messages: [...messages, a.message, { role: 'user', content: 'two' }], promptCacheKey: 'k' }),
    );
    assert.ok(b.usage.cachedTokens >= 1024, String(b.usage.cachedTokens));
  } finally {
    await server.close();
  }
});

test('a streamed error event or failed response is a ModelResponseError naming the provider', () =>
  withServer(
    [
      {
        kind: 'sse',
        events: [
          {
            event: 'error',
            data: { type: 'error', code: 'server_error', message: 'stream broke', param: null, sequence_number: 0 },
          },
        ],
      },
      {
        kind: 'sse',
        events: [
          {
            event: 'response.failed',
            data: {
              type: 'response.failed',
              sequence_number: 0,
              response: { status: 'failed', output: [], error: { code: 'server_error', message: 'model crashed' } },
            },
          },
        ],
      },
    ],
    async (url) => {
      const model = createOpenAIResponsesModel('gpt-5', { env: env(url), maxRetries: 0 });
      await assert.rejects(
        model.complete(providerRequest()),
        (e: Error) => e instanceof ModelResponseError && /openai-responses.*stream broke/.test(e.message),
      );
      await assert.rejects(
        model.complete(providerRequest()),
        (e: Error) => e instanceof ModelResponseError && /openai-responses.*model crashed/.test(e.message),
      );
    },
  ));
