// The chaos: wrapper — every fault kind a real provider produces, reproducible from a seed, and an agent
// session that survives each one with the fault visible in its trace.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent } from '../../src/agent/run-agent.ts';
import { isInfrastructureError, UserError } from '../../src/errors.ts';
import {
  CHAOS_FAULTS,
  type ChaosFault,
  type ChaosOptions,
  chaosModel,
  parseChaosSpec,
} from '../../src/model/chaos-model.ts';
import { createModel } from '../../src/model/create-model.ts';
import { ScriptSchema } from '../../src/model/script-schema.ts';
import { scriptedModel } from '../../src/model/scripted-model.ts';
import type { CompletionRequest, Model } from '../../src/model/types.ts';
import { MemoryTrace, makeHarness, RecordingSandbox, roughTokens } from '../support/agent-fixtures.ts';

const TOOLS = [{ name: 'echo', description: 'Echo text back.', inputSchema: { type: 'object' } }];
const request = (task: string, turn = 0): CompletionRequest => ({
  messages: [
    { role: 'system', content: 'You are a test agent.' },
    { role: 'user', content: task },
    ...Array.from({ length: turn }, () => ({ role: 'assistant' as const, content: '…' })),
  ],
  tools: TOOLS,
});

/** An inner model that always answers 'inner' and counts its calls. */
function innerModel(): Model & { calls: number } {
  return {
    spec: 'test:inner',
    provider: 'test',
    name: 'inner',
    calls: 0,
    async complete() {
      this.calls += 1;
      return {
        message: { role: 'assistant', content: 'inner' },
        usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 },
        costUsd: 0,
        finishReason: 'stop',
        model: 'inner',
      };
    },
  };
}

/** The fault of one call: its name from the reply's model tag or from the error, or 'none'. */
async function outcome(model: Model, req: CompletionRequest): Promise<string> {
  try {
    const c = await model.complete(req);
    return /\[chaos: (\w+)\]/.exec(c.model)?.[1] ?? 'none';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message.match(/HTTP \d+|timed out/)?.[0]}`;
  }
}

async function outcomes(options: ChaosOptions, n = 200): Promise<string[]> {
  const model = chaosModel(innerModel(), options);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await outcome(model, request(`task ${i % 20}`, Math.floor(i / 20))));
  return out;
}

test('parses rate, seed and fault kinds; the environment gives a default seed and can override the rate', () => {
  assert.deepEqual(parseChaosSpec('0.1:scripted:a.yaml', {}), {
    options: { rate: 0.1, seed: 1, faults: CHAOS_FAULTS },
    inner: 'scripted:a.yaml',
  });
  assert.deepEqual(parseChaosSpec('0.5:seed=7:faults=timeout,empty_reply:openai:gpt-5.4', {}).options, {
    rate: 0.5,
    seed: 7,
    faults: ['timeout', 'empty_reply'],
  });
  assert.equal(parseChaosSpec('0.5:scripted:a.yaml', { AHE_CHAOS_SEED: '42' }).options.seed, 42);
  assert.equal(
    parseChaosSpec('0.5:seed=3:scripted:a.yaml', { AHE_CHAOS_SEED: '42' }).options.seed,
    3,
    'the spec wins over the environment',
  );
  assert.equal(parseChaosSpec('0.5:scripted:a.yaml', { AHE_CHAOS_RATE: '0' }).options.rate, 0);
  assert.deepEqual(
    parseChaosSpec('0.5:scripted:a.yaml', { AHE_CHAOS_SEED: ' ', AHE_CHAOS_RATE: '' }).options,
    { rate: 0.5, seed: 1, faults: CHAOS_FAULTS },
    'empty variables are unset',
  );
});

test('a bad chaos spec is a user error naming the spec and what is wrong', async () => {
  const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
    [
      'chaos:often:scripted:a.yaml',
      {},
      /'chaos:often:scripted:a.yaml'.*rate must be a number from 0 to 1, got 'often'/,
    ],
    ['chaos:1.5:scripted:a.yaml', {}, /rate must be a number from 0 to 1, got '1.5'/],
    ['chaos:0.1', {}, /inner model spec is missing/],
    ['chaos:0.1:seed=-2:scripted:a.yaml', {}, /seed= must be a non-negative integer, got '-2'/],
    ['chaos:0.1:seed=:scripted:a.yaml', {}, /seed= must be a non-negative integer, got ''/],
    ['chaos:0.1:scripted:a.yaml', { AHE_CHAOS_SEED: 'x' }, /AHE_CHAOS_SEED must be a non-negative integer, got 'x'/],
    ['chaos:0.1:scripted:a.yaml', { AHE_CHAOS_RATE: 'lots' }, /got 'lots' from AHE_CHAOS_RATE/],
    [
      'chaos:0.1:faults=typo:scripted:a.yaml',
      {},
      /unknown fault kind 'typo' in faults=; kinds are malformed_arguments, /,
    ],
    ['chaos:0.1:gpt', {}, /'gpt' is not a model spec/],
  ];
  for (const [spec, env, message] of cases) {
    await assert.rejects(
      createModel(spec, { env }),
      (e: Error) => e instanceof UserError && message.test(e.message),
      spec,
    );
  }
});

test('every fault kind appears, in about the given proportion, and the same seed gives the same faults', async () => {
  const options: ChaosOptions = { rate: 0.5, seed: 11, faults: CHAOS_FAULTS };
  const first = await outcomes(options);
  assert.deepEqual(await outcomes(options), first, 'deterministic for a seed');
  assert.notDeepEqual(await outcomes({ ...options, seed: 12 }), first, 'another seed, other faults');
  const seen = new Set(first);
  for (const kind of [
    'malformed_arguments',
    'unknown_tool',
    'empty_reply',
    'truncated',
    'huge_content',
    'ModelUnavailableError: HTTP 429',
    'ModelUnavailableError: HTTP 500',
    'ModelConnectionError: timed out',
    'none',
  ]) {
    assert.ok(seen.has(kind), `${kind} never appeared in ${[...seen].join(', ')}`);
  }
  const faulted = first.filter((o) => o !== 'none').length;
  assert.ok(faulted > 60 && faulted < 140, `rate 0.5 faulted ${faulted} of 200 calls`);
  assert.deepEqual(new Set(await outcomes({ ...options, rate: 0 })), new Set(['none']));
  assert.ok(!(await outcomes({ ...options, rate: 1 })).includes('none'));
});

test('a call draws the same fault whatever order concurrent conversations run in; a repeated conversation draws afresh', async () => {
  const options: ChaosOptions = { rate: 0.5, seed: 5, faults: CHAOS_FAULTS };
  const run = async (order: number[]) => {
    const model = chaosModel(innerModel(), { ...options, draws: new Map() });
    const got = new Map<string, string>();
    for (const i of order)
      got.set(
        `task ${i % 10}/${Math.floor(i / 10)}`,
        await outcome(model, request(`task ${i % 10}`, Math.floor(i / 10))),
      );
    return got;
  };
  const forward = Array.from({ length: 40 }, (_, i) => i);
  assert.deepEqual(await run(forward), await run([...forward].sort((a, b) => (a % 10) - (b % 10) || a - b)));
  // The same point again (a retried trial) is a new draw: over 40 repeats of one call both outcomes occur.
  const model = chaosModel(innerModel(), options);
  const repeats = new Set<string>();
  for (let i = 0; i < 40; i++)
    repeats.add((await outcome(model, request('same task'))) === 'none' ? 'healthy' : 'faulted');
  assert.deepEqual(repeats, new Set(['healthy', 'faulted']));
});

test('provider faults are the infrastructure errors the real providers throw after their retries', async () => {
  for (const [fault, name] of [
    ['rate_limited', 'ModelUnavailableError'],
    ['server_error', 'ModelUnavailableError'],
    ['timeout', 'ModelConnectionError'],
  ] as const) {
    const inner = innerModel();
    const model = chaosModel(inner, { rate: 1, seed: 1, faults: [fault] });
    await assert.rejects(
      model.complete(request('t')),
      (e: Error) => e.name === name && isInfrastructureError(e) && /injected fault|chaos/.test(e.message),
    );
    assert.equal(inner.calls, 0, 'a faulted call never reaches the inner model');
  }
});

const SCRIPT = ScriptSchema.parse({
  turns: [
    { reply: { content: 'step one', tool_calls: [{ name: 'echo', arguments: { text: 'one' } }] } },
    {
      expect: { last_tool_result_contains: 'echo: one' },
      reply: { content: 'step two', tool_calls: [{ name: 'echo', arguments: { text: 'two' } }] },
    },
    { expect: { last_tool_result_contains: 'echo: two' }, reply: { content: 'all done' } },
  ],
});

function runUnderChaos(options: ChaosOptions, maxSteps = 6) {
  const model = chaosModel(scriptedModel(SCRIPT, 'chaos-test.yaml'), options);
  const trace = new MemoryTrace();
  const harness = makeHarness({ limits: { maxSteps, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 30 } });
  return runAgent({
    harness,
    model,
    instruction: 'echo one then two',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  }).then((result) => ({ result, trace }));
}

test('the agent runtime survives each fault kind, and the trace shows it', async () => {
  const expected: Record<ChaosFault, { status: string; visible: (t: MemoryTrace) => boolean }> = {
    malformed_arguments: {
      status: 'max_steps',
      visible: (t) =>
        t.ofType('tool_result').every((e) => e.is_error && /not a valid JSON object/.test(String(e.output))),
    },
    unknown_tool: {
      status: 'max_steps',
      visible: (t) => t.ofType('tool_result').every((e) => e.is_error && e.name === 'functions.echo'),
    },
    empty_reply: {
      status: 'completed',
      visible: (t) => t.ofType('model_call')[0]!.model === 'chaos-test.yaml [chaos: empty_reply]',
    },
    // A reply cut by the output-token limit is not a finished answer.
    truncated: { status: 'truncated', visible: (t) => t.ofType('model_call')[0]!.finish_reason === 'length' },
    huge_content: {
      status: 'truncated',
      visible: (t) => String((t.ofType('model_call')[0]!.message as { content: string }).content).length >= 256 * 1024,
    },
    rate_limited: { status: 'error', visible: (t) => /HTTP 429/.test(String(t.ofType('model_error')[0]?.message)) },
    server_error: { status: 'error', visible: (t) => /HTTP 500/.test(String(t.ofType('model_error')[0]?.message)) },
    timeout: { status: 'error', visible: (t) => t.ofType('model_error')[0]?.error_type === 'ModelConnectionError' },
  };
  for (const fault of CHAOS_FAULTS) {
    const { result, trace } = await runUnderChaos({ rate: 1, seed: 1, faults: [fault] }, 3);
    assert.equal(result.status, expected[fault].status, fault);
    assert.ok(expected[fault].visible(trace), `${fault} is not visible in the trace`);
    assert.equal(trace.ofType('session_end').length, 1, fault);
    const calls = trace.ofType('model_call');
    assert.ok(
      calls.every((e) => String(e.model).includes(`[chaos: ${fault}]`)),
      `${fault}: every injected reply is tagged`,
    );
  }
});

test('a wrapped script is neither consumed nor seen by faults: its expect checks hold, the session ends on the script, every fault in the trace', async () => {
  const { result, trace } = await runUnderChaos(
    { rate: 0.6, seed: 3, faults: ['malformed_arguments', 'unknown_tool'] },
    20,
  );
  assert.equal(result.status, 'completed');
  assert.equal(result.finalMessage, 'all done');
  const calls = trace.ofType('model_call');
  const faulted = calls.filter((e) => String(e.model).includes('[chaos:'));
  assert.ok(faulted.length > 0, 'this seed injects at least one fault');
  assert.deepEqual(
    calls.filter((e) => !String(e.model).includes('[chaos:')).map((e) => (e.message as { content: string }).content),
    ['step one', 'step two', 'all done'],
  );
  assert.equal(
    trace.ofType('tool_result').filter((e) => e.is_error).length,
    faulted.length,
    'each fault answered with a tool error',
  );
  assert.deepEqual(
    trace
      .ofType('tool_result')
      .filter((e) => !e.is_error)
      .map((e) => e.output),
    ['echo: one', 'echo: two'],
  );
});
