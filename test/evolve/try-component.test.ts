// try_component and render_context: a component of the working tree exercised in the component sandbox
// with a fake ctx.sandbox; a broken middleware's error comes back as text and the session goes on.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { guideExamples } from '../../src/evolve/component-guide.ts';
import { renderContext, tryComponent } from '../../src/evolve/try-component.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function harness(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-try-'));
  cpSync(join(ROOT, 'harnesses', 'seed'), dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

test('a tool is called with sample args; its sandbox calls are recorded and answered from the script', async () => {
  const dir = harness(guideExamples().tools);
  const r = await tryComponent(dir, {
    kind: 'tool',
    name: 'count_lines',
    args: { path: '/app/data.csv' },
    exec: [{ match: 'wc -l', stdout: '42\n' }],
  });
  assert.equal(r.ok, true, r.text);
  assert.match(r.text, /result:\n42 lines/);
  assert.match(r.text, /sandbox\.exec\("wc -l < '\/app\/data\.csv'"\) → exit 0/);
  const failing = await tryComponent(dir, {
    kind: 'tool',
    name: 'count_lines',
    args: { path: 'missing' },
    exec: [{ stderr: 'No such file', exit_code: 1 }],
  });
  assert.match(failing.text, /result \(isError\):\nNo such file/);
  // Arguments the runtime would refuse are refused here too, before the code runs.
  const invalid = await tryComponent(dir, { kind: 'tool', name: 'count_lines', args: { file: 'x' } });
  assert.equal(invalid.ok, false);
  assert.match(
    invalid.text,
    /not called — invalid arguments for tool 'count_lines': .*must have required property 'path'/,
  );
  assert.doesNotMatch(invalid.text, /sandbox\.exec/);
});

test('a broken middleware: the throw, a hang and a load error come back as text, and the process goes on', async () => {
  const dir = harness({
    'middleware/broken.ts': `export default {
  beforeTool(call) { return { ...call, args: { ...call.args, n: (call.args as any).missing.length } }; },
  afterModel() { return new Promise(() => {}); },
};
`,
    'middleware/loops.ts': 'export default { beforeAgent() { for (;;) {} } };\n',
    'middleware/bad-load.ts': 'const x: any = undefined;\nx.boom();\nexport default {};\n',
    'middleware/hint.ts': guideExamples().middleware['middleware/error-streak-hint.ts']!,
  });
  const broken = await tryComponent(dir, { kind: 'middleware', name: 'broken' });
  assert.equal(broken.ok, false);
  assert.match(broken.text, /beforeTool threw: TypeError: Cannot read properties of undefined \(reading 'length'\)/);
  assert.match(broken.text, /tool call would become a tool error/);
  assert.match(broken.text, /afterModel threw: .*did not finish within 5s/);
  const loops = await tryComponent(dir, { kind: 'middleware', name: 'loops' });
  assert.match(loops.text, /beforeAgent threw: .*timed out/i);
  const badLoad = await tryComponent(dir, { kind: 'middleware', name: 'bad-load' });
  assert.match(badLoad.text, /middleware\/bad-load\.ts:2:\d+: failed while loading/);
  const missing = await tryComponent(dir, { kind: 'middleware', name: 'nope' });
  assert.equal(missing.ok, false);
  // The run goes on: a working middleware is tried right after, with state kept across repeats.
  const hint = await tryComponent(dir, {
    kind: 'middleware',
    name: 'hint',
    tool_result: { output: 'bash: foo: command not found', is_error: true },
    repeat: 3,
  });
  assert.equal(hint.ok, true, hint.text);
  assert.match(hint.text, /\[1\] afterTool → nothing/);
  assert.match(hint.text, /\[3\] afterTool → .*3 tool errors so far/s);
  assert.match(hint.text, /state\.store after: \{\n\s+"toolErrors": 3/);
});

test('render_context shows the system prompt with skills and memory, the tools, and the token count', async () => {
  const ex = guideExamples();
  const dir = harness({ ...ex.skills, ...ex.memory, ...ex.tools, ...ex.subagents });
  const r = await renderContext(dir);
  assert.equal(r.ok, true, r.text);
  assert.match(r.text, /^context at the start of a session: \d+ tokens \(system prompt \d+, 4 tool definitions \d+\)/);
  assert.match(r.text, /# Skills\n.*verify-before-finishing/s);
  assert.match(r.text, /# Memory\n.*read the output/s);
  for (const name of ['run_shell_command', 'count_lines', 'load_skill', 'agent'])
    assert.match(r.text, new RegExp(`"name": "${name}"`));
  writeFileSync(join(dir, 'system_prompt.md'), '');
  const broken = await renderContext(dir);
  assert.equal(broken.ok, false);
  assert.match(broken.text, /system_prompt\.md: is empty/);
});
