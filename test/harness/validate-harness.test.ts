// `validateHarness`: loading plus the check that tool implementations read what their schemas declare.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDiagnostic } from '../../src/harness/harness-error.ts';
import { validateHarness } from '../../src/harness/validate-harness.ts';
import { EXAMPLE, FIXTURES, SEED, scratchPath, validationErrors, variant } from './harness-variants.ts';

const TOOL = 'tools/run_shell_command.ts';

test('the seed and the example validate cleanly, with counts of what they hold', async () => {
  const seed = await validateHarness(SEED);
  assert.deepEqual([seed.ok, seed.diagnostics, seed.warnings], [true, [], []]);
  assert.deepEqual(
    { ...seed.stats, ms: 0 },
    { files: 4, tools: 1, middleware: 0, skills: 0, subagents: 0, memory: 0, ms: 0 },
  );
  const example = await validateHarness(EXAMPLE);
  assert.deepEqual([example.ok, example.diagnostics, example.warnings], [true, [], []]);
  assert.deepEqual(
    { ...example.stats, ms: 0 },
    { files: 11, tools: 2, middleware: 2, skills: 1, subagents: 1, memory: 1, ms: 0 },
  );
  assert.equal(example.harness?.name, 'example');
});

test('a tool reading an argument its schema lacks is an error; a required one never read is a warning', async () => {
  const report = await validateHarness(
    variant(SEED, {
      [TOOL]:
        'export default async (args, ctx) => {\n  const r = await ctx.sandbox.exec(args.cmd);\n  return r.stdout;\n};\n',
    }),
  );
  assert.equal(report.ok, false);
  assert.deepEqual(report.diagnostics.map(formatDiagnostic), [
    `${TOOL}: reads args.cmd but tools/run_shell_command.yaml input_schema has no property 'cmd'`,
  ]);
  assert.deepEqual(report.warnings.map(formatDiagnostic), [
    `tools/run_shell_command.yaml: input_schema.required: 'command' is required but ${TOOL} never reads it`,
  ]);
  assert.equal(report.harness, undefined);
});

test('argument reads are found in every usual form', async () => {
  const forms: Record<string, string> = {
    'parameter destructuring':
      'export default async ({ command, shell = "bash" }: { command: string; shell?: string }) => command + shell;\n',
    'destructuring in the body':
      'export default async (args) => {\n  const { command, shell } = args;\n  return command + shell;\n};\n',
    'bracket access': "export default async (input) => input['shell'] + input.command;\n",
    'a named function exported later':
      'async function run(a, ctx) {\n  return a?.shell + a.command;\n}\nexport default run;\n',
    // Only the probe can see this one: the name is computed.
    'computed name':
      "export default async (args) => { const key = ['sh', 'ell'].join(''); return args[key] + args.command; };\n",
  };
  for (const [form, code] of Object.entries(forms)) {
    const errors = await validationErrors(variant(SEED, { [TOOL]: code }));
    assert.match(
      errors,
      /reads args\.shell but tools\/run_shell_command\.yaml input_schema has no property 'shell'/,
      form,
    );
  }
});

test('the probe survives a tool that throws, hangs or loops, and never reaches the host', async () => {
  const marker = scratchPath('probe-marker');
  const tools = [
    "export default async (args) => { if (args.command) throw new Error('boom'); return args.extra; };\n",
    'export default async (args) => { const x = args.extra; await new Promise(() => {}); return x; };\n',
    'export default async (args) => { const x = args.extra; while (true) {} return x; };\n',
    `export default async (args, ctx) => { await ctx.sandbox.writeFile(${JSON.stringify(marker)}, 'x'); await ctx.sandbox.exec('touch ${marker}'); return args.extra; };\n`,
  ];
  for (const code of tools) {
    const report = await validateHarness(variant(SEED, { [TOOL]: code }));
    assert.ok(
      report.diagnostics.some((d) => /reads args\.extra/.test(d.message)),
      code,
    );
  }
  assert.equal(existsSync(marker), false, 'the fake sandbox only records');
});

test('validation reports every problem, also in tools of a harness that fails to load elsewhere', async () => {
  const dir = variant(SEED, {
    [TOOL]: 'export default async (args) => args.cmd + args.command;\n',
    'system_prompt.md': '',
  });
  const errors = await validationErrors(dir);
  assert.match(errors, /system_prompt\.md: is empty/);
  assert.match(errors, /reads args\.cmd/);
  const everywhere = await validateHarness(join(FIXTURES, 'broken-everywhere'));
  assert.equal(everywhere.diagnostics.length, 9);
  assert.equal(everywhere.stats.files, 9);
});
