// Every way a provider can be unusable — refused connection, unknown host, rejected key, unknown model,
// retries exhausted on 429/5xx, a request that never answers — is thrown as one of the model error
// classes that isInfrastructureError recognises, for both real providers. A trial ending on one of them
// is an infrastructure error, not the agent's failure (docs/results.md).

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import {
  isInfrastructureError,
  ModelAuthError,
  ModelConnectionError,
  ModelNotFoundError,
  ModelResponseError,
  ModelUnavailableError,
} from '../../src/errors.ts';
import { createAnthropicModel } from '../../src/model/anthropic-model.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import type { Model } from '../../src/model/types.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { anthropicError, startFakeAnthropicServer } from '../support/fake-anthropic-server.ts';
import type { FakeReply } from '../support/fake-http-server.ts';
import { openaiError, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { providerRequest, withFakeServer } from '../support/provider-request.ts';

const KEY = 'sk-test-key-abcdefghijklmnop';

interface Provider {
  name: string;
  make: (url: string, opts?: { maxRetries?: number; timeoutMs?: number }) => Model;
  start: typeof startFakeOpenAIServer;
  error: (status: number, message: string) => FakeReply;
  path: string;
}

const PROVIDERS: Provider[] = [
  {
    name: 'openai',
    make: (url, o = {}) =>
      createOpenAIModel('gpt-5', {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: url },
        maxRetries: o.maxRetries ?? 0,
        timeoutMs: o.timeoutMs,
      }),
    start: startFakeOpenAIServer,
    error: (status, message) => ({ ...openaiError(status, message), headers: { 'retry-after-ms': '1' } }),
    path: '/v1',
  },
  {
    name: 'anthropic',
    make: (url, o = {}) =>
      createAnthropicModel('claude-x', {
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: url },
        maxRetries: o.maxRetries ?? 0,
        timeoutMs: o.timeoutMs,
      }),
    start: startFakeAnthropicServer,
    error: (status, message) =>
      anthropicError(status, status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'error', message, {
        'retry-after-ms': '1',
      }),
    path: '',
  },
];

const failure = (model: Model) =>
  model.complete(providerRequest()).then(
    () => assert.fail('the call should have failed'),
    (e: unknown) => e as Error,
  );

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: (path: string) => string; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

for (const p of PROVIDERS) {
  test(`${p.name}: connection refused is a ModelConnectionError (infrastructure) naming the URL`, async () => {
    const url = await closedPortUrl(p.path);
    const error = await failure(p.make(url));
    assert.ok(error instanceof ModelConnectionError, String(error));
    assert.ok(isInfrastructureError(error));
    assert.ok(error.message.includes(url), error.message);
    assert.match(error.message, /ECONNREFUSED/);
  });

  test(`${p.name}: an unknown host (DNS) is a ModelConnectionError`, async () => {
    const error = await failure(p.make(`http://no-such-host.invalid${p.path}`));
    assert.ok(error instanceof ModelConnectionError, String(error));
    assert.ok(isInfrastructureError(error.name));
    assert.match(error.message, /no-such-host\.invalid/);
  });

  for (const status of [401, 403]) {
    test(`${p.name}: HTTP ${status} is a ModelAuthError (infrastructure)`, () =>
      withFakeServer(p.start, [p.error(status, 'bad key')], async (url) => {
        const error = await failure(p.make(url));
        assert.ok(error instanceof ModelAuthError, String(error));
        assert.ok(isInfrastructureError(error));
        assert.match(error.message, new RegExp(`HTTP ${status}`));
      }));
  }

  test(`${p.name}: HTTP 404 (unknown model) is a ModelNotFoundError (infrastructure)`, () =>
    withFakeServer(p.start, [p.error(404, 'The model does not exist')], async (url) => {
      const error = await failure(p.make(url));
      assert.ok(error instanceof ModelNotFoundError, String(error));
      assert.ok(isInfrastructureError(error));
      assert.match(error.message, /model does not exist/);
    }));

  for (const status of [429, 500, 503]) {
    test(`${p.name}: HTTP ${status} on every retry is a ModelUnavailableError (infrastructure) after the retries`, () =>
      withFakeServer(
        p.start,
        [p.error(status, 'busy'), p.error(status, 'busy'), p.error(status, 'busy')],
        async (url, server) => {
          const error = await failure(p.make(url, { maxRetries: 2 }));
          assert.ok(error instanceof ModelUnavailableError, String(error));
          assert.ok(isInfrastructureError(error));
          assert.match(error.message, new RegExp(`HTTP ${status} after retries`));
          assert.equal(server.requests.length, 3, 'one call and two retries');
        },
      ));
  }

  test(`${p.name}: a request that never answers times out as a ModelConnectionError (infrastructure)`, async () => {
    const server = await silentServer();
    try {
      const error = await failure(p.make(server.url(p.path), { timeoutMs: 200 }));
      assert.ok(error instanceof ModelConnectionError, String(error));
      assert.ok(isInfrastructureError(error));
      assert.match(error.message, /timed out/);
    } finally {
      await server.close();
    }
  });

  test(`${p.name}: a 400 is the model's answer to this request, not infrastructure`, () =>
    withFakeServer(p.start, [p.error(400, 'context too long')], async (url) => {
      const error = await failure(p.make(url));
      assert.ok(error instanceof ModelResponseError, String(error));
      assert.equal(isInfrastructureError(error), false);
    }));
}
