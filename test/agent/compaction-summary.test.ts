// Compaction that keeps what matters: harness.yaml `compaction.strategy: summary` (the session's model
// summarises older turns, the last N turns stay verbatim, tool calls and results never split, the call
// charged and traced), and recovery from a context-overflow error (compact, retry once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RunAgentOptions, runAgent } from '../../src/agent/run-agent.ts';
import { ModelContextOverflowError, ModelResponseError } from '../../src/errors.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import type { CompactionSettings, Harness } from '../../src/harness/types.ts';
import { createAnthropicModel } from '../../src/model/anthropic-model.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import { mapProviderError } from '../../src/model/provider-options.ts';
import type { CompletionRequest, Message } from '../../src/model/types.ts';
import { eventsToAtifFiles } from '../../src/trace/atif.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { rejection, SEED, variant } from '../harness/harness-variants.ts';
import {
  echoTool,
  MemoryTrace,
  makeHarness,
  QueueModel,
  RecordingSandbox,
  type Reply,
  roughTokens,
  toolCall,
} from '../support/agent-fixtures.ts';
import { anthropicError, startFakeAnthropicServer } from '../support/fake-anthropic-server.ts';
import type { FakeReply } from '../support/fake-http-server.ts';
import { openaiCompletion, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { providerRequest, withFakeServer } from '../support/provider-request.ts';

const isSummaryCall = (r: CompletionRequest) =>
  r.tools.length === 0 && /compact the history/.test(r.messages[0]!.content);

function bigHarness(compaction?: CompactionSettings): Harness {
  return makeHarness({
    model: { contextBudgetTokens: 2000 },
    tools: [echoTool('echo', async (args) => `${String(args.text)} ${'x'.repeat(1800)}`)],
    ...(compaction ? { compaction } : {}),
  });
}

function run(
  harness: Harness,
  replies: (r: CompletionRequest, i: number) => Reply,
  extra: Partial<RunAgentOptions> = {},
) {
  const model = new QueueModel(replies);
  const trace = new MemoryTrace();
  const promise = runAgent({
    harness,
    model,
    instruction: 'do the task',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
    ...extra,
  });
  return { model, trace, promise };
}

/** Every tool result follows the assistant message that asked for it (or another result of it). */
function assertPairsWhole(messages: readonly Message[]): void {
  const asked = new Set<string>();
  for (const m of messages) {
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) asked.add(c.id);
    if (m.role === 'tool') assert.ok(asked.has(m.toolCallId), `result ${m.toolCallId} without its call`);
  }
  for (const [i, m] of messages.entries())
    if (m.role === 'tool') assert.ok(['assistant', 'tool'].includes(messages[i - 1]!.role));
}

test('summary: the model summarises older turns, the last N turns stay verbatim, the call is charged and traced', async () => {
  const harness = bigHarness({ strategy: 'summary', keepLastTurns: 2, summaryMaxTokens: 300 });
  let work = 0;
  let summaries = 0;
  const { model, trace, promise } = run(harness, (r) => {
    if (isSummaryCall(r)) {
      summaries += 1;
      return { content: `SUMMARY ${summaries}: ran echo several times; nothing left but to finish.` };
    }
    return ++work <= 10 ? { toolCalls: [toolCall('echo', { text: `cmd ${work}` })] } : { content: 'done' };
  });
  const result = await promise;
  assert.equal(result.status, 'completed');
  const compactions = trace.ofType('compaction');
  assert.ok(compactions.length >= 2, `${compactions.length} compactions`);
  assert.ok(compactions.every((c) => c.strategy === 'summary' && c.reason === 'context_budget'));
  for (const c of compactions) assert.ok(Number(c.tokens_after) < Number(c.tokens_before));
  assert.equal(trace.ofType('compaction_call').length, summaries);

  // The first summary call: no tools, the harness's limit on its output, the task and the old turns in it.
  const firstSummary = model.requests.findIndex(isSummaryCall);
  const summaryRequest = model.requests[firstSummary]!;
  assert.equal(summaryRequest.maxOutputTokens, 300);
  assert.match(summaryRequest.messages[1]!.content, /do the task/);
  assert.match(summaryRequest.messages[1]!.content, /echo \{"text":"cmd 1"\}/);
  assert.doesNotMatch(summaryRequest.messages[1]!.content, /cmd 3"/); // the last 2 turns are kept, not summarised

  // The call right after it: system, task, the summary, then the last 2 turns verbatim.
  const before = model.requests[firstSummary - 1]!.messages;
  const after = model.requests[firstSummary + 1]!.messages;
  assert.equal(after[0]!.role, 'system');
  assert.equal(after[1]!.content, 'do the task');
  assert.match(after[2]!.content, /^\[Context compacted by the runtime[\s\S]*SUMMARY 1: ran echo/);
  const lastTwoTurns = [...before.slice(-3), after.at(-2), after.at(-1)];
  assert.deepEqual(after.slice(3), lastTwoTurns.slice(-4));
  assert.deepEqual(
    after.slice(3).map((m) => m.role),
    ['assistant', 'tool', 'assistant', 'tool'],
  );
  for (const r of model.requests.filter((q) => !isSummaryCall(q))) {
    assertPairsWhole(r.messages);
    assert.ok(r.messages.reduce((n, m) => n + roughTokens(m), 0) <= 2000);
  }
  // A later summary covers the earlier one.
  const second = model.requests.filter(isSummaryCall)[1];
  assert.match(second!.messages[1]!.content, /SUMMARY 1/);

  // One ledger: every call, the summary calls included, 100 prompt tokens each.
  assert.equal(result.usage.promptTokens, model.requests.length * 100);
  assert.ok(Math.abs(result.costUsd - model.requests.length * 0.001) < 1e-9);
  const call = trace.ofType('compaction_call')[0]!;
  assert.deepEqual(call.usage, { prompt_tokens: 100, completion_tokens: 10, cached_tokens: 0 });
  assert.equal(call.step, compactions[0]!.step);

  // ATIF: the compaction and its call are on the next agent step.
  const atif = eventsToAtifFiles(trace.events)['trajectory.json']!;
  assert.deepEqual(validateAtif(atif), []);
  const step = atif.steps.find((s) => s.extra?.compaction)!;
  assert.equal((step.extra!.compaction_calls as unknown[]).length, 1);
  assert.match(String((step.extra!.compaction as { summary?: string }[])[0]!.summary), /SUMMARY 1/);
});

test('summary: a failing summary call falls back to the deterministic note', async () => {
  const harness = bigHarness({ strategy: 'summary', keepLastTurns: 2, summaryMaxTokens: 300 });
  let work = 0;
  const { trace, promise } = run(harness, (r) => {
    if (isSummaryCall(r)) return new ModelResponseError('scripted API error (HTTP 500): boom');
    return ++work <= 8 ? { toolCalls: [toolCall('echo', { text: `cmd ${work}` })] } : { content: 'done' };
  });
  assert.equal((await promise).status, 'completed');
  const compactions = trace.ofType('compaction');
  assert.ok(compactions.length > 0);
  assert.ok(compactions.every((c) => c.strategy === 'deterministic'));
  assert.equal(trace.ofType('compaction_call')[0]!.error_type, 'ModelResponseError');
});

/** A model refusing a prompt above `maxTokens` as too long, the way mapProviderError reports it. */
function overflowingModel(maxTokens: number, replies: (r: CompletionRequest, i: number) => Reply) {
  return (r: CompletionRequest, i: number): Reply => {
    const tokens = r.messages.reduce((n, m) => n + roughTokens(m), 0);
    if (tokens > maxTokens)
      return new ModelContextOverflowError(`openai refused the request (HTTP 400): ${tokens} tokens > ${maxTokens}`);
    return replies(r, i);
  };
}

for (const strategy of ['deterministic', 'summary'] as const) {
  test(`context overflow (${strategy}): compact, then retry the call once; the session goes on`, async () => {
    // The budget (100k) trusts a window the provider does not have: only the refusal shows it.
    const harness = makeHarness({
      tools: [echoTool('echo', async (args) => `${String(args.text)} ${'x'.repeat(1800)}`)],
      compaction: { strategy, keepLastTurns: 1, summaryMaxTokens: 200 },
    });
    let work = 0;
    const { model, trace, promise } = run(
      harness,
      overflowingModel(2500, (r) => {
        if (isSummaryCall(r)) return { content: 'SUMMARY: echoed.' };
        return ++work <= 6 ? { toolCalls: [toolCall('echo', { text: `cmd ${work}` })] } : { content: 'done' };
      }),
    );
    const result = await promise;
    assert.equal(result.status, 'completed');
    const errors = trace.ofType('model_error');
    assert.ok(errors.length > 0);
    assert.ok(errors.every((e) => e.error_type === 'ModelContextOverflowError'));
    const compactions = trace.ofType('compaction');
    assert.equal(compactions.length, errors.length);
    assert.ok(
      compactions.every((c) => c.reason === 'context_overflow' && c.strategy === strategy),
      JSON.stringify(compactions),
    );
    // Each refusal is followed by its compaction and then a model call of the same step.
    const types = trace.events.filter((e) => e.session_id === 'root').map((e) => e.type);
    for (const [i, t] of types.entries()) {
      if (t !== 'model_error') continue;
      const rest = types.slice(i + 1).filter((x) => x !== 'compaction_call');
      assert.deepEqual(rest.slice(0, 2), ['compaction', 'model_call']);
    }
    for (const c of compactions) assert.ok(Number(c.tokens_after) < Number(c.tokens_before));
    assert.equal(result.steps, 7);
    for (const r of model.requests) assertPairsWhole(r.messages);
  });
}

test('context overflow: when the retry is refused too, or nothing can be compacted, the session ends with the error', async () => {
  const always = run(makeHarness(), () => new ModelContextOverflowError('prompt is too long'));
  const first = await always.promise;
  assert.equal(first.status, 'error');
  assert.equal(first.errorType, 'ModelContextOverflowError');
  assert.equal(always.trace.ofType('compaction').length, 0); // only the system prompt and the task: nothing to remove
  assert.equal(always.model.requests.length, 1);

  let work = 0;
  const later = run(bigHarness(), (_r, i) => {
    if (i >= 3) return new ModelContextOverflowError('prompt is too long');
    return { toolCalls: [toolCall('echo', { text: `cmd ${++work}` })] };
  });
  const result = await later.promise;
  assert.equal(result.status, 'error');
  assert.equal(result.errorType, 'ModelContextOverflowError');
  assert.equal(later.trace.ofType('compaction').length, 1); // one compaction, one retry, then the end
  assert.equal(later.trace.ofType('model_error').length, 2);
  assert.equal(later.model.requests.length, 5);
});

test('mapProviderError: OpenAI context_length_exceeded and Anthropic "prompt is too long" are context overflows', () => {
  const id = {
    provider: 'openai',
    keyVar: 'OPENAI_API_KEY',
    baseUrlVar: 'OPENAI_BASE_URL',
    baseURL: 'http://x',
    apiKey: 'k',
  };
  const openai = Object.assign(new Error("This model's maximum context length is 128000 tokens."), {
    status: 400,
    code: 'context_length_exceeded',
  });
  const anthropic = Object.assign(
    new Error(
      '400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}',
    ),
    { status: 400 },
  );
  const other = Object.assign(new Error('invalid tool schema'), { status: 400 });
  assert.ok(mapProviderError(openai, id) instanceof ModelContextOverflowError);
  assert.ok(mapProviderError(anthropic, { ...id, provider: 'anthropic' }) instanceof ModelContextOverflowError);
  const mapped = mapProviderError(other, id);
  assert.ok(mapped instanceof ModelResponseError && !(mapped instanceof ModelContextOverflowError));
  assert.equal((mapProviderError(openai, id) as Error).name, 'ModelContextOverflowError');
});

test('harness.yaml compaction: defaults, values, and errors naming the field', async () => {
  const plain = await loadHarness(SEED);
  assert.equal(plain.compaction, undefined);
  const h = await loadHarness(variant(SEED, { 'harness.yaml': 'name: c\ncompaction:\n  strategy: summary\n' }));
  assert.deepEqual(h.compaction, { strategy: 'summary', keepLastTurns: 4, summaryMaxTokens: 2000 });
  const set = await loadHarness(
    variant(SEED, {
      'harness.yaml':
        'name: c\ncompaction:\n  strategy: deterministic\n  keep_last_turns: 6\n  summary_max_tokens: 900\n',
    }),
  );
  assert.deepEqual(set.compaction, { strategy: 'deterministic', keepLastTurns: 6, summaryMaxTokens: 900 });
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'name: c\ncompaction:\n  strategy: llm\n' })),
    /harness\.yaml.*compaction\.strategy/,
  );
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'name: c\ncompaction:\n  keep_turns: 3\n' })),
    /harness\.yaml.*keep_turns/,
  );
});

test('wire: OpenAI 400 context_length_exceeded → compact, retry, complete; Anthropic "prompt is too long" is an overflow', async () => {
  const overflow: FakeReply = {
    kind: 'json',
    status: 400,
    body: {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
  };
  const call = (id: string, text: string) =>
    openaiCompletion({ toolCalls: [{ id, name: 'echo', arguments: JSON.stringify({ text }) }] });
  await withFakeServer(
    startFakeOpenAIServer,
    [call('c1', 'one'), call('c2', 'two'), overflow, openaiCompletion({ content: 'done' })],
    async (url, server) => {
      const model = createOpenAIModel('gpt-4o', {
        env: { OPENAI_API_KEY: 'sk-test-key-abcdefghijklmnop', OPENAI_BASE_URL: url },
        stream: false,
        maxRetries: 0,
      });
      const trace = new MemoryTrace();
      const result = await runAgent({
        harness: bigHarness(),
        model,
        instruction: 'do the task',
        sandbox: new RecordingSandbox(),
        trace,
        countTokens: roughTokens,
      });
      assert.equal(result.status, 'completed', result.error);
      assert.equal(trace.ofType('model_error')[0]!.error_type, 'ModelContextOverflowError');
      assert.equal(trace.ofType('compaction')[0]!.reason, 'context_overflow');
      assert.equal(server.requests.length, 4);
      const refused = server.requests[2]!.body.messages as unknown[];
      const retried = server.requests[3]!.body.messages as { role: string; content: string }[];
      assert.ok(retried.length < refused.length);
      assert.match(retried[2]!.content, /Context compacted by the runtime/);
    },
  );
  await withFakeServer(
    startFakeAnthropicServer,
    [anthropicError(400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum')],
    async (url) => {
      const model = createAnthropicModel('claude-sonnet-4-5', {
        env: { ANTHROPIC_API_KEY: 'sk-ant-test-key-abcdefghijklmnop', ANTHROPIC_BASE_URL: url },
        stream: false,
        maxRetries: 0,
      });
      await assert.rejects(model.complete(providerRequest()), (e: Error) => e instanceof ModelContextOverflowError);
    },
  );
});
