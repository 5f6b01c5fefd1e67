// Parallel tool calls: consecutive calls of `parallel: true` tools run at once (proved with barriers,
// never with wall-clock durations), results join the conversation in call order, each call's start and
// end is traced; `agent` calls run at most `limits.max_parallel_subagents` at once; one ledger and one set
// of limits hold across parallel sub-agents.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type RunAgentOptions, runAgent } from '../../src/agent/run-agent.ts';
import { batchToolCalls } from '../../src/agent/run-tool-calls.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { ToolSpecSchema } from '../../src/harness/schemas.ts';
import type { Harness, LoadedTool, RunLimits, SubagentConfig } from '../../src/harness/types.ts';
import type { CompletionRequest } from '../../src/model/types.ts';
import { eventsToAtifFiles } from '../../src/trace/atif.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { rejection, SEED, variant } from '../harness/harness-variants.ts';
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

const BARRIER_TIMEOUT_MS = 20_000;

/** Resolves `true` once `size` callers arrived, or `false` after a long timeout (they did not run at once). */
function barrier(size: number): () => Promise<boolean> {
  let arrived = 0;
  const waiters: ((ok: boolean) => void)[] = [];
  return () =>
    new Promise<boolean>((resolve) => {
      arrived += 1;
      waiters.push(resolve);
      if (arrived === size) for (const w of waiters.splice(0)) w(true);
      else setTimeout(() => resolve(false), BARRIER_TIMEOUT_MS).unref();
    });
}

function tool(name: string, run: LoadedTool['run'], parallel?: boolean): LoadedTool {
  return { ...echoTool(name, run), ...(parallel ? { parallel: true } : {}) };
}

/** A clock that ticks once per reading: start/end order is exact without measuring time. */
function tickingClock(): () => number {
  let t = Date.UTC(2026, 0, 1);
  return () => ++t;
}

function run(
  harness: Harness,
  replies: Reply[] | ((r: CompletionRequest, i: number) => Reply),
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
    clock: tickingClock(),
    ...extra,
  });
  return { model, trace, promise };
}

test('batches: runs of parallel-safe calls together, every other call alone, in order', () => {
  const calls = ['p', 'p', 's', 'p', 's', 'p', 'p', 'p'].map((kind, i) => toolCall(kind, { i }));
  const batches = batchToolCalls(calls, (c) => c.name === 'p');
  assert.deepEqual(
    batches.map((b) => [b.parallel, b.calls.map((c) => c.arguments.i)]),
    [
      [true, [0, 1]],
      [false, [2]],
      [false, [3]], // a lone parallel-safe call is an ordinary call
      [false, [4]],
      [true, [5, 6, 7]],
    ],
  );
});

test('parallel calls run at once, results in call order, middleware per call, start/end traced', async () => {
  const atBarrier = barrier(3);
  const finished: string[] = [];
  let lastParallelDone: () => void = () => {};
  const lastDone = new Promise<void>((r) => {
    lastParallelDone = r;
  });
  const slow = (name: string) =>
    tool(
      name,
      async (args) => {
        const together = await atBarrier();
        // The first call finishes last: the conversation must still list it first.
        if (name === 'p1') await lastDone;
        finished.push(name);
        if (name === 'p3') lastParallelDone();
        return `${name}:${String(args.text)}:${together ? 'together' : 'ALONE'}`;
      },
      true,
    );
  const serialSeen: string[][] = [];
  const serial = (name: string) =>
    tool(name, async () => {
      serialSeen.push([...finished]);
      finished.push(name);
      return `${name} done`;
    });
  const hooks: string[] = [];
  const harness = makeHarness({
    tools: [slow('p1'), slow('p2'), slow('p3'), serial('s1'), serial('s2')],
    middleware: [
      middleware('log', {
        beforeTool: (c) => void hooks.push(`before ${c.name}`),
        afterTool: (c) => void hooks.push(`after ${c.name}`),
        wrapToolCall: async (c, next) => {
          hooks.push(`wrap ${c.name}`);
          return next(c);
        },
      }),
    ],
  });
  const calls = ['p1', 'p2', 'p3', 's1', 's2'].map((n) => toolCall(n, { text: n }));
  const { model, trace, promise } = run(harness, [{ toolCalls: calls }, { content: 'done' }]);
  const result = await promise;
  assert.equal(result.status, 'completed');

  // Results in call order, although p1 finished after p3; each parallel call met the others at the barrier.
  const results = model.requests[1]!.messages.filter((m) => m.role === 'tool');
  assert.deepEqual(
    results.map((m) => m.content),
    ['p1:p1:together', 'p2:p2:together', 'p3:p3:together', 's1 done', 's2 done'],
  );
  assert.deepEqual(
    results.map((m) => (m as { toolCallId: string }).toolCallId),
    calls.map((c) => c.id),
  );
  assert.deepEqual(finished.slice(0, 3), ['p2', 'p3', 'p1']);
  // Serial calls start only after everything before them ended.
  assert.deepEqual(serialSeen, [
    ['p2', 'p3', 'p1'],
    ['p2', 'p3', 'p1', 's1'],
  ]);
  // Every hook ran once per call.
  for (const name of ['p1', 'p2', 'p3', 's1', 's2'])
    for (const hook of ['before', 'wrap', 'after'])
      assert.equal(hooks.filter((h) => h === `${hook} ${name}`).length, 1);

  // The trace: tool_result in call order; parallel calls overlap, serial ones follow each other.
  const events = trace.ofType('tool_result');
  assert.deepEqual(
    events.map((e) => e.name),
    ['p1', 'p2', 'p3', 's1', 's2'],
  );
  const at = (e: (typeof events)[number], k: 'started_at' | 'ended_at') => Date.parse(String(e[k]));
  const [p1, p2, p3, s1, s2] = events as [
    (typeof events)[number],
    (typeof events)[number],
    (typeof events)[number],
    (typeof events)[number],
    (typeof events)[number],
  ];
  const parallel = [p1, p2, p3];
  assert.ok(
    Math.max(...parallel.map((e) => at(e, 'started_at'))) < Math.min(...parallel.map((e) => at(e, 'ended_at'))),
  );
  assert.ok(parallel.every((e) => e.parallel === true));
  assert.ok(Math.max(...parallel.map((e) => at(e, 'ended_at'))) <= at(s1, 'started_at'));
  assert.ok(at(s1, 'ended_at') <= at(s2, 'started_at'));
  assert.equal(s1.parallel, undefined);
  for (const e of events) assert.equal(e.duration_ms, at(e, 'ended_at') - at(e, 'started_at'));

  // ATIF keeps each call's start and end in the step's extra, and still validates.
  const atif = eventsToAtifFiles(trace.events)['trajectory.json']!;
  assert.deepEqual(validateAtif(atif), []);
  const step = atif.steps.find((s) => s.tool_calls?.length)!;
  const timings = step.extra!.tool_timings as {
    call_id: string;
    started_at: string;
    ended_at: string;
    parallel?: boolean;
  }[];
  assert.deepEqual(
    timings.map((t) => [t.call_id, t.parallel === true]),
    calls.map((c, i) => [c.id, i < 3]),
  );
  assert.equal(timings[0]!.started_at, p1.started_at);
});

test('tools without parallel: true run one after another', async () => {
  let active = 0;
  let maxActive = 0;
  const plain = tool('plain', async () => {
    active += 1;
    maxActive = Math.max(maxActive, active);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    active -= 1;
    return 'ok';
  });
  const { trace, promise } = run(makeHarness({ tools: [plain] }), [
    { toolCalls: [1, 2, 3].map((i) => toolCall('plain', { text: String(i) })) },
    { content: 'done' },
  ]);
  assert.equal((await promise).status, 'completed');
  assert.equal(maxActive, 1);
  const events = trace.ofType('tool_result');
  for (let i = 1; i < events.length; i++)
    assert.ok(Date.parse(String(events[i - 1]!.ended_at)) <= Date.parse(String(events[i]!.started_at)));
  assert.ok(events.every((e) => e.parallel === undefined));
});

const WORKER_PROMPT = 'You are the WORKER sub-agent.';

function worker(maxSteps = 10): SubagentConfig {
  return {
    name: 'worker',
    description: 'does work',
    prompt: WORKER_PROMPT,
    tools: ['hold'],
    maxSteps,
    file: 'subagents/worker.yaml',
  };
}

const isChild = (r: CompletionRequest) => r.messages[0]!.content.includes('WORKER');

function subagentHarness(limits: Partial<RunLimits>, hold: LoadedTool): Harness {
  const base = makeHarness();
  return makeHarness({ tools: [hold], subagents: [worker()], limits: { ...base.limits, ...limits } });
}

for (const limit of [1, 2]) {
  test(`sub-agents run at most max_parallel_subagents (${limit}) at once`, async () => {
    let active = 0;
    let maxActive = 0;
    // With a limit of 2 the first two sub-agents must meet here; the third comes alone afterwards.
    const meet = barrier(2);
    let arrivals = 0;
    const timedOut: number[] = [];
    const hold = tool('hold', async () => {
      active += 1;
      arrivals += 1;
      maxActive = Math.max(maxActive, active);
      if (limit === 2 && arrivals <= 2 && !(await meet())) timedOut.push(arrivals);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      active -= 1;
      return 'held';
    });
    const harness = subagentHarness({ maxParallelSubagents: limit }, hold);
    let parentCalls = 0;
    const { trace, promise } = run(harness, (r) => {
      if (isChild(r))
        return r.messages.at(-1)!.role === 'tool'
          ? { content: 'child done' }
          : { toolCalls: [toolCall('hold', { text: 'x' })] };
      parentCalls += 1;
      return parentCalls === 1
        ? { toolCalls: [1, 2, 3].map((i) => toolCall('agent', { subagent: 'worker', task: `part ${i}` })) }
        : { content: 'all done' };
    });
    const result = await promise;
    assert.equal(result.status, 'completed');
    assert.deepEqual(timedOut, []);
    assert.equal(maxActive, limit);
    assert.deepEqual(
      trace.ofType('subagent_end').map((e) => e.status),
      ['completed', 'completed', 'completed'],
    );
    const results = trace.ofType('tool_result').filter((e) => e.session_id === 'root');
    assert.equal(results.length, 3);
    assert.ok(results.every((e) => e.output === 'child done'));
    assert.ok(results.every((e) => (e.parallel === true) === limit > 1));
    // One ledger: 1 parent call + 3 × 2 child calls + the parent's last call, 100 prompt tokens each.
    assert.equal(result.usage.promptTokens, 8 * 100);
    assert.equal(result.steps, 2);
  });
}

for (const [name, limits, status] of [
  ['max_total_tokens', { maxTotalTokens: 700 }, 'token_budget'],
  ['max_cost_usd', { maxCostUsd: 0.0065 }, 'cost_budget'],
  ['max_steps', { maxSteps: 6 }, 'max_steps'],
] as const) {
  test(`a ${name} limit hit by one parallel sub-agent stops the others; spend adds up exactly`, async () => {
    const hold = tool('hold', async () => {
      await new Promise((r) => setImmediate(r));
      return 'held';
    });
    const harness = subagentHarness({ maxParallelSubagents: 3 }, hold);
    let parentCalls = 0;
    // Sub-agents never finish by themselves: only the tree's limit stops them.
    const { model, trace, promise } = run(
      harness,
      (r) => {
        if (isChild(r)) return { toolCalls: [toolCall('hold', { text: 'x' })] };
        parentCalls += 1;
        return parentCalls === 1
          ? { toolCalls: [1, 2, 3].map((i) => toolCall('agent', { subagent: 'worker', task: `part ${i}` })) }
          : { content: 'should not be reached' };
      },
      { limits: limits as Partial<RunLimits> },
    );
    const result = await promise;
    assert.equal(result.status, status);
    const ends = trace.ofType('subagent_end');
    assert.equal(ends.length, 3);
    assert.ok(
      ends.every((e) => e.status === status),
      JSON.stringify(ends.map((e) => e.status)),
    );
    // Every model call is in the ledger once: nothing lost between branches.
    const calls = model.requests.length;
    assert.equal(trace.ofType('model_call').length, calls);
    assert.equal(result.usage.promptTokens, calls * 100);
    assert.equal(result.usage.completionTokens, calls * 10);
    assert.ok(Math.abs(result.costUsd - calls * 0.001) < 1e-9);
    // A budget is checked before each call: the tree overshoots by at most one call per running branch.
    if (name === 'max_steps') assert.equal(calls, 6);
    if (name === 'max_total_tokens') assert.ok(calls * 110 >= 700 && calls * 110 < 700 + 3 * 110, `${calls} calls`);
    if (name === 'max_cost_usd')
      assert.ok(calls * 0.001 >= 0.0065 && calls * 0.001 < 0.0065 + 3 * 0.001, `${calls} calls`);
    assert.equal(parentCalls, 1);
  });
}

test('tool YAML: parallel is an optional boolean, loaded onto the tool; harness.yaml takes max_parallel_subagents', async () => {
  const spec = { name: 't', description: 'd', input_schema: { type: 'object' } };
  assert.equal(ToolSpecSchema.safeParse(spec).success, true);
  assert.equal(ToolSpecSchema.safeParse({ ...spec, parallel: true }).success, true);
  assert.equal(ToolSpecSchema.safeParse({ ...spec, parallel: 'yes' }).success, false);
  const yaml = readFileSync(join(SEED, 'tools/run_shell_command.yaml'), 'utf8');
  const dir = variant(SEED, {
    'tools/run_shell_command.yaml': `${yaml.trimEnd()}\nparallel: true\n`,
    'harness.yaml': 'name: par\nlimits:\n  max_parallel_subagents: 3\n',
  });
  const h = await loadHarness(dir);
  assert.equal(h.tools[0]!.parallel, true);
  assert.equal(h.limits.maxParallelSubagents, 3);
  const plain = await loadHarness(SEED);
  assert.equal(plain.tools[0]!.parallel, undefined);
  assert.equal(plain.limits.maxParallelSubagents, undefined);
  const bad = await rejection(
    variant(SEED, { 'tools/run_shell_command.yaml': `${yaml.trimEnd()}\nparallel: sometimes\n` }),
  );
  assert.match(bad, /tools\/run_shell_command\.yaml.*parallel/);
  const zero = await rejection(variant(SEED, { 'harness.yaml': 'name: z\nlimits:\n  max_parallel_subagents: 0\n' }));
  assert.match(zero, /harness\.yaml.*max_parallel_subagents/);
});
