// Issue 11 items 4 and 6: a session reports only the outcome it had, and one set of limits governs
// the whole session tree (the caller's overrides reach sub-agents; their usage counts for the parent).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordSession } from '../../src/agent/record-session.ts';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { Harness, SubagentConfig } from '../../src/harness/types.ts';
import { readEvents } from '../../src/trace/event-log.ts';
import {
  echoTool,
  MemoryTrace,
  makeHarness,
  middleware,
  QueueModel,
  RecordingSandbox,
  type Reply,
  roughTokens,
  toolCall,
} from '../support/agent-fixtures.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-truthful-'));

test('a throw inside the loop ends the session with status error, the error and its stack — never "completed"', async () => {
  const outcomes: string[] = [];
  const harness = makeHarness({
    middleware: [middleware('watch', { afterAgent: (o) => void outcomes.push(o.status) })],
  });
  const trace = new MemoryTrace();
  const model = new QueueModel([{ toolCalls: [toolCall('echo', { text: 'a' })] }, { content: 'done' }]);
  const result = await runAgent({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
    onProgress: (p) => {
      if (p.phase === 'tool') throw new RangeError('progress view broke');
    },
  });
  assert.equal(result.status, 'error');
  assert.equal(result.errorType, 'RangeError');
  assert.match(result.error!, /^RangeError: progress view broke/);
  assert.match(result.errorStack!, /progress view broke\n\s+at /);
  assert.deepEqual(outcomes, ['error']);
  const end = trace.ofType('session_end');
  assert.equal(end.length, 1);
  assert.equal(end[0]!.status, 'error');
  assert.equal(end[0]!.error_type, 'RangeError');
  assert.match(String(end[0]!.error), /progress view broke/);
  assert.match(String(end[0]!.error_stack), /\n\s+at /);
});

test('a model error carries its type in the result and in session_end', async () => {
  class ModelConnectionError extends Error {
    override name = 'ModelConnectionError';
  }
  const trace = new MemoryTrace();
  const result = await runAgent({
    harness: makeHarness(),
    model: new QueueModel([new ModelConnectionError('connection refused')]),
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  });
  assert.equal(result.status, 'error');
  assert.equal(result.errorType, 'ModelConnectionError');
  assert.equal(trace.ofType('session_end')[0]!.error_type, 'ModelConnectionError');
});

test('an interruption stays "aborted" even when something throws while stopping', async () => {
  const controller = new AbortController();
  const trace = new MemoryTrace();
  const model = new QueueModel([{ toolCalls: [toolCall('echo', { text: 'a' })] }, { content: 'done' }]);
  const result = await runAgent({
    harness: makeHarness(),
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'tool') {
        controller.abort();
        throw new Error('view closed');
      }
    },
  });
  assert.equal(result.status, 'aborted');
  assert.equal(trace.ofType('session_end')[0]!.status, 'aborted');
});

test('tool metadata that JSON cannot hold (BigInt, cycles) is made serialisable; the recorded session completes', async () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const harness = makeHarness({
    tools: [
      echoTool('count', async () => ({
        output: 'counted',
        metadata: { bytes: 12345678901234567890n, cyclic, fn: () => 1 },
      })),
    ],
  });
  const outDir = tmp();
  const result = await recordSession({
    harness,
    model: new QueueModel([{ toolCalls: [toolCall('count', { text: '' })] }, { content: 'done' }]),
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    outDir,
    env: {},
  });
  assert.equal(result.status, 'completed');
  const { events, badLines } = readEvents(result.eventsFile);
  assert.deepEqual(badLines, []);
  const meta = events.find((e) => e.type === 'tool_result')!.metadata as Record<string, any>;
  assert.equal(meta.bytes, '12345678901234567890');
  assert.equal(meta.cyclic.name, 'loop');
  assert.match(String(meta.cyclic.self), /circular/);
  assert.match(String(meta.fn), /function/);
  assert.equal(events.at(-1)!.type, 'session_end');
  assert.equal(JSON.parse(readFileSync(result.trajectoryFile, 'utf8')).extra.status, 'completed');
});

test('a failed write of a full tool output is noted in the trace; the session goes on', async () => {
  const outDir = tmp();
  writeFileSync(join(outDir, 'tool-outputs'), 'a file where the folder should be');
  const harness = makeHarness({ tools: [echoTool('big', async () => 'y'.repeat(5000))] });
  const trace = new MemoryTrace();
  const model = new QueueModel([{ toolCalls: [toolCall('big', { text: '' })] }, { content: 'ok' }]);
  const result = await runAgent({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
    outputDir: outDir,
  });
  assert.equal(result.status, 'completed');
  const toolResult = trace.ofType('tool_result')[0]!;
  assert.equal(toolResult.full_output_file, undefined);
  assert.match(String(toolResult.full_output_error), /tool-outputs/);
  assert.ok(Number(toolResult.dropped_bytes) > 0);
});

// ---- one ledger and one set of limits for the session tree ----

const worker: SubagentConfig = {
  name: 'worker',
  description: 'Works forever.',
  prompt: 'You work.',
  tools: ['echo'],
  maxSteps: 10,
  file: 'subagents/worker.yaml',
};

/** The parent delegates once, then would go on calling echo; the worker calls echo forever. Every call costs 110 tokens. */
function delegating(): Reply[] | ((request: any) => Reply) {
  let parentCalls = 0;
  return (request: any): Reply => {
    if (String(request.messages[0].content).startsWith('You work.'))
      return { toolCalls: [toolCall('echo', { text: 'more' })] };
    parentCalls += 1;
    return parentCalls === 1
      ? { toolCalls: [toolCall('agent', { subagent: 'worker', task: 'loop' })] }
      : { toolCalls: [toolCall('echo', { text: 'parent' })] };
  };
}

function runTree(harness: Harness, limits: Parameters<typeof runAgent>[0]['limits']) {
  const trace = new MemoryTrace();
  const model = new QueueModel(delegating());
  return {
    trace,
    model,
    promise: runAgent({
      harness,
      model,
      instruction: 'x',
      sandbox: new RecordingSandbox(),
      trace,
      countTokens: roughTokens,
      limits,
    }),
  };
}

test("the caller's token budget governs sub-agents, and the parent's usage includes theirs", async () => {
  const harness = makeHarness({
    limits: { maxSteps: 50, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 5 },
    subagents: [worker],
  });
  const { trace, model, promise } = runTree(harness, { maxTotalTokens: 150 });
  const result = await promise;
  const spent = model.requests.length * 110;
  assert.ok(spent <= 150 + 110, `spent ${spent} tokens on a 150-token budget`); // at most one call beyond the budget
  assert.equal(result.status, 'token_budget');
  assert.equal(result.usage.promptTokens + result.usage.completionTokens, spent);
  const child = trace.ofType('session_end').find((e) => e.parent_session_id)!;
  assert.equal(child.status, 'token_budget');
  const childStart = trace.ofType('session_start').find((e) => e.parent_session_id)!;
  assert.equal((childStart.limits as any).maxTotalTokens, 150);
});

test("the caller's step limit counts every model call of the tree", async () => {
  const harness = makeHarness({
    limits: { maxSteps: 50, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 5 },
    subagents: [worker],
  });
  const { trace, model, promise } = runTree(harness, { maxSteps: 4 });
  const result = await promise;
  assert.equal(model.requests.length, 4);
  assert.equal(result.status, 'max_steps');
  assert.equal(trace.ofType('session_end').find((e) => e.parent_session_id)!.status, 'max_steps');
});

test("the caller's cost limit governs the tree: sub-agents spend from it, and both stop with cost_budget", async () => {
  const harness = makeHarness({
    limits: { maxSteps: 50, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 5 },
    subagents: [worker],
  });
  const { trace, model, promise } = runTree(harness, { maxCostUsd: 0.0035 });
  const result = await promise;
  // Every call costs $0.001: the parent's one and the worker's three reach $0.004, and nothing is called after.
  assert.equal(model.requests.length, 4);
  assert.equal(result.status, 'cost_budget');
  assert.ok(Math.abs(result.costUsd - 0.004) < 1e-12, String(result.costUsd));
  const child = trace.ofType('session_end').find((e) => e.parent_session_id)!;
  assert.equal(child.status, 'cost_budget');
  assert.equal(child.steps, 3);
  const childStart = trace.ofType('session_start').find((e) => e.parent_session_id)!;
  assert.equal((childStart.limits as any).maxCostUsd, 0.0035);
});

test("a sub-agent's own max_steps still applies within the tree's limits", async () => {
  const harness = makeHarness({
    limits: { maxSteps: 50, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 5 },
    subagents: [{ ...worker, maxSteps: 2 }],
  });
  const { trace, promise } = runTree(harness, { maxSteps: 6 });
  const result = await promise;
  const child = trace.ofType('session_end').find((e) => e.parent_session_id)!;
  assert.equal(child.status, 'max_steps');
  assert.equal(child.steps, 2);
  assert.equal(result.status, 'max_steps');
  assert.equal(trace.ofType('model_call').length, 6);
});

test('middleware cannot hide what the model spent: usage is counted from the model, not from the returned completion', async () => {
  const harness = makeHarness({
    limits: { maxSteps: 50, maxWallSec: 60, maxTotalTokens: 250, commandTimeoutSec: 5 },
    middleware: [
      middleware('free', {
        afterModel: (c) => ({ ...c, usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 }, costUsd: 0 }),
      }),
    ],
  });
  const trace = new MemoryTrace();
  const model = new QueueModel(() => ({ toolCalls: [toolCall('echo', { text: 'again' })] }));
  const result = await runAgent({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  });
  assert.equal(result.status, 'token_budget');
  assert.equal(model.requests.length, 3);
  assert.equal(result.usage.promptTokens, 300);
  assert.ok(Math.abs(result.costUsd - 0.003) < 1e-9);
  assert.equal((trace.ofType('model_call')[0]!.usage as any).prompt_tokens, 100);
});

test('a model hook that returns something that is not a completion is traced and skipped', async () => {
  const harness = makeHarness({
    middleware: [middleware('broken', { afterModel: () => 'oops' as any, beforeModel: () => ({ nope: true }) as any })],
  });
  const trace = new MemoryTrace();
  const model = new QueueModel([{ toolCalls: [toolCall('echo', { text: 'a' })] }, { content: 'done' }]);
  const result = await runAgent({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.finalMessage, 'done');
  const hooks = trace.ofType('middleware_error').map((e) => e.hook);
  assert.deepEqual(hooks, ['beforeModel', 'afterModel', 'beforeModel', 'afterModel']);
});

test('a wrapModelCall that calls the model twice is charged for both calls', async () => {
  const harness = makeHarness({
    middleware: [
      middleware('twice', {
        wrapModelCall: async (r, next) => {
          await next(r);
          return next(r);
        },
      }),
    ],
  });
  const model = new QueueModel([{ content: 'first' }, { content: 'second' }]);
  const result = await runAgent({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace: new MemoryTrace(),
    countTokens: roughTokens,
  });
  assert.equal(result.finalMessage, 'second');
  assert.equal(result.usage.promptTokens, 200);
});
