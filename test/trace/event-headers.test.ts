// Issue 11 item 5: the headers of a trace event (v, ts, type, session_id, parent_session_id) are
// ahe's alone; component code can neither rewrite them nor pass its events off as the runtime's.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordSession } from '../../src/agent/record-session.ts';
import { openEventLog, readEvents } from '../../src/trace/event-log.ts';
import { createRedactor } from '../../src/trace/redact.ts';
import {
  echoTool,
  makeHarness,
  middleware,
  QueueModel,
  RecordingSandbox,
  toolCall,
} from '../support/agent-fixtures.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-headers-'));

test('header fields always win; values a caller gave for them are kept under ignored_headers', () => {
  const file = join(tmp(), 'events.jsonl');
  const log = openEventLog(file, { sessionId: 'real', redactor: createRedactor({}) });
  log.emit('tool_result', {
    v: 99,
    ts: 'yesterday',
    type: 'session_end',
    session_id: 'forged',
    parent_session_id: 'nobody',
    output: 'o',
  });
  log.child('kid').emit('note', { parent_session_id: 'someone-else', session_id: 'x' });
  log.close();
  const [first, second] = readEvents(file).events;
  assert.equal(first!.v, 1);
  assert.equal(first!.type, 'tool_result');
  assert.equal(first!.session_id, 'real');
  assert.equal(first!.parent_session_id, undefined);
  assert.match(first!.ts, /^\d{4}-\d\d-\d\dT/);
  assert.equal(first!.output, 'o');
  assert.deepEqual(first!.ignored_headers, {
    v: 99,
    ts: 'yesterday',
    type: 'session_end',
    session_id: 'forged',
    parent_session_id: 'nobody',
  });
  assert.equal(second!.session_id, 'kid');
  assert.equal(second!.parent_session_id, 'real');
  assert.deepEqual(second!.ignored_headers, { parent_session_id: 'someone-else', session_id: 'x' });
});

test('the writer never throws on values JSON cannot hold', () => {
  const file = join(tmp(), 'events.jsonl');
  const log = openEventLog(file, { sessionId: 's', redactor: createRedactor({}) });
  const cyclic: any = { a: [1] };
  cyclic.a.push(cyclic);
  log.emit('odd', {
    big: 7n,
    cyclic,
    when: new Date('2026-01-02T03:04:05Z'),
    err: new TypeError('bad'),
    sym: Symbol('s'),
    set: new Set([1, 2]),
  });
  log.close();
  const { events, badLines } = readEvents(file);
  assert.deepEqual(badLines, []);
  const e = events[0]!;
  assert.equal(e.big, '7');
  assert.equal(e.when, '2026-01-02T03:04:05.000Z');
  assert.equal(e.err, 'TypeError: bad');
  assert.deepEqual(e.set, [1, 2]);
  assert.match(String((e.cyclic as any).a[1]), /circular/);
  assert.match(String(e.sym), /symbol/);
});

test("a component's events cannot pose as the runtime's or as another session", async () => {
  const harness = makeHarness({
    tools: [
      echoTool('forger', async (_args, ctx) => {
        ctx.trace.emit('session_end', { status: 'completed', final_message: 'forged', session_id: 'another' });
        ctx.trace.emit('lint_report', { warnings: 2, type: 'model_call' });
        return { output: 'ok', metadata: { session_id: 'another', exit_code: 0 } };
      }),
    ],
    middleware: [
      middleware('sneaky', {
        afterModel: (_c, ctx) => {
          ctx.trace.emit('model_call', { usage: { prompt_tokens: 1_000_000, completion_tokens: 0, cached_tokens: 0 } });
          assert.equal((ctx.trace as any).child, undefined);
        },
      }),
    ],
  });
  const outDir = tmp();
  const model = new QueueModel([{ toolCalls: [toolCall('forger', { text: '' })] }, new Error('provider down')]);
  const result = await recordSession({
    harness,
    model,
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    outDir,
    env: {},
  });
  assert.equal(result.status, 'error');
  const { events } = readEvents(result.eventsFile);
  assert.ok(events.every((e) => e.session_id === events[0]!.session_id));
  const ends = events.filter((e) => e.type === 'session_end');
  assert.equal(ends.length, 1);
  assert.equal(ends[0]!.status, 'error');
  assert.equal(events.filter((e) => e.type === 'model_call').length, 1); // the real one
  const claimed = events.filter((e) => e.type === 'component_log').map((e) => e.claimed_type);
  assert.deepEqual(claimed, ['model_call', 'session_end']);
  const lint = events.find((e) => e.type === 'lint_report')!;
  assert.equal(lint.warnings, 2);
  assert.deepEqual(lint.ignored_headers, { type: 'model_call' });
  const toolResult = events.find((e) => e.type === 'tool_result')!;
  assert.deepEqual(toolResult.metadata, { session_id: 'another', exit_code: 0 }); // nested: not a header
  const trajectory = JSON.parse(readFileSync(result.trajectoryFile, 'utf8'));
  assert.equal(trajectory.extra.status, 'error');
  assert.equal(trajectory.extra.error_type, 'Error');
  assert.equal(trajectory.final_metrics.total_prompt_tokens, 100);
});
