// openai:<model> options and the OpenAI-compatible servers docs/models.md documents, against the fake:
// reasoning_effort and prompt_cache_key on the wire, reasoning tokens in usage; Gemini's, vLLM's,
// OpenRouter's and LiteLLM's base URLs, and a provider-reported usage.cost that wins over the table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel } from '../../src/model/create-model.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import { type FakeReply, type FakeServer, startFakeHttpServer } from '../support/fake-http-server.ts';
import { openaiCompletion, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { providerRequest, withFakeServer } from '../support/provider-request.ts';

const KEY = 'sk-test-key-compat-0000';

test('openai chat: reasoning_effort and prompt_cache_key are sent when set, reasoning tokens read', () =>
  withFakeServer(
    startFakeOpenAIServer,
    [
      openaiCompletion({ content: 'a', prompt: 100, completion: 50, reasoningTokens: 30 }),
      openaiCompletion({ content: 'b' }),
    ],
    async (url, server) => {
      const model = createOpenAIModel('gpt-5', {
        // The key goes to api.openai.com by default; this fake stands in for it.
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url, OPENAI_PROMPT_CACHE_KEY: '1' },
        stream: false,
        maxRetries: 0,
      });
      const c = await model.complete(providerRequest({ reasoningEffort: 'xhigh', promptCacheKey: 'h-123' }));
      assert.deepEqual(c.usage, { promptTokens: 100, completionTokens: 50, cachedTokens: 0, reasoningTokens: 30 });
      assert.equal(server.requests[0]!.body.reasoning_effort, 'xhigh');
      assert.equal(server.requests[0]!.body.prompt_cache_key, 'h-123');
      await model.complete(providerRequest());
      assert.equal('reasoning_effort' in server.requests[1]!.body, false);
      assert.equal('prompt_cache_key' in server.requests[1]!.body, false);
    },
  ));

/** A compatible server mounted where the provider mounts its API; the model talks to it through openai:. */
async function viaCompatServer(
  basePath: string,
  modelName: string,
  reply: FakeReply,
  check: (
    c: Awaited<ReturnType<ReturnType<typeof createOpenAIModel>['complete']>>,
    server: FakeServer,
    priced: boolean | undefined,
  ) => void,
) {
  const server = await startFakeHttpServer([reply], basePath);
  try {
    const model = await createModel(`openai:${modelName}`, {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
      stream: false,
      maxRetries: 0,
    });
    const c = await model.complete(providerRequest({ promptCacheKey: 'h-1' }));
    assert.equal(server.requests[0]!.url, `${basePath}/chat/completions`);
    assert.equal(server.requests[0]!.body.model, modelName);
    assert.equal('prompt_cache_key' in server.requests[0]!.body, false, 'not sent to a compatible server');
    check(c, server, model.priced);
  } finally {
    await server.close();
  }
}

test("Gemini's OpenAI-compatible endpoint (/v1beta/openai): the model by its Gemini name", () =>
  viaCompatServer(
    '/v1beta/openai',
    'gemini-2.5-flash',
    openaiCompletion({ content: 'hi', model: 'gemini-2.5-flash' }),
    (c) => {
      assert.equal(c.message.content, 'hi');
      assert.equal(c.model, 'gemini-2.5-flash');
    },
  ));

test('vLLM (/v1): a served model name, its reasoning_content traced as reasoning; unknown price reads unpriced', () =>
  viaCompatServer(
    '/v1',
    'Qwen/Qwen3-8B',
    openaiCompletion({ content: 'ok', reasoning: 'thinking it over', model: 'Qwen/Qwen3-8B' }),
    (c, _server, priced) => {
      assert.equal(c.message.reasoning, 'thinking it over');
      assert.equal(c.costUsd, 0);
      assert.equal(priced, false);
    },
  ));

test("OpenRouter (/api/v1): the reported usage.cost is the call's cost, over the price table", () =>
  viaCompatServer(
    '/api/v1',
    'openai/gpt-5',
    openaiCompletion({ content: 'ok', prompt: 1_000_000, completion: 0, cost: 0.4321 }),
    (c, _server, priced) => {
      assert.equal(c.costUsd, 0.4321);
      assert.equal(priced, true, 'a model the table does not know is priced once the server reports its cost');
    },
  ));

test('a reported cost wins even where the table knows the model', () =>
  viaCompatServer(
    '/v1',
    'gpt-4o',
    openaiCompletion({ content: 'ok', prompt: 1_000_000, completion: 0, cost: 0.01 }),
    (c) => {
      // The table would say $2.50 for 1M fresh gpt-4o input tokens.
      assert.equal(c.costUsd, 0.01);
    },
  ));

test('LiteLLM proxy (mounted at the root): the proxy’s model alias', () =>
  viaCompatServer('', 'claude-sonnet', openaiCompletion({ content: 'via proxy', model: 'claude-sonnet-4-5' }), (c) => {
    assert.equal(c.message.content, 'via proxy');
    assert.equal(c.model, 'claude-sonnet-4-5');
  }));

test('the strict Chat Completions checks refuse what the real API refuses', async () => {
  const { chatRequestProblem } = await import('../support/fake-openai-server.ts');
  const call = {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
  };
  const cases: [unknown, RegExp][] = [
    [
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'tool', tool_call_id: 'c9', content: 'o' },
        ],
      },
      /must be a response to a preceeding message/,
    ],
    [
      { messages: [{ role: 'user', content: 'x' }, call, { role: 'user', content: 'y' }] },
      /did not have response messages: c1/,
    ],
    [{ messages: [], tools: [{ type: 'function', name: 'f', parameters: {} }] }, /tools\[0\]\.function/],
  ];
  for (const [body, pattern] of cases) {
    const problem = chatRequestProblem(body) as { body: { error: { message: string } } } | undefined;
    assert.ok(problem, JSON.stringify(body));
    assert.match(problem.body.error.message, pattern);
  }
  assert.equal(chatRequestProblem({ messages: [call, { role: 'tool', tool_call_id: 'c1', content: 'o' }] }), undefined);
});
