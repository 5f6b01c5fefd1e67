import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { ModelAuthError, ModelConnectionError, ModelResponseError, UserError } from '../../src/errors.ts';
import { createAnthropicModel } from '../../src/model/anthropic-model.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import type { FakeReply, FakeServer } from '../support/fake-http-server.ts';
import { openaiCompletion, openaiError, openaiStream, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { providerRequest, shellTool, withFakeServer } from '../support/provider-request.ts';

const KEY = 'sk-test-key-abcdefghijklmnop';
const shell = shellTool;
const request = providerRequest;
const withServer = (replies: FakeReply[], fn: (url: string, server: FakeServer) => Promise<void>) =>
  withFakeServer(startFakeOpenAIServer, replies, fn);

test('non-streaming completion with text, usage and cost', () =>
  withServer(
    [openaiCompletion({ content: 'hello', prompt: 1_000_000, completion: 100_000, cached: 400_000 })],
    async (url, server) => {
      const model = createOpenAIModel('gpt-4o', {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url },
        stream: false,
        maxRetries: 0,
      });
      const c = await model.complete(request({ temperature: 0.2, maxOutputTokens: 300 }));
      assert.equal(c.message.content, 'hello');
      assert.equal(c.finishReason, 'stop');
      assert.deepEqual(c.usage, { promptTokens: 1_000_000, completionTokens: 100_000, cachedTokens: 400_000 });
      // gpt-4o: 600k fresh × $2.5 + 400k cached × $1.25 + 100k out × $10, per 1M
      assert.ok(Math.abs(c.costUsd - (1.5 + 0.5 + 1)) < 1e-9, String(c.costUsd));
      const sent = server.requests[0]!;
      assert.equal(sent.url, '/v1/chat/completions');
      assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
      assert.equal(sent.body.model, 'gpt-4o');
      assert.equal(sent.body.temperature, 0.2);
      assert.equal(sent.body.max_completion_tokens, 300);
      assert.deepEqual(sent.body.tools, [
        {
          type: 'function',
          function: { name: 'run_shell_command', description: 'Run a command.', parameters: shell.inputSchema },
        },
      ]);
    },
  ));

test('streaming: tool-call arguments split across chunks are joined and parsed; usage comes from the last chunk', () =>
  withServer(
    [
      openaiStream({
        reasoning: ['think', 'ing'],
        text: ['Let me ', 'look.'],
        toolCalls: [{ id: 'call_a', name: 'run_shell_command', argumentPieces: ['{"comm', 'and": "ls', ' -la"}'] }],
        prompt: 50,
        completion: 7,
        cached: 20,
      }),
    ],
    async (url, server) => {
      const model = createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 0 });
      const deltas: string[] = [];
      const c = await model.complete(request({ onDelta: (d) => deltas.push(d.type) }));
      assert.equal(c.message.content, 'Let me look.');
      assert.equal(c.message.reasoning, 'thinking');
      assert.deepEqual(c.message.toolCalls, [
        {
          id: 'call_a',
          name: 'run_shell_command',
          rawArguments: '{"command": "ls -la"}',
          arguments: { command: 'ls -la' },
        },
      ]);
      assert.equal(c.finishReason, 'tool_calls');
      assert.deepEqual(c.usage, { promptTokens: 50, completionTokens: 7, cachedTokens: 20 });
      assert.ok(deltas.includes('tool_call') && deltas.includes('text') && deltas.includes('reasoning'));
      assert.equal(server.requests[0]!.body.stream, true);
      assert.deepEqual(server.requests[0]!.body.stream_options, { include_usage: true });
    },
  ));

test('a tool result round trip is sent in the OpenAI message format', () =>
  withServer([openaiStream({ text: ['done'] })], async (url, server) => {
    const model = createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 0 });
    await model.complete(
      request({
        messages: [
          { role: 'system', content: 'SYS' },
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              {
                id: 'call_1',
                name: 'run_shell_command',
                arguments: { command: 'ls' },
                rawArguments: '{"command":"ls"}',
              },
            ],
          },
          { role: 'tool', toolCallId: 'call_1', name: 'run_shell_command', content: 'a.txt', isError: false },
        ],
      }),
    );
    assert.deepEqual(server.requests[0]!.body.messages, [
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'run_shell_command', arguments: '{"command":"ls"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' },
    ]);
  }));

test('429 (retry-after: 0) then 500 then success: one completion after three requests', () =>
  withServer(
    [
      openaiError(429, 'Rate limit reached', { 'retry-after': '0' }),
      openaiError(500, 'boom', { 'retry-after-ms': '1' }),
      openaiStream({ text: ['ok'] }),
    ],
    async (url, server) => {
      const model = createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 3 });
      const c = await model.complete(request());
      assert.equal(c.message.content, 'ok');
      assert.equal(server.requests.length, 3);
    },
  ));

test('401 names the variable and never prints the key; a missing key is caught before any request', async () => {
  await withServer([openaiError(401, `Incorrect API key provided: ${KEY}`)], async (url) => {
    const model = createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 0 });
    const error = await model.complete(request()).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof ModelAuthError);
    assert.match(error.message, /OPENAI_API_KEY/);
    assert.match(error.message, /HTTP 401/);
    assert.ok(!error.message.includes(KEY));
  });
  assert.throws(
    () => createOpenAIModel('gpt-5', { env: {} }),
    (e: unknown) => e instanceof ModelAuthError && /OPENAI_API_KEY is not set/.test(e.message),
  );
});

test('a base URL with credentials, not a URL, or not http(s) is refused before any call, credentials masked', () => {
  const cases: [string, RegExp][] = [
    [
      'http://admin:pw-SECRET456@127.0.0.1:9/v1',
      /OPENAI_BASE_URL http:\/\/admin:\*\*\*@127\.0\.0\.1:9\/v1: a base URL cannot carry credentials.*OPENAI_API_KEY/,
    ],
    [
      'https://tok-SECRET456@proxy.example/v1',
      /OPENAI_BASE_URL https:\/\/\*\*\*@proxy\.example\/v1: a base URL cannot carry credentials/,
    ],
    ['localhost:8000/v1', /OPENAI_BASE_URL localhost:8000\/v1: expected an http:\/\/ or https:\/\/ URL/],
    ['not a url', /OPENAI_BASE_URL not a url: not a URL/],
  ];
  for (const [url, message] of cases)
    assert.throws(
      () => createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url } }),
      (e: unknown) => e instanceof UserError && message.test(e.message) && !e.message.includes('SECRET456'),
      url,
    );
  assert.throws(
    () =>
      createAnthropicModel('claude-haiku-4-5', {
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: 'http://u:SECRET456@h/' },
      }),
    (e: unknown) =>
      e instanceof UserError && /ANTHROPIC_BASE_URL http:\/\/u:\*\*\*@h: .*ANTHROPIC_API_KEY/.test(e.message),
  );
});

test('an unreachable base URL is a ModelConnectionError naming the URL', async () => {
  const url = await closedPortUrl();
  const model = createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 1 });
  const error = await model.complete(request()).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof ModelConnectionError, String(error));
  assert.ok(error.message.includes(url), error.message);
  assert.match(error.message, /ECONNREFUSED/);
  assert.match(error.message, /OPENAI_BASE_URL/);
});

test('a reply that is not JSON, or not a completion, is a ModelResponseError', async () => {
  await withServer([{ kind: 'raw', status: 200, body: 'this is not json {' }], async (url) => {
    const model = createOpenAIModel('gpt-5', {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url },
      maxRetries: 0,
      stream: false,
    });
    await assert.rejects(
      model.complete(request()),
      (e: unknown) => e instanceof ModelResponseError && /not valid JSON/.test(e.message),
    );
  });
  await withServer([{ kind: 'json', body: { hello: 'world' } }], async (url) => {
    const model = createOpenAIModel('gpt-5', {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url },
      maxRetries: 0,
      stream: false,
    });
    await assert.rejects(
      model.complete(request()),
      (e: unknown) => e instanceof ModelResponseError && /not a chat completion/.test(e.message),
    );
  });
  await withServer(
    [{ kind: 'raw', status: 200, contentType: 'text/event-stream', body: 'data: {not json\n\n' }],
    async (url) => {
      const model = createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 0 });
      await assert.rejects(model.complete(request()), (e: unknown) => e instanceof ModelResponseError);
    },
  );
});

test('malformed tool-call JSON is repaired, and unrepairable arguments come back as argumentsError', () =>
  withServer(
    [
      openaiCompletion({ toolCalls: [{ id: 'c1', name: 'run_shell_command', arguments: "{'command': 'ls',}" }] }),
      openaiCompletion({ toolCalls: [{ id: 'c2', name: 'run_shell_command', arguments: '[1, 2' }] }),
    ],
    async (url) => {
      const model = createOpenAIModel('gpt-5', {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url },
        maxRetries: 0,
        stream: false,
      });
      const repaired = await model.complete(request());
      assert.deepEqual(repaired.message.toolCalls![0]!.arguments, { command: 'ls' });
      assert.equal(repaired.message.toolCalls![0]!.argumentsError, undefined);
      const broken = await model.complete(request());
      assert.match(broken.message.toolCalls![0]!.argumentsError!, /not a valid JSON object/);
    },
  ));

test('an unknown model has no price: cost 0 and priced false', () => {
  const model = createOpenAIModel('my-local-llama', {
    env: { OPENAI_API_KEY: 'x', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
  });
  assert.equal(model.priced, false);
  assert.equal(createOpenAIModel('gpt-4o-2024-08-06', { env: { OPENAI_API_KEY: 'x' } }).priced, true);
});

test('one signal over many calls: no abort listener is left on it (the SDK never removes its own)', () =>
  withServer(
    Array.from({ length: 15 }, () => openaiCompletion({ content: 'ok', prompt: 10, completion: 1 })),
    async (url) => {
      const model = createOpenAIModel('gpt-4o', {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url },
        maxRetries: 0,
        stream: false,
      });
      const session = new AbortController();
      for (let i = 0; i < 15; i++) await model.complete(request(), session.signal);
      assert.equal(getEventListeners(session.signal, 'abort').length, 0);
    },
  ));

test('a signal aborted during a call aborts it (the per-call signal follows the caller’s)', async () => {
  const { callSignal } = await import('../../src/model/provider-options.ts');
  const outer = new AbortController();
  const scope = callSignal(outer.signal);
  assert.equal(scope.signal?.aborted, false);
  outer.abort(new Error('stop'));
  assert.equal(scope.signal?.aborted, true);
  scope.release();
  assert.equal(getEventListeners(outer.signal, 'abort').length, 0);
  const already = callSignal(outer.signal);
  assert.equal(already.signal?.aborted, true);
});
