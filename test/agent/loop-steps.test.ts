// The agent loop's steps, each on its own: the stop checks, one model call, one step's tool calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callModel, modelCallEvent } from '../../src/agent/call-model.ts';
import { runToolCalls, summariseArguments } from '../../src/agent/run-tool-calls.ts';
import { type Ledger, newLedger, openSession, type RunAgentOptions } from '../../src/agent/session.ts';
import { costLimitEnforceable, type LimitCheck, limitReached, replyEnd } from '../../src/agent/stop-checks.ts';
import type { RunLimits } from '../../src/harness/types.ts';
import type { Model } from '../../src/model/types.ts';
import {
  MemoryTrace,
  makeHarness,
  middleware,
  QueueModel,
  RecordingSandbox,
  type Reply,
  roughTokens,
  toolCall,
} from '../support/agent-fixtures.ts';

const LIMITS: RunLimits = { maxSteps: 5, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 30 };

function ledgerWith(limits: Partial<RunLimits>, spent: Partial<Pick<Ledger, 'steps' | 'costUsd'>> = {}): Ledger {
  return { ...newLedger({ ...LIMITS, ...limits }), ...spent };
}

function check(ledger: Ledger, extra: Partial<LimitCheck> = {}): ReturnType<typeof limitReached> {
  return limitReached({
    ledger,
    step: 0,
    maxSteps: ledger.limits.maxSteps,
    signal: ledger.wallTimer,
    costKnown: true,
    ...extra,
  });
}

test('limitReached: nothing to stop a fresh session; then steps, tokens and cost each with their own status', () => {
  assert.equal(check(ledgerWith({})), undefined);
  assert.equal(check(ledgerWith({}), { step: 2, maxSteps: 2 }), 'max_steps', "a sub-agent's own step limit");
  assert.equal(check(ledgerWith({}, { steps: 5 })), 'max_steps', "the tree's step limit");
  const tokens = ledgerWith({ maxTotalTokens: 1000 });
  tokens.usage = { promptTokens: 900, completionTokens: 100, cachedTokens: 0 };
  assert.equal(check(tokens), 'token_budget');
  assert.equal(check(ledgerWith({ maxCostUsd: 0.5 }, { costUsd: 0.49 })), undefined);
  assert.equal(check(ledgerWith({ maxCostUsd: 0.5 }, { costUsd: 0.5 })), 'cost_budget');
  assert.equal(check(ledgerWith({ maxCostUsd: 0 }, { costUsd: 99 })), undefined, '0 is no limit');
  assert.equal(
    check(ledgerWith({ maxCostUsd: 0.5 }, { costUsd: 0.5 }), { costKnown: false }),
    undefined,
    'a cost that reads $0 because the price is unknown cannot stop anything',
  );
});

test('limitReached: a cancelled session says timeout when the deadline passed, aborted when the caller cancelled', () => {
  const ledger = ledgerWith({});
  assert.equal(check(ledger, { signal: AbortSignal.abort() }), 'aborted');
  const late: Ledger = { ...ledger, wallTimer: AbortSignal.abort() };
  assert.equal(check(late, { signal: late.wallTimer }), 'timeout');
});

test('replyEnd: tool calls go on; a finished reply completes; a reply cut by the token limit is truncated', () => {
  const message = (toolCalls = false) => ({
    role: 'assistant' as const,
    content: 'text',
    ...(toolCalls ? { toolCalls: [toolCall('echo', { text: 'x' })] } : {}),
  });
  assert.equal(replyEnd({ message: message(true), finishReason: 'tool_calls' }), undefined);
  assert.equal(replyEnd({ message: message(true), finishReason: 'length' }), undefined);
  assert.equal(replyEnd({ message: message(), finishReason: 'stop' }), 'completed');
  assert.equal(replyEnd({ message: message(), finishReason: 'length' }), 'truncated');
});

function sessionOf(replies: Reply[], extra: Partial<RunAgentOptions> = {}, limits: Partial<RunLimits> = {}) {
  const harness = extra.harness ?? makeHarness();
  const trace = new MemoryTrace();
  const model = extra.model ?? new QueueModel(replies);
  const options: RunAgentOptions = {
    harness,
    model,
    instruction: 'do the task',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
    ...extra,
  };
  const ledger = newLedger({ ...harness.limits, ...limits });
  const spec = { harness, instruction: 'do the task', trace, limits: ledger.limits, depth: 0 };
  const session = openSession(options, ledger, spec, async () => ({ output: 'no sub-agents here' }));
  return { session, trace, ledger, model };
}

test('costLimitEnforceable: an unknown price is said once in the trace and never stops the session', () => {
  const unpriced: Model = {
    spec: 'test:unpriced',
    provider: 'test',
    name: 'unpriced',
    priced: false,
    complete: () => Promise.reject(new Error('not called')),
  };
  const { session, trace } = sessionOf([], { model: unpriced }, { maxCostUsd: 1 });
  assert.equal(costLimitEnforceable(session), false);
  assert.equal(costLimitEnforceable(session), false);
  const notes = trace.ofType('limit_unenforced');
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.limit, 'max_cost_usd');
  assert.match(String(notes[0]!.reason), /no price is known for test:unpriced/);

  const noLimit = sessionOf([], { model: unpriced });
  assert.equal(costLimitEnforceable(noLimit.session), false);
  assert.equal(noLimit.trace.ofType('limit_unenforced').length, 0, 'nothing to say without a cost limit');
  const priced = sessionOf([], {}, { maxCostUsd: 1 });
  assert.equal(costLimitEnforceable(priced.session), true);
  assert.equal(priced.trace.ofType('limit_unenforced').length, 0);
});

test('callModel: the reply and what the model spent, charged to the session and to the tree', async () => {
  const { session, ledger } = sessionOf([{ content: 'hello', promptTokens: 40 }]);
  const reply = await callModel(session);
  assert.ok(reply.ok);
  assert.equal(reply.completion.message.content, 'hello');
  assert.deepEqual(reply.usage, { promptTokens: 40, completionTokens: 10, cachedTokens: 0 });
  assert.equal(reply.modelCalls, 1);
  assert.deepEqual(session.usage, reply.usage);
  assert.deepEqual(ledger.usage, reply.usage);
  assert.equal(ledger.costUsd, 0.001);
  assert.equal(session.state.messages.length, 2, 'adding the reply to the conversation is the loop’s job');
  const event = modelCallEvent(3, reply);
  assert.equal(event.step, 3);
  assert.equal(event.finish_reason, 'stop');
  assert.equal('model_calls' in event, false, 'model_calls only when middleware called the model other than once');
});

test('callModel: a failing model is an error end with a model_error event; what was spent still counts', async () => {
  const twice = middleware('twice', {
    wrapModelCall: async (request, next) => {
      await next(request);
      return next(request);
    },
  });
  const { session, trace, ledger } = sessionOf([{ content: 'first' }, new Error('boom')], {
    harness: makeHarness({ middleware: [twice] }),
  });
  const reply = await callModel(session);
  assert.equal(reply.ok, false);
  assert.deepEqual(!reply.ok && reply.end, { status: 'error', error: 'Error: boom', errorType: 'Error' });
  assert.equal(trace.ofType('model_error').length, 1);
  assert.equal(ledger.costUsd, 0.001, 'the first call was charged');
});

test('runToolCalls: each result joins the conversation and the trace, in the order of the calls', async () => {
  const progress: string[] = [];
  const { session, trace } = sessionOf([], { onProgress: (p) => progress.push(`${p.phase}:${p.tool}:${p.detail}`) });
  session.state.step = 1;
  const calls = [toolCall('echo', { text: 'one' }), toolCall('missing', {}), toolCall('echo', { text: 'two' })];
  await runToolCalls(session, calls);
  const tools = session.state.messages.filter((m) => m.role === 'tool');
  assert.deepEqual(
    tools.map((m) => [m.toolCallId, m.content]),
    [
      [calls[0]!.id, 'echo: one'],
      [calls[1]!.id, "unknown tool 'missing'. Available tools: echo"],
      [calls[2]!.id, 'echo: two'],
    ],
  );
  assert.deepEqual(
    trace.ofType('tool_result').map((e) => [e.step, e.name, e.is_error]),
    [
      [1, 'echo', false],
      [1, 'missing', true],
      [1, 'echo', false],
    ],
  );
  assert.deepEqual(progress, ['tool:echo:one', 'tool:missing:{}', 'tool:echo:two']);
});

test('summariseArguments: the only string argument as is, otherwise JSON; one line of at most 100 characters', () => {
  assert.equal(summariseArguments({ command: 'ls  -la\n  /app' }), 'ls -la /app');
  assert.equal(summariseArguments({ a: 1, b: 'x' }), '{"a":1,"b":"x"}');
  const long = summariseArguments({ command: 'x'.repeat(300) });
  assert.equal(long.length, 100);
  assert.ok(long.endsWith('…'));
});
