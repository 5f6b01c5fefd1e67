import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelAuthError, ModelConnectionError, ModelResponseError } from '../../src/errors.ts';
import { createAnthropicModel } from '../../src/model/anthropic-model.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import {
  anthropicError,
  anthropicMessage,
  anthropicStream,
  startFakeAnthropicServer,
} from '../support/fake-anthropic-server.ts';
import type { FakeReply, FakeServer } from '../support/fake-http-server.ts';
import { providerRequest, shellTool, withFakeServer } from '../support/provider-request.ts';

const KEY = 'sk-ant-test-key-abcdefghijklmnop';
const shell = shellTool;
const request = providerRequest;
const withServer = (replies: FakeReply[], fn: (url: string, server: FakeServer) => Promise<void>) =>
  withFakeServer(startFakeAnthropicServer, replies, fn);

test('non-streaming message with a tool_use block; usage counts cache reads as cached prompt tokens', () =>
  withServer(
    [
      anthropicMessage({
        text: 'Running it.',
        toolUses: [{ id: 'toolu_1', name: 'run_shell_command', input: { command: 'ls' } }],
        input: 100,
        output: 20,
        cacheRead: 300,
      }),
    ],
    async (url, server) => {
      const model = createAnthropicModel('claude-haiku-4-5', {
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
        stream: false,
        maxRetries: 0,
        promptCaching: false, // the breakpoints are tested in anthropic-caching.test.ts
      });
      const c = await model.complete(request({ temperature: 0 }));
      assert.equal(c.message.content, 'Running it.');
      assert.deepEqual(c.message.toolCalls, [
        { id: 'toolu_1', name: 'run_shell_command', rawArguments: '{"command":"ls"}', arguments: { command: 'ls' } },
      ]);
      assert.equal(c.finishReason, 'tool_calls');
      assert.deepEqual(c.usage, { promptTokens: 400, completionTokens: 20, cachedTokens: 300, cacheWriteTokens: 0 });
      assert.ok(Math.abs(c.costUsd - (100 * 1 + 300 * 0.1 + 20 * 5) / 1e6) < 1e-12);
      const sent = server.requests[0]!;
      assert.equal(sent.url, '/v1/messages');
      // SDK 1.x authenticates with a bearer header (0.x used x-api-key); the API accepts both.
      assert.ok(sent.headers['x-api-key'] === KEY || sent.headers.authorization === `Bearer ${KEY}`);
      assert.ok(sent.headers['anthropic-version']);
      assert.equal(sent.body.system, 'SYS');
      assert.equal(sent.body.max_tokens, 8192);
      assert.deepEqual(sent.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'list files' }] }]);
      assert.deepEqual(sent.body.tools, [
        { name: 'run_shell_command', description: 'Run a command.', input_schema: shell.inputSchema },
      ]);
    },
  ));

test('streaming: input_json_delta pieces are joined, thinking and text accumulate, usage merges start and delta', () =>
  withServer(
    [
      anthropicStream({
        thinking: ['hm', 'm'],
        text: ['I will ', 'list.'],
        toolUse: { id: 'toolu_2', name: 'run_shell_command', jsonPieces: ['{"command"', ': "ls', ' -la"}'] },
        input: 40,
        output: 12,
        cacheRead: 8,
      }),
    ],
    async (url) => {
      const model = createAnthropicModel('claude-haiku-4-5', {
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
        maxRetries: 0,
      });
      const c = await model.complete(request());
      assert.equal(c.message.content, 'I will list.');
      assert.equal(c.message.reasoning, 'hmm');
      assert.deepEqual(c.message.toolCalls![0]!.arguments, { command: 'ls -la' });
      assert.equal(c.finishReason, 'tool_calls');
      assert.deepEqual(c.usage, { promptTokens: 48, completionTokens: 12, cachedTokens: 8, cacheWriteTokens: 0 });
    },
  ));

test('tool results become one user turn of tool_result blocks; is_error is kept', () =>
  withServer([anthropicStream({ text: ['ok'] })], async (url, server) => {
    const model = createAnthropicModel('claude-haiku-4-5', {
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
      maxRetries: 0,
      promptCaching: false,
    });
    await model.complete(
      request({
        messages: [
          { role: 'system', content: 'SYS' },
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: 'two things',
            toolCalls: [
              { id: 't1', name: 'run_shell_command', arguments: { command: 'ls' }, rawArguments: '{"command":"ls"}' },
              {
                id: 't2',
                name: 'run_shell_command',
                arguments: { command: 'false' },
                rawArguments: '{"command":"false"}',
              },
            ],
          },
          { role: 'tool', toolCallId: 't1', name: 'run_shell_command', content: 'a.txt' },
          { role: 'tool', toolCallId: 't2', name: 'run_shell_command', content: '[exit code: 1]', isError: true },
        ],
      }),
    );
    assert.deepEqual(server.requests[0]!.body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'two things' },
          { type: 'tool_use', id: 't1', name: 'run_shell_command', input: { command: 'ls' } },
          { type: 'tool_use', id: 't2', name: 'run_shell_command', input: { command: 'false' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'a.txt' },
          { type: 'tool_result', tool_use_id: 't2', content: '[exit code: 1]', is_error: true },
        ],
      },
    ]);
  }));

test('429 then 529 overloaded then success: retried with retry-after honoured', () =>
  withServer(
    [
      anthropicError(429, 'rate_limit_error', 'slow down', { 'retry-after': '0' }),
      anthropicError(529, 'overloaded_error', 'Overloaded', { 'retry-after': '0' }),
      anthropicStream({ text: ['fine'] }),
    ],
    async (url, server) => {
      const model = createAnthropicModel('claude-haiku-4-5', {
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
        maxRetries: 3,
      });
      assert.equal((await model.complete(request())).message.content, 'fine');
      assert.equal(server.requests.length, 3);
    },
  ));

test('401, a missing key and an unreachable server are clear errors naming the variables', async () => {
  await withServer([anthropicError(401, 'authentication_error', 'invalid x-api-key')], async (url) => {
    const model = createAnthropicModel('claude-haiku-4-5', {
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
      maxRetries: 0,
    });
    const error = await model.complete(request()).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof ModelAuthError);
    assert.match(error.message, /ANTHROPIC_API_KEY/);
    assert.ok(!error.message.includes(KEY));
  });
  assert.throws(() => createAnthropicModel('claude-haiku-4-5', { env: {} }), /ANTHROPIC_API_KEY is not set/);
  const url = await closedPortUrl('');
  const model = createAnthropicModel('claude-haiku-4-5', {
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
    maxRetries: 0,
  });
  await assert.rejects(
    model.complete(request()),
    (e: unknown) =>
      e instanceof ModelConnectionError && e.message.includes(url) && /ANTHROPIC_BASE_URL/.test(e.message),
  );
});

test('a reply that is not a message is a ModelResponseError', () =>
  withServer([{ kind: 'json', body: { nope: true } }], async (url) => {
    const model = createAnthropicModel('claude-haiku-4-5', {
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
      stream: false,
      maxRetries: 0,
    });
    await assert.rejects(
      model.complete(request()),
      (e: unknown) => e instanceof ModelResponseError && /not a message/.test(e.message),
    );
  }));
