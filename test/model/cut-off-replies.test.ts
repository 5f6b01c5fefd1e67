// A reply the model could not finish — OpenAI `finish_reason: "length"`, Anthropic `stop_reason: "max_tokens"` —
// reaches the runtime as finishReason 'length' from both providers, streamed or not, and ends an agent
// session as 'truncated' rather than 'completed'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent } from '../../src/agent/run-agent.ts';
import { createAnthropicModel } from '../../src/model/anthropic-model.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import type { Model } from '../../src/model/types.ts';
import { MemoryTrace, makeHarness, RecordingSandbox, roughTokens } from '../support/agent-fixtures.ts';
import { anthropicMessage, anthropicStream, startFakeAnthropicServer } from '../support/fake-anthropic-server.ts';
import type { FakeReply, FakeServer } from '../support/fake-http-server.ts';
import { openaiCompletion, openaiStream, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { providerRequest, withFakeServer } from '../support/provider-request.ts';

/** The same reply, stopped for the given wire reason (every finish_reason / stop_reason that is set). */
function stoppedBy(reason: string, reply: FakeReply): FakeReply {
  return JSON.parse(JSON.stringify(reply), (key, value) =>
    (key === 'finish_reason' || key === 'stop_reason') && value !== null ? reason : value,
  );
}

const providers: {
  name: string;
  reason: string;
  start: (replies: FakeReply[]) => Promise<FakeServer>;
  once: FakeReply;
  streamed: FakeReply;
  model: (url: string, stream: boolean) => Model;
}[] = [
  {
    name: 'openai',
    reason: 'length',
    start: startFakeOpenAIServer,
    once: openaiCompletion({ content: 'The files are: a.txt, b' }),
    streamed: openaiStream({ text: ['The files are: ', 'a.txt, b'] }),
    model: (url, stream) =>
      createOpenAIModel('gpt-4o', { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: url }, stream, maxRetries: 0 }),
  },
  {
    name: 'anthropic',
    reason: 'max_tokens',
    start: startFakeAnthropicServer,
    once: anthropicMessage({ text: 'The files are: a.txt, b' }),
    streamed: anthropicStream({ text: ['The files are: ', 'a.txt, b'] }),
    model: (url, stream) =>
      createAnthropicModel('claude-haiku-4-5', {
        env: { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: url },
        stream,
        maxRetries: 0,
      }),
  },
];

for (const p of providers) {
  test(`${p.name}: a reply stopped by ${p.reason} is finishReason 'length', streamed or not`, () =>
    withFakeServer(p.start, [stoppedBy(p.reason, p.once), stoppedBy(p.reason, p.streamed)], async (url) => {
      const once = await p.model(url, false).complete(providerRequest());
      assert.equal(once.finishReason, 'length');
      assert.equal(once.message.content, 'The files are: a.txt, b');
      const streamed = await p.model(url, true).complete(providerRequest());
      assert.equal(streamed.finishReason, 'length');
      assert.equal(streamed.message.content, 'The files are: a.txt, b');
    }));

  test(`${p.name}: a session whose last reply was stopped by ${p.reason} ends as truncated, not completed`, () =>
    withFakeServer(p.start, [stoppedBy(p.reason, p.streamed)], async (url) => {
      const trace = new MemoryTrace();
      const result = await runAgent({
        harness: makeHarness(),
        model: p.model(url, true),
        instruction: 'list the files',
        sandbox: new RecordingSandbox(),
        trace,
        countTokens: roughTokens,
      });
      assert.equal(result.status, 'truncated');
      assert.equal(result.finalMessage, 'The files are: a.txt, b');
      assert.equal(trace.ofType('model_call')[0]!.finish_reason, 'length');
      assert.equal(trace.ofType('session_end')[0]!.status, 'truncated');
    }));
}
