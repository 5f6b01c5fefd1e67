import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type RunAgentOptions, runAgent } from '../../src/agent/run-agent.ts';
import type { Harness } from '../../src/harness/types.ts';
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

function run(
  harness: Harness,
  replies: Reply[] | ((r: any, i: number) => Reply),
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

test('runs tools until the model stops calling them, tracing every step', async () => {
  const { model, trace, promise } = run(makeHarness(), [
    { content: 'looking', toolCalls: [toolCall('echo', { text: 'hi' })] },
    { content: 'done' },
  ]);
  const result = await promise;
  assert.equal(result.status, 'completed');
  assert.equal(result.finalMessage, 'done');
  assert.equal(result.steps, 2);
  assert.equal(result.usage.promptTokens, 200);
  const second = model.requests[1]!.messages;
  assert.deepEqual(second.at(-1), {
    role: 'tool',
    toolCallId: second.at(-2)!.role === 'assistant' ? (second.at(-2) as any).toolCalls[0].id : '',
    name: 'echo',
    content: 'echo: hi',
  });
  assert.deepEqual(
    trace.events.map((e) => e.type),
    ['session_start', 'user_message', 'model_call', 'tool_result', 'model_call', 'session_end'],
  );
});

test('middleware: before-hooks first→last, after-hooks last→first, wrappers nest with the first outermost', async () => {
  const log: string[] = [];
  const mk = (n: string) =>
    middleware(n, {
      beforeAgent: () => void log.push(`${n}.beforeAgent`),
      afterAgent: () => void log.push(`${n}.afterAgent`),
      beforeModel: () => void log.push(`${n}.beforeModel`),
      afterModel: () => void log.push(`${n}.afterModel`),
      wrapModelCall: async (req, next) => {
        log.push(`${n}.wrapModel>`);
        const out = await next(req);
        log.push(`${n}.wrapModel<`);
        return out;
      },
      beforeTool: () => void log.push(`${n}.beforeTool`),
      afterTool: () => void log.push(`${n}.afterTool`),
      wrapToolCall: async (call, next) => {
        log.push(`${n}.wrapTool>`);
        const out = await next(call);
        log.push(`${n}.wrapTool<`);
        return out;
      },
    });
  const { promise } = run(makeHarness({ middleware: [mk('A'), mk('B')] }), [
    { toolCalls: [toolCall('echo', { text: 'x' })] },
    { content: 'ok' },
  ]);
  await promise;
  const firstStep = log.slice(0, log.indexOf('A.beforeModel', 3) === -1 ? log.length : log.indexOf('A.beforeModel', 3));
  assert.deepEqual(firstStep, [
    'A.beforeAgent',
    'B.beforeAgent',
    'A.beforeModel',
    'B.beforeModel',
    'A.wrapModel>',
    'B.wrapModel>',
    'B.wrapModel<',
    'A.wrapModel<',
    'B.afterModel',
    'A.afterModel',
    'A.beforeTool',
    'B.beforeTool',
    'A.wrapTool>',
    'B.wrapTool>',
    'B.wrapTool<',
    'A.wrapTool<',
    'B.afterTool',
    'A.afterTool',
  ]);
  assert.deepEqual(log.slice(-2), ['B.afterAgent', 'A.afterAgent']);
});

test('middleware can replace the request, the completion and the tool result', async () => {
  const harness = makeHarness({
    middleware: [
      middleware('rewrite', {
        beforeModel: (req) => ({ ...req, messages: [...req.messages, { role: 'user', content: 'INJECTED' }] }),
        afterTool: (_call, result) => ({ ...result, output: `${result.output} [checked]` }),
      }),
    ],
  });
  const { model, promise } = run(harness, [{ toolCalls: [toolCall('echo', { text: 'a' })] }, { content: 'end' }]);
  await promise;
  assert.equal(model.requests[0]!.messages.at(-1)!.content, 'INJECTED');
  const toolMsg = model.requests[1]!.messages.find((m) => m.role === 'tool')!;
  assert.equal(toolMsg.content, 'echo: a [checked]');
});

test('a tool that throws becomes a tool error the model sees, and the session goes on', async () => {
  const harness = makeHarness({
    tools: [
      echoTool('boom', async () => {
        throw new Error('disk on fire');
      }),
    ],
  });
  const { model, promise, trace } = run(harness, [
    { toolCalls: [toolCall('boom', { text: 'x' })] },
    { content: 'recovered' },
  ]);
  const result = await promise;
  assert.equal(result.status, 'completed');
  const toolMsg = model.requests[1]!.messages.find((m) => m.role === 'tool')!;
  assert.match(toolMsg.content, /tool 'boom' failed: Error: disk on fire/);
  assert.equal((toolMsg as any).isError, true);
  assert.equal(trace.ofType('tool_result')[0]!.is_error, true);
});

test('a middleware that throws in a tool hook becomes a tool error; in a model hook it is traced and skipped', async () => {
  const harness = makeHarness({
    middleware: [
      middleware('bad-tool-hook', {
        beforeTool: () => {
          throw new Error('hook broke');
        },
      }),
      middleware('bad-model-hook', {
        beforeModel: () => {
          throw new TypeError('undefined is not a function');
        },
      }),
    ],
  });
  const { model, promise, trace } = run(harness, [
    { toolCalls: [toolCall('echo', { text: 'x' })] },
    { content: 'fine' },
  ]);
  const result = await promise;
  assert.equal(result.status, 'completed');
  const toolMsg = model.requests[1]!.messages.find((m) => m.role === 'tool')!;
  assert.match(toolMsg.content, /middleware 'bad-tool-hook' failed in beforeTool: Error: hook broke/);
  const errors = trace.ofType('middleware_error');
  assert.ok(errors.some((e) => e.middleware === 'bad-model-hook' && e.hook === 'beforeModel'));
  assert.ok(errors.some((e) => e.middleware === 'bad-tool-hook' && e.hook === 'beforeTool'));
});

test('a wrapModelCall that throws falls back to the plain model call', async () => {
  const harness = makeHarness({
    middleware: [
      middleware('flaky', {
        wrapModelCall: async () => {
          throw new Error('nope');
        },
      }),
    ],
  });
  const { promise, trace } = run(harness, [{ content: 'still answered' }]);
  const result = await promise;
  assert.equal(result.finalMessage, 'still answered');
  assert.equal(trace.ofType('middleware_error').length, 1);
});

test('arguments are validated against the tool schema in one place; bad JSON and unknown tools are tool errors', async () => {
  const { model, promise } = run(makeHarness(), [
    {
      toolCalls: [
        toolCall('echo', { text: 42 }),
        toolCall('echo', {}, { rawArguments: '{"text": ', argumentsError: 'arguments are not valid JSON' }),
        toolCall('nope', {}),
      ],
    },
    { content: 'ok' },
  ]);
  await promise;
  const results = model.requests[1]!.messages.filter((m) => m.role === 'tool').map((m) => m.content);
  assert.match(results[0]!, /invalid arguments for tool 'echo': \/text must be string/);
  assert.match(results[1]!, /was not run: arguments are not valid JSON/);
  assert.match(results[2]!, /unknown tool 'nope'. Available tools: echo/);
});

test('long tool output is truncated to head + tail with a notice, and the full output is kept', async () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'ahe-trunc-'));
  const big = `${'A'.repeat(3000)}MIDDLE${'Z'.repeat(3000)}`;
  const harness = makeHarness({ tools: [echoTool('big', async () => big)] });
  const { model, promise, trace } = run(harness, [{ toolCalls: [toolCall('big', { text: '' })] }, { content: 'ok' }], {
    outputDir,
  });
  await promise;
  const seen = model.requests[1]!.messages.find((m) => m.role === 'tool')!.content;
  assert.ok(seen.startsWith('A'.repeat(500)));
  assert.ok(seen.endsWith('Z'.repeat(500)));
  assert.ok(!seen.includes('MIDDLE'));
  assert.match(seen, /5006 bytes of output truncated/);
  const event = trace.ofType('tool_result')[0]!;
  assert.equal(event.dropped_bytes, 5006);
  assert.equal(readFileSync(event.full_output_file as string, 'utf8'), big);
});

test('skills are listed in the system prompt and loaded by load_skill', async () => {
  const harness = makeHarness({
    skills: [
      {
        name: 'git-surgery',
        description: 'Rewrite history safely.',
        body: 'Use git reflog first.',
        file: 'skills/git-surgery/SKILL.md',
      },
    ],
  });
  const { model, promise } = run(harness, [
    { toolCalls: [toolCall('load_skill', { name: 'git-surgery' })] },
    { content: 'ok' },
  ]);
  await promise;
  const first = model.requests[0]!;
  assert.match(first.messages[0]!.content, /- git-surgery: Rewrite history safely\./);
  assert.ok(!first.messages[0]!.content.includes('Use git reflog first.'));
  assert.deepEqual(
    first.tools.map((t) => t.name),
    ['echo', 'load_skill'],
  );
  assert.match(model.requests[1]!.messages.at(-1)!.content, /Use git reflog first\./);
});

test('memory lessons are injected into the context at the start', async () => {
  const harness = makeHarness({
    memory: [{ name: 'lessons', content: '- Always run the tests before finishing.', file: 'memory/lessons.md' }],
  });
  const { model, promise } = run(harness, [{ content: 'ok' }]);
  await promise;
  assert.match(model.requests[0]!.messages[0]!.content, /# Memory[\s\S]*Always run the tests before finishing\./);
});

test('a sub-agent runs with its own prompt, allowed tools and step limit, traced under the parent', async () => {
  const harness = makeHarness({
    tools: [echoTool('echo'), echoTool('secret_tool')],
    subagents: [
      {
        name: 'explorer',
        description: 'Looks around.',
        prompt: 'You explore.',
        tools: ['echo'],
        maxSteps: 3,
        file: 'subagents/explorer.yaml',
      },
    ],
  });
  const replies = (req: any): Reply => {
    const system = req.messages[0].content as string;
    if (system.startsWith('You explore.')) {
      const last = req.messages.at(-1);
      return last.role === 'tool'
        ? { content: 'explorer report: found it' }
        : { toolCalls: [toolCall('echo', { text: 'peek' })] };
    }
    const last = req.messages.at(-1);
    if (last.role === 'user')
      return { toolCalls: [toolCall('agent', { subagent: 'explorer', task: 'find the config' })] };
    return { content: `parent done after: ${last.content}` };
  };
  const { model, promise, trace } = run(harness, replies);
  const result = await promise;
  assert.equal(result.finalMessage, 'parent done after: explorer report: found it');
  const childRequest = model.requests.find((r) => r.messages[0]!.content.startsWith('You explore.'))!;
  assert.deepEqual(
    childRequest.tools.map((t) => t.name),
    ['echo'],
  );
  assert.equal(childRequest.messages[1]!.content, 'find the config');
  const start = trace.ofType('subagent_start')[0]!;
  const childEvents = trace.events.filter((e) => e.session_id === start.child_session_id);
  assert.ok(childEvents.length >= 4);
  assert.ok(childEvents.every((e) => e.parent_session_id === 'root'));
  assert.equal(result.usage.promptTokens, 4 * 100); // 2 parent calls + 2 sub-agent calls
  assert.equal(trace.ofType('subagent_end')[0]!.status, 'completed');
});

test('compaction keeps the system prompt, the task and recent turns when the context nears its budget', async () => {
  const harness = makeHarness({
    model: { contextBudgetTokens: 2000 },
    tools: [echoTool('echo', async () => 'x'.repeat(1800))],
  });
  let calls = 0;
  const { model, promise, trace } = run(harness, () =>
    ++calls <= 12 ? { toolCalls: [toolCall('echo', { text: `cmd ${calls}` })] } : { content: 'done' },
  );
  const result = await promise;
  assert.equal(result.status, 'completed');
  const compactions = trace.ofType('compaction');
  assert.ok(compactions.length > 0);
  for (const request of model.requests) {
    const tokens = request.messages.reduce((n, m) => n + roughTokens(m), 0);
    assert.ok(tokens <= 2000, `request of ${tokens} tokens exceeds the budget`);
  }
  const last = model.requests.at(-1)!.messages;
  assert.equal(last[0]!.role, 'system');
  assert.equal(last[1]!.content, 'do the task');
  assert.match(last[2]!.content, /Context compacted by the runtime[\s\S]*echo \{"text":"cmd 1"\}/);
  // no tool result without the assistant call that asked for it
  last.forEach((m, i) => {
    if (m.role === 'tool') assert.ok(last[i - 1]!.role === 'assistant' || last[i - 1]!.role === 'tool');
  });
});

test('limits end the session with a status: max steps, token budget, abort', async () => {
  const forever = () => ({ toolCalls: [toolCall('echo', { text: 'again' })] });
  const steps = await run(
    makeHarness({ limits: { maxSteps: 3, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 5 } }),
    forever,
  ).promise;
  assert.equal(steps.status, 'max_steps');
  assert.equal(steps.steps, 3);
  const tokens = await run(
    makeHarness({ limits: { maxSteps: 50, maxWallSec: 60, maxTotalTokens: 250, commandTimeoutSec: 5 } }),
    forever,
  ).promise;
  assert.equal(tokens.status, 'token_budget');
  assert.equal(tokens.steps, 3);
  const controller = new AbortController();
  const aborted = run(
    makeHarness(),
    (_r, i) => {
      if (i === 1) controller.abort();
      return forever();
    },
    { signal: controller.signal },
  );
  const result = await aborted.promise;
  assert.equal(result.status, 'aborted');
  assert.equal(aborted.trace.ofType('session_end')[0]!.status, 'aborted');
});

test('a model error ends the session with status error and is traced', async () => {
  const { promise, trace } = run(makeHarness(), [new Error('upstream exploded')]);
  const result = await promise;
  assert.equal(result.status, 'error');
  assert.match(result.error!, /upstream exploded/);
  assert.equal(trace.ofType('model_error').length, 1);
  assert.equal(trace.events.at(-1)!.type, 'session_end');
});

test('full outputs are only written when an output directory is given', async () => {
  const harness = makeHarness({ tools: [echoTool('big', async () => 'y'.repeat(5000))] });
  const { promise, trace } = run(harness, [{ toolCalls: [toolCall('big', { text: '' })] }, { content: 'ok' }]);
  await promise;
  assert.equal(trace.ofType('tool_result')[0]!.full_output_file, undefined);
  assert.equal(existsSync('tool-outputs'), false);
});

/** A model that takes `ms` per call (cancellable) and calls the echo tool, or the agent tool first when asked. */
function slowModel(ms: number, firstCall?: ReturnType<typeof toolCall>) {
  let calls = 0;
  return new QueueModel(
    () => ({ toolCalls: [calls++ === 0 && firstCall ? firstCall : toolCall('echo', { text: 'again' })] }),
    ms,
  );
}

test('the wall-time limit ends a session with status timeout, cancelling the model call in flight', async () => {
  const harness = makeHarness({ limits: { maxSteps: 1000, maxWallSec: 0.3, maxTotalTokens: 0, commandTimeoutSec: 5 } });
  const trace = new MemoryTrace();
  const result = await runAgent({
    harness,
    model: slowModel(100),
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  });
  assert.equal(result.status, 'timeout');
  assert.ok(result.steps >= 2 && result.steps <= 5, String(result.steps));
});

test("a sub-agent stops when its parent's time runs out", async () => {
  const harness = makeHarness({
    limits: { maxSteps: 1000, maxWallSec: 0.4, maxTotalTokens: 0, commandTimeoutSec: 5 },
    subagents: [
      {
        name: 'worker',
        description: 'Works forever.',
        prompt: 'You work.',
        tools: ['echo'],
        maxSteps: 1000,
        file: 'subagents/worker.yaml',
      },
    ],
  });
  const trace = new MemoryTrace();
  const model = slowModel(50, toolCall('agent', { subagent: 'worker', task: 'loop' }));
  const result = await runAgent({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  });
  assert.equal(result.status, 'timeout');
  const ends = trace.ofType('session_end');
  assert.equal(ends.length, 2);
  // one deadline for the whole tree: the sub-agent ran out of time too
  assert.equal(ends.find((e) => e.parent_session_id)!.status, 'timeout');
});
