// --fallback-model: the fallback takes over for the rest of the session once the primary fails with its
// retries exhausted (a provider outage: 5xx, an unreachable server) or does not know the model; every
// completion it serves says so; other errors and the fallback's own failure propagate unchanged.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isInfrastructureError, ModelAuthError, ModelConnectionError } from '../../src/errors.ts';
import { createModel } from '../../src/model/create-model.ts';
import { fallbackUseOf, observeFallback, withFallback } from '../../src/model/fallback-model.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import type { CompletionRequest, Model } from '../../src/model/types.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import {
  type FakeServer,
  openaiCompletion,
  openaiError,
  openaiStream,
  startFakeOpenAIServer,
} from '../support/fake-openai-server.ts';

const KEY = 'sk-test-key-abcdefghijklmnop';
const REQUEST: CompletionRequest = { messages: [{ role: 'user', content: 'hello' }], tools: [] };

const openai = (url: string, name = 'gpt-5') =>
  createOpenAIModel(name, { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url }, maxRetries: 1 });

function script(replies: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-fallback-')), 'fallback.yaml');
  writeFileSync(file, JSON.stringify({ name: 'backup', turns: replies.map((content) => ({ reply: { content } })) }));
  return file;
}

async function withServer<T>(replies: Parameters<typeof startFakeOpenAIServer>[0], fn: (s: FakeServer) => Promise<T>) {
  const server = await startFakeOpenAIServer(replies);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

const status500 = () => ({ ...openaiError(500, 'the server had an error'), headers: { 'retry-after-ms': '1' } });

test('a provider outage (5xx after the retries): the fallback answers that call and every later one', async () => {
  await withServer([status500(), status500(), openaiCompletion({ content: 'primary is back' })], async (server) => {
    const fallback = await createModel(`scripted:${script(['first from backup', 'second from backup'])}`);
    const model = withFallback(openai(server.url), fallback);
    assert.equal(model.spec, 'openai:gpt-5', 'the session names its primary model');
    const first = await model.complete(REQUEST);
    assert.equal(first.message.content, 'first from backup');
    assert.equal(server.requests.length, 2, 'the primary was tried with its retries first');
    assert.equal(first.fallback?.from, 'openai:gpt-5');
    assert.match(first.fallback?.to ?? '', /^scripted:.*fallback\.yaml$/);
    assert.match(first.fallback?.reason ?? '', /^ModelUnavailableError: /);
    const second = await model.complete(REQUEST);
    assert.equal(second.message.content, 'second from backup');
    assert.equal(server.requests.length, 2, 'after the switch the primary is not asked again');
    assert.deepEqual(second.fallback, first.fallback);
  });
});

test('an unreachable primary (closed port) switches to the fallback; a healthy primary never does', async () => {
  const down = withFallback(openai(await closedPortUrl()), await createModel(`scripted:${script(['backup'])}`));
  const c = await down.complete(REQUEST);
  assert.equal(c.message.content, 'backup');
  assert.match(c.fallback?.reason ?? '', /^ModelConnectionError: /);

  await withServer([openaiStream({ text: ['from primary'], model: 'gpt-5' })], async (server) => {
    const healthy = withFallback(openai(server.url), await createModel(`scripted:${script(['backup'])}`));
    const h = await healthy.complete(REQUEST);
    assert.equal(h.message.content, 'from primary');
    assert.equal(h.fallback, undefined);
  });
});

test('a model the provider does not know (404) switches to the fallback', async () => {
  await withServer([openaiError(404, 'The model `gpt-9` does not exist')], async (server) => {
    const model = withFallback(openai(server.url, 'gpt-9'), await createModel(`scripted:${script(['backup'])}`));
    const c = await model.complete(REQUEST);
    assert.equal(c.message.content, 'backup');
    assert.match(c.fallback?.reason ?? '', /^ModelNotFoundError: /);
  });
});

test('other errors are not an outage: a rejected key propagates from the primary, the fallback is not called', async () => {
  await withServer([openaiError(401, 'Incorrect API key provided')], async (server) => {
    let called = 0;
    const fallback: Model = {
      spec: 'scripted:x',
      provider: 'scripted',
      name: 'x',
      complete: async () => {
        called++;
        throw new Error('must not be called');
      },
    };
    await assert.rejects(withFallback(openai(server.url), fallback).complete(REQUEST), ModelAuthError);
    assert.equal(called, 0);
  });
});

test('when the fallback fails too, its error propagates: an infrastructure error as before', async () => {
  const model = withFallback(openai(await closedPortUrl()), openai(await closedPortUrl(), 'gpt-5-mini'));
  await assert.rejects(model.complete(REQUEST), (error: unknown) => {
    assert.ok(error instanceof ModelConnectionError);
    assert.ok(isInfrastructureError(error));
    return true;
  });
});

test('createModel({fallback}) builds the pair (recording what was served); observeFallback counts what a session used', async () => {
  const cassette = join(mkdtempSync(join(tmpdir(), 'ahe-fallback-')), 'cassette.jsonl');
  const spec = script(['one', 'two']);
  const model = observeFallback(
    await createModel('openai:gpt-5', {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: await closedPortUrl() },
      maxRetries: 0,
      fallback: `scripted:${spec}`,
      recordTo: cassette,
    }),
  );
  assert.equal(fallbackUseOf(model), undefined, 'nothing used before the first call');
  await model.complete(REQUEST);
  await model.complete(REQUEST);
  const use = fallbackUseOf(model);
  assert.equal(use?.calls, 2);
  assert.equal(use?.from, 'openai:gpt-5');
  assert.equal(use?.to, `scripted:${spec}`);
  const lines = readFileSync(cassette, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].completion.fallback.from, 'openai:gpt-5', 'the cassette keeps the switch');
  await assert.rejects(createModel(`scripted:${spec}`, { fallback: 'nope' }), /invalid model spec 'nope'/);
});
