import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ModelResponseError, UserError } from '../../src/errors.ts';
import { createModel } from '../../src/model/create-model.ts';
import { ScriptDivergedError } from '../../src/model/errors.ts';
import { recordModel } from '../../src/model/record-model.ts';
import { createReplayModel } from '../../src/model/replay-model.ts';
import { createScriptedModel, scriptedModelFactory } from '../../src/model/scripted-model.ts';
import type { CompletionRequest, Message } from '../../src/model/types.ts';

const THREE = fileURLToPath(new URL('../fixtures/scripts/three-turns.yaml', import.meta.url));
const shell = { name: 'run_shell_command', description: 'd', inputSchema: { type: 'object' } };
const req = (...messages: Message[]): CompletionRequest => ({
  messages: [{ role: 'system', content: 'You are a coding agent.' }, ...messages],
  tools: [shell],
});
const user = (content: string): Message => ({ role: 'user', content });
const tool = (content: string): Message => ({ role: 'tool', toolCallId: 'c', name: 'run_shell_command', content });
const script = (yaml: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-script-')), 's.yaml');
  writeFileSync(file, yaml);
  return file;
};

test('a scripted session replays its turns in order, with repaired arguments and usage', async () => {
  const model = await createModel(`scripted:${THREE}`);
  const a = await model.complete(req(user('please count the files')));
  assert.equal(a.message.content, 'Counting.');
  assert.deepEqual(a.message.toolCalls, [
    {
      id: 'call_0_0',
      name: 'run_shell_command',
      rawArguments: '{"command":"ls | wc -l"}',
      arguments: { command: 'ls | wc -l' },
    },
  ]);
  assert.ok(a.usage.promptTokens > 0);
  const b = await model.complete(req(user('please count the files'), tool('3\n[exit code: 0]')));
  assert.deepEqual(b.message.toolCalls![0]!.arguments, { command: 'ls' });
  assert.equal(b.message.reasoning, 'three files');
  const c = await model.complete(req(user('x')));
  assert.deepEqual(c.usage, { promptTokens: 500, completionTokens: 9, cachedTokens: 0 });
  assert.equal(c.finishReason, 'stop');
  await assert.rejects(
    model.complete(req(user('again'))),
    (e: unknown) =>
      e instanceof ScriptDivergedError && /exhausted after 3 turns/.test(e.message) && /again/.test(e.message),
  );
});

test('divergence fails loudly with the turn, the check and both texts', async () => {
  const model = await createScriptedModel(THREE);
  await model.complete(req(user('count the files')));
  const error = await model.complete(req(user('count the files'), tool('7\n[exit code: 0]'))).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof ScriptDivergedError);
  assert.match(error.message, /diverged at turn 1 \(expect\.last_tool_result_contains/);
  assert.match(error.message, /expected to contain: "3"/);
  assert.match(error.message, /actual: +"7\\n\[exit code: 0\]"/);
  const noTool = await createScriptedModel(THREE);
  await assert.rejects(noTool.complete({ messages: [user('count the files')], tools: [] }), /tools_include/);
});

test('variants are chosen by the first request, e.g. whether a memory lesson is in the context', async () => {
  const file = script(`
variants:
  - when: { system_contains: "run the tests before finishing" }
    turns: [{ reply: { content: "ran the tests" } }]
  - turns: [{ reply: { content: "skipped the tests" } }]
`);
  const factory = scriptedModelFactory(file);
  const withLesson = await factory().complete({
    messages: [{ role: 'system', content: '# Memory\n- Always run the tests before finishing.' }, user('x')],
    tools: [],
  });
  assert.equal(withLesson.message.content, 'ran the tests');
  const without = await factory().complete(req(user('x')));
  assert.equal(without.message.content, 'skipped the tests');
});

test('error turns throw, delays honour the AbortSignal, and bad scripts name the file and field', async () => {
  const model = await createScriptedModel(
    script(
      'turns:\n  - error: { status: 429, message: "rate limited" }\n  - delay_ms: 5000\n    reply: { content: late }\n',
    ),
  );
  await assert.rejects(
    model.complete(req(user('x'))),
    (e: unknown) => e instanceof ModelResponseError && /HTTP 429/.test(e.message),
  );
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('stop')), 50);
  const started = Date.now();
  await assert.rejects(model.complete(req(user('x')), controller.signal), /stop/);
  assert.ok(Date.now() - started < 2000);
  const bad = script('turns:\n  - reply:\n      tool_calls:\n        - arguments: {}\n');
  await assert.rejects(
    createScriptedModel(bad),
    (e: unknown) => e instanceof UserError && e.message.includes(`${bad}: turns[0].reply.tool_calls[0].name:`),
  );
  await assert.rejects(
    createScriptedModel(script('turns: [1, 2')),
    (e: unknown) => e instanceof UserError && e.message.includes('s.yaml'),
  );
  await assert.rejects(createScriptedModel('/no/such/script.yaml'), /no such file/);
});

test('record a session to a cassette, then replay it offline; a changed conversation diverges', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-cassette-'));
  const cassette = join(dir, 'session.jsonl');
  const recorded = recordModel(await createScriptedModel(THREE), cassette);
  const r1 = req(user('count the files'));
  const r2 = req(user('count the files'), tool('3'));
  const originals = [await recorded.complete(r1), await recorded.complete(r2)];
  const text = readFileSync(cassette, 'utf8');
  assert.equal(text.trim().split('\n').length, 2);
  const replay = await createModel(`replay:${cassette}`);
  assert.deepEqual([await replay.complete(r1), await replay.complete(r2)], originals);
  await assert.rejects(replay.complete(r1), /exhausted after 2 completions/);
  const strict = await createReplayModel(cassette);
  const error = await strict.complete(req(user('count the FILES'))).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(error instanceof ScriptDivergedError);
  assert.match(error.message, /diverged at completion 0: message 1/);
});

test('a malformed cassette line is reported with file and line', async () => {
  const cassette = join(mkdtempSync(join(tmpdir(), 'ahe-cassette-')), 'bad.jsonl');
  writeFileSync(
    cassette,
    '{"v":1,"index":0,"request_hash":"x","request":{},"completion":{"message":{"role":"assistant","content":""}}}\n{oops\n',
  );
  await assert.rejects(
    createReplayModel(cassette),
    (e: unknown) => e instanceof UserError && e.message.includes(`${cassette}:2`),
  );
});

test('delayed turns leave no abort listener behind on the signal (no MaxListenersExceededWarning)', async () => {
  const model = await createScriptedModel(
    script(`turns:\n${'  - delay_ms: 1\n    reply: { content: ok }\n'.repeat(12)}`),
  );
  const controller = new AbortController();
  for (let i = 0; i < 12; i++) await model.complete(req(user('x')), controller.signal);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});
