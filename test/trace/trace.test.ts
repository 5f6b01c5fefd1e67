import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { countMessageTokens, countTokens } from '../../src/model/count-tokens.ts';
import { eventsToAtifFiles } from '../../src/trace/atif.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { openEventLog, readEvents } from '../../src/trace/event-log.ts';
import { createRedactor } from '../../src/trace/redact.ts';
import { writeJsonAtomic } from '../../src/trace/write-atomic.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-trace-'));
const noSecrets = createRedactor({});

test('events are appended as versioned lines and survive a crash with a torn last line', () => {
  const file = join(tmp(), 'agent', 'events.jsonl');
  const log = openEventLog(file, { sessionId: 's1', redactor: noSecrets });
  log.emit('session_start', { instruction: 'x' });
  log.emit('user_message', { content: 'x' });
  // no close(): the process "crashed"; then a half-written line
  appendFileSync(file, '{"v":1,"ts":"2026-01-01T00:00:00Z","ty');
  const { events, badLines } = readEvents(file);
  assert.deepEqual(
    events.map((e) => e.type),
    ['session_start', 'user_message'],
  );
  assert.deepEqual(badLines, [3]);
  assert.equal(events[0]!.v, 1);
  assert.equal(events[0]!.session_id, 's1');
  assert.match(events[0]!.ts, /^\d{4}-\d\d-\d\dT/);
});

test('a child log writes to the same file with its own session id and the parent id', () => {
  const file = join(tmp(), 'events.jsonl');
  const log = openEventLog(file, { sessionId: 'parent', redactor: noSecrets });
  log.child('kid').emit('session_start', {});
  log.close();
  const [e] = readEvents(file).events;
  assert.equal(e!.session_id, 'kid');
  assert.equal(e!.parent_session_id, 'parent');
  assert.throws(() => log.emit('late'), /closed/);
});

test('secrets from env vars and well-known key shapes never reach the file', () => {
  const file = join(tmp(), 'events.jsonl');
  const redactor = createRedactor({
    MY_DB_PASSWORD: 'hunter2-but-longer',
    GITHUB_TOKEN: 'tok_abcdefgh12345',
    HOME: '/root/home-dir-long',
  });
  const log = openEventLog(file, { sessionId: 's', redactor });
  log.emit('tool_result', {
    output: 'pw=hunter2-but-longer token tok_abcdefgh12345',
    nested: { deep: ['sk-proj-ABCDEFGHIJKLMNOPQRSTUV', 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz'] },
    home: '/root/home-dir-long',
  });
  log.close();
  const text = readFileSync(file, 'utf8');
  for (const secret of [
    'hunter2-but-longer',
    'tok_abcdefgh12345',
    'sk-proj-ABCDEFGHIJKLMNOPQRSTUV',
    'abcdefghijklmnopqrstuvwxyz',
  ])
    assert.ok(!text.includes(secret), secret);
  assert.match(text, /\[REDACTED:MY_DB_PASSWORD\]/);
  assert.match(text, /\[REDACTED:GITHUB_TOKEN\]/);
  assert.match(text, /\/root\/home-dir-long/); // not a secret name: kept
});

function sampleEvents() {
  const file = join(tmp(), 'events.jsonl');
  const log = openEventLog(file, { sessionId: 'root', redactor: noSecrets });
  log.emit('session_start', {
    agent: { name: 'ahe', version: '0.1.0' },
    model: 'scripted:x',
    model_name: 'x',
    system_prompt: 'SYS',
    tools: [{ name: 'run_shell_command', description: 'd', inputSchema: { type: 'object' } }],
  });
  log.emit('user_message', { content: 'TASK' });
  log.emit('model_call', {
    step: 1,
    message: {
      content: 'go',
      tool_calls: [
        { id: 'c1', name: 'run_shell_command', arguments: { command: 'ls' } },
        { id: 'c2', name: 'agent', arguments: { subagent: 'explorer', task: 't' } },
      ],
    },
    usage: { prompt_tokens: 10, completion_tokens: 5, cached_tokens: 2 },
    cost_usd: 0.01,
    finish_reason: 'tool_calls',
    model: 'x',
  });
  log.emit('tool_result', { step: 1, call_id: 'c1', name: 'run_shell_command', output: 'a b', is_error: false });
  log.emit('subagent_start', { step: 1, call_id: 'c2', subagent: 'explorer', child_session_id: 'kid' });
  const kid = log.child('kid');
  kid.emit('session_start', { agent: { name: 'ahe', version: '0.1.0' }, system_prompt: 'EXPLORE', tools: [] });
  kid.emit('user_message', { content: 't' });
  kid.emit('model_call', {
    step: 1,
    message: { content: 'found' },
    usage: { prompt_tokens: 3, completion_tokens: 1, cached_tokens: 0 },
    cost_usd: 0,
  });
  kid.emit('session_end', {
    status: 'completed',
    final_message: 'found',
    usage: { prompt_tokens: 3, completion_tokens: 1, cached_tokens: 0 },
    cost_usd: 0,
  });
  log.emit('subagent_end', { step: 1, call_id: 'c2', child_session_id: 'kid', status: 'completed' });
  log.emit('tool_result', { step: 1, call_id: 'c2', name: 'agent', output: 'found', is_error: false });
  log.emit('compaction', { step: 2, tokens_before: 100, tokens_after: 40, messages_removed: 3 });
  log.emit('model_call', {
    step: 2,
    message: { content: 'done' },
    usage: { prompt_tokens: 20, completion_tokens: 3, cached_tokens: 0 },
    cost_usd: 0.02,
    finish_reason: 'stop',
  });
  return { log, file };
}

test('events convert to ATIF that validates, with sub-agent refs and final metrics', () => {
  const { log, file } = sampleEvents();
  log.emit('session_end', {
    status: 'completed',
    final_message: 'done',
    usage: { prompt_tokens: 33, completion_tokens: 9, cached_tokens: 2 },
    cost_usd: 0.03,
  });
  log.close();
  const files = eventsToAtifFiles(readEvents(file).events);
  assert.deepEqual(Object.keys(files).sort(), ['trajectory.json', 'trajectory.subagent-kid.json']);
  const root = files['trajectory.json']!;
  assert.deepEqual(validateAtif(root), []);
  assert.deepEqual(validateAtif(files['trajectory.subagent-kid.json']), []);
  assert.deepEqual(
    root.steps.map((s) => s.source),
    ['system', 'user', 'agent', 'agent'],
  );
  const first = root.steps[2]!;
  assert.deepEqual(first.tool_calls![0], {
    tool_call_id: 'c1',
    function_name: 'run_shell_command',
    arguments: { command: 'ls' },
  });
  assert.equal(first.observation!.results[0]!.content, 'a b');
  assert.deepEqual(first.observation!.results[1]!.subagent_trajectory_ref, [
    { session_id: 'kid', trajectory_path: 'trajectory.subagent-kid.json' },
  ]);
  assert.deepEqual(root.steps[3]!.extra!.compaction, [
    { step: 2, tokens_before: 100, tokens_after: 40, messages_removed: 3 },
  ]);
  // ATIF's totals are this trajectory's own steps (10 + 20 prompt tokens); the sub-agent's 3 are in its
  // own file, so the two add up to what was spent. The whole session's usage is kept beside them.
  assert.equal(root.final_metrics!.total_prompt_tokens, 30);
  assert.equal(
    root.final_metrics!.total_cost_usd,
    root.steps.reduce((n, s) => n + (s.metrics?.cost_usd ?? 0), 0),
  );
  assert.equal(files['trajectory.subagent-kid.json']!.final_metrics!.total_prompt_tokens, 3);
  assert.deepEqual(root.final_metrics!.extra, {
    session_usage: { prompt_tokens: 33, completion_tokens: 9, cached_tokens: 2, cost_usd: 0.03 },
  });
  assert.equal(root.agent.tool_definitions![0]!.type, 'function');
});

test('a crashed session (no session_end) still converts; invalid trajectories are reported with paths', () => {
  const { log, file } = sampleEvents();
  log.close();
  const root = eventsToAtifFiles(readEvents(file).events)['trajectory.json']!;
  assert.deepEqual(validateAtif(root), []);
  assert.equal(root.extra!.status, 'incomplete');
  assert.equal(root.final_metrics!.total_prompt_tokens, 30);
  const { session_id: _drop, ...noId } = root;
  assert.ok(validateAtif(noId).some((p) => p.startsWith('session_id')));
  const badSource = { ...root, steps: [{ ...root.steps[0]!, source: 'robot' }] };
  assert.ok(validateAtif(badSource).some((p) => p.startsWith('steps.0.source')));
  const gap = { ...root, steps: [{ ...root.steps[0]!, step_id: 2 }] };
  assert.ok(validateAtif(gap).some((p) => /sequential/.test(p)));
});

test('token counting is sane and cached per message', () => {
  assert.equal(countTokens(''), 0);
  assert.ok(countTokens('hello world') >= 2 && countTokens('hello world') <= 3);
  const m = { role: 'user' as const, content: 'word '.repeat(1000) };
  const n = countMessageTokens([m]);
  assert.ok(n > 900 && n < 1200, String(n));
  assert.equal(countMessageTokens([m, m]), 2 * n);
});

test('atomic writes leave the complete file and no temp files', () => {
  const dir = tmp();
  writeJsonAtomic(join(dir, 'sub', 'result.json'), { a: 1 });
  writeJsonAtomic(join(dir, 'sub', 'result.json'), { a: 2 });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'sub', 'result.json'), 'utf8')), { a: 2 });
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['result.json']);
});
