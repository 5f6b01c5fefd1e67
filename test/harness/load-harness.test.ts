import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadHarness, loadHarnessReport } from '../../src/harness/load-harness.ts';
import type { ToolContext } from '../../src/harness/types.ts';
import type { ExecOptions, ExecResult, Sandbox } from '../../src/sandbox/types.ts';
import { EXAMPLE, FIXTURES, rejection, SEED, variant } from './harness-variants.ts';

function fakeSandbox(result: Partial<ExecResult>, calls: { command: string; options?: ExecOptions }[] = []): Sandbox {
  return {
    kind: 'fake',
    workdir: '/app',
    exec: async (command, options) => {
      calls.push({ command, options });
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 5, droppedBytes: 0, ...result };
    },
    readFile: async () => '',
    writeFile: async () => {},
    upload: async () => {},
    download: async () => {},
    close: async () => {},
  };
}

function toolContext(sandbox: Sandbox, commandTimeoutSec = 600): ToolContext {
  return {
    sandbox,
    trace: { emit() {} },
    signal: new AbortController().signal,
    callId: 'c1',
    limits: { maxSteps: 100, maxWallSec: 3600, maxTotalTokens: 0, commandTimeoutSec },
  };
}

test('the seed loads: one tool, nothing else, settings mapped to camelCase with defaults', async () => {
  const h = await loadHarness(SEED);
  assert.equal(h.name, 'seed');
  assert.equal(h.dir, SEED);
  assert.deepEqual(
    h.tools.map((t) => t.definition.name),
    ['run_shell_command'],
  );
  assert.deepEqual(h.tools[0]!.source, { yaml: 'tools/run_shell_command.yaml', code: 'tools/run_shell_command.ts' });
  assert.deepEqual(h.tools[0]!.definition.inputSchema.required, ['command']);
  assert.equal(h.middleware.length + h.skills.length + h.subagents.length + h.memory.length, 0);
  assert.deepEqual(h.limits, { maxSteps: 100, maxWallSec: 3600, maxTotalTokens: 0, commandTimeoutSec: 600 });
  assert.deepEqual(h.truncation, { maxOutputBytes: 30000, headBytes: 12000, tailBytes: 12000 });
  assert.equal(h.model.contextBudgetTokens, 128000);
  assert.match(h.systemPrompt, /run_shell_command/);
  assert.match(h.contentHash, /^[0-9a-f]{64}$/);
});

test('defaults apply when harness.yaml gives only a name', async () => {
  const h = await loadHarness(variant(SEED, { 'harness.yaml': 'name: tiny\n' }));
  assert.deepEqual(h.limits, { maxSteps: 100, maxWallSec: 3600, maxTotalTokens: 0, commandTimeoutSec: 600 });
  assert.deepEqual(h.model, { temperature: undefined, maxOutputTokens: undefined, contextBudgetTokens: 128000 });
  assert.equal(h.description, '');
});

test('the example uses every component type, middleware in the order harness.yaml lists', async () => {
  const h = await loadHarness(EXAMPLE);
  assert.deepEqual(
    h.tools.map((t) => t.definition.name),
    ['run_shell_command', 'write_file'],
  );
  assert.deepEqual(
    h.middleware.map((m) => [m.name, m.file]),
    [
      ['loop-guard', 'middleware/loop-guard.ts'],
      ['compact-old-outputs', 'middleware/compact-old-outputs.ts'],
    ],
  );
  assert.deepEqual(
    h.skills.map((s) => s.name),
    ['debugging-failing-tests'],
  );
  assert.match(h.skills[0]!.body, /^# Debugging failing tests/);
  assert.deepEqual(
    h.subagents.map((s) => [s.name, s.tools, s.maxSteps]),
    [['explorer', ['run_shell_command'], 15]],
  );
  assert.deepEqual(
    h.memory.map((m) => m.file),
    ['memory/lessons.md'],
  );
  assert.equal(h.model.temperature, 0);
  assert.equal(h.limits.commandTimeoutSec, 300);
});

test('with components "all", middleware runs in alphabetical order; a list reorders it', async () => {
  const all = await loadHarness(variant(EXAMPLE, { 'harness.yaml': 'name: e\n' }));
  assert.deepEqual(
    all.middleware.map((m) => m.name),
    ['compact-old-outputs', 'loop-guard'],
  );
  const one = await loadHarness(
    variant(EXAMPLE, { 'harness.yaml': 'name: e\ncomponents:\n  middleware: [loop-guard]\n  memory: []\n' }),
  );
  assert.deepEqual(
    one.middleware.map((m) => m.name),
    ['loop-guard'],
  );
  assert.deepEqual(one.memory, []);
});

test('the content hash changes with any component file, and not with the directory it lives in', async () => {
  const a = await loadHarness(variant(EXAMPLE));
  const b = await loadHarness(variant(EXAMPLE));
  assert.equal(a.contentHash, b.contentHash);
  const edited = variant(EXAMPLE, { 'memory/lessons.md': '- one more lesson\n' });
  assert.notEqual((await loadHarness(edited)).contentHash, a.contentHash);
});

test('the seed tool runs through ctx.sandbox and shows stdout, labelled stderr and the exit code', async () => {
  const h = await loadHarness(SEED);
  const calls: { command: string; options?: ExecOptions }[] = [];
  const ctx = toolContext(fakeSandbox({ exitCode: 2, stdout: 'out\n', stderr: 'bad\n' }, calls), 30);
  const result = await h.tools[0]!.run({ command: 'make' }, ctx);
  assert.deepEqual(JSON.parse(JSON.stringify(result)), {
    output: 'out\n[stderr]\nbad\n[exit code: 2]',
    isError: true,
    metadata: { exit_code: 2, duration_ms: 5, timed_out: false },
  });
  assert.equal(calls[0]!.command, 'make');
  assert.equal(calls[0]!.options?.timeoutSec, 30, 'the default timeout comes from ctx.limits');
  assert.equal(calls[0]!.options?.signal, ctx.signal);

  const quiet = (await h.tools[0]!.run({ command: 'true', timeout_sec: 5 }, toolContext(fakeSandbox({}, calls)))) as {
    output: string;
    isError: boolean;
  };
  assert.equal(quiet.output, '[exit code: 0]', 'no empty [stderr] label');
  assert.equal(quiet.isError, false);
  assert.equal(calls[1]!.options?.timeoutSec, 5);

  const slow = (await h.tools[0]!.run(
    { command: 'sleep 99', timeout_sec: 30 },
    toolContext(fakeSandbox({ exitCode: null, timedOut: true, stdout: 'partial\n' })),
  )) as { output: string; isError: boolean };
  assert.equal(slow.output, 'partial\n[timed out after 30 s; the command was killed]');
  assert.equal(slow.isError, true);
});

test('every broken file is reported, not only the first', async () => {
  const message = await rejection(join(FIXTURES, 'broken-everywhere'));
  for (const expected of [
    /harness\.yaml:4:3: limits\.max_stepz: unknown field 'max_stepz'/,
    /system_prompt\.md: is empty/,
    /tools\/grep_files\.yaml:6:\d+: input_schema\.properties\.pattern\.type: is not valid JSON Schema/,
    /tools\/grep_files\.ts:2:\d+: uses 'process'/,
    /tools\/orphan\.ts: has no description file tools\/orphan\.yaml/,
    /middleware\/broken\.ts:3:\d+: /,
    /middleware\/typo\.ts: unknown hook 'afterToll' — did you mean 'afterTool'\?/,
    /skills\/misnamed\/SKILL\.md:2:\d+: name: 'mis-named' must equal the folder name 'misnamed'/,
    /subagents\/helper\.yaml:4:\d+: tools\.1: unknown tool 'browse'/,
  ]) {
    assert.match(message, expected);
  }
  // The message is one `file:line:col: message` line per problem, after a header naming the directory.
  const lines = message.split('\n');
  assert.match(lines[0]!, /^invalid harness .*broken-everywhere:$/);
  assert.equal(lines.length, 10);
});

test('an empty memory file is skipped with a warning; unused middleware fields are warnings too', async () => {
  const dir = variant(EXAMPLE, {
    'memory/empty.md': '\n  \n',
    'middleware/extra.ts': 'export default { maxRepeats: 3, afterTool() {} };\n',
    'harness.yaml': 'name: e\n',
  });
  const report = await loadHarnessReport(dir);
  assert.ok(report.harness);
  assert.deepEqual(
    report.harness.memory.map((m) => m.name),
    ['lessons'],
  );
  assert.deepEqual(report.warnings.map((w) => `${w.file}: ${w.message}`).sort(), [
    'memory/empty.md: is empty and was skipped',
    "middleware/extra.ts: 'maxRepeats' is not a hook; the runtime ignores it",
  ]);
});

test('a missing directory, harness.yaml or system prompt is named', async () => {
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': null })),
    /harness\.yaml: is missing .*ahe harness init/,
  );
  assert.match(await rejection(variant(SEED, { 'system_prompt.md': null })), /system_prompt\.md: is missing/);
  assert.match(await rejection(join(SEED, 'nope')), /nope: is not a directory/);
});

test('a directory where a harness file belongs is named, not an internal error', async () => {
  const asDirectory = (rel: string) => {
    const dir = variant(EXAMPLE, { [rel]: null });
    mkdirSync(join(dir, rel));
    return dir;
  };
  assert.match(await rejection(asDirectory('system_prompt.md')), /system_prompt\.md: is a directory, not a file/);
  assert.match(await rejection(asDirectory('harness.yaml')), /harness\.yaml: is a directory, not a file/);
});

test('loading the same directory twice gives two independent harnesses (fresh module state)', async () => {
  const dir = variant(SEED, {
    'tools/run_shell_command.ts':
      'let calls = 0;\nexport default async (args: { command: string }) => `${args.command} ${++calls}`;\n',
  });
  const a = await loadHarness(dir);
  const b = await loadHarness(dir);
  const ctx = toolContext(fakeSandbox({}));
  assert.equal(await a.tools[0]!.run({ command: 'x' }, ctx), 'x 1');
  assert.equal(await a.tools[0]!.run({ command: 'x' }, ctx), 'x 2');
  assert.equal(await b.tools[0]!.run({ command: 'x' }, ctx), 'x 1');
});
