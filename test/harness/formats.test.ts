// The file formats: YAML syntax and fields, tool schemas, skills, sub-agents, component lists.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { EXAMPLE, rejection, SEED, variant } from './harness-variants.ts';

const SHELL_YAML = (schema: string) => `name: run_shell_command\ndescription: Run a command.\ninput_schema:\n${schema}`;

test('a YAML syntax error in harness.yaml is reported as file:line:col', async () => {
  const message = await rejection(variant(SEED, { 'harness.yaml': 'name: seed\nlimits:\n  max_steps: [1, 2\n' }));
  assert.match(message, /^ {2}harness\.yaml:\d+:\d+: /m);
  const tabs = await rejection(variant(SEED, { 'harness.yaml': 'name: seed\nlimits:\n\tmax_steps: 3\n' }));
  assert.match(tabs, /harness\.yaml:3:\d+: /);
});

test('unknown and mistyped fields in harness.yaml name the field and its line', async () => {
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'name: seed\nlimits:\n  max_stepz: 5\n' })),
    /harness\.yaml:3:3: limits\.max_stepz: unknown field 'max_stepz'/,
  );
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'name: seed\ntemperature: 0.2\n' })),
    /harness\.yaml:2:1: temperature: unknown field/,
  );
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'name: seed\nlimits:\n  max_steps: lots\n' })),
    /harness\.yaml:3:14: limits\.max_steps: .*number/,
  );
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'description: no name\n' })),
    /harness\.yaml:1:1: name: is required/,
  );
  assert.match(
    await rejection(
      variant(SEED, {
        'harness.yaml': 'name: s\ntruncation:\n  max_output_bytes: 100\n  head_bytes: 80\n  tail_bytes: 80\n',
      }),
    ),
    /truncation: head_bytes \+ tail_bytes must not exceed max_output_bytes/,
  );
});

test('a component list naming a missing file, or a name twice, is an error', async () => {
  const ghost = await rejection(variant(SEED, { 'harness.yaml': 'name: s\ncomponents:\n  middleware: [ghost]\n' }));
  assert.match(
    ghost,
    /harness\.yaml:3:\d+: components\.middleware\.0: lists 'ghost' but there is no middleware\/ghost\.ts/,
  );
  const twice = await rejection(
    variant(EXAMPLE, { 'harness.yaml': 'name: e\ncomponents:\n  middleware: [loop-guard, loop-guard]\n' }),
  );
  assert.match(twice, /components\.middleware\.1: lists 'loop-guard' twice/);
  assert.match(
    await rejection(variant(SEED, { 'harness.yaml': 'name: s\ncomponents:\n  tools: some\n' })),
    /components\.tools: must be 'all' or a list of names/,
  );
});

test('a tool input_schema that is not JSON Schema names the yaml file, the input_schema path and the line', async () => {
  const objekt = await rejection(variant(SEED, { 'tools/run_shell_command.yaml': SHELL_YAML('  type: objekt\n') }));
  assert.match(objekt, /tools\/run_shell_command\.yaml:4:9: input_schema\.type: must be "object"/);
  const strng = await rejection(
    variant(SEED, {
      'tools/run_shell_command.yaml': SHELL_YAML('  type: object\n  properties:\n    command: { type: strng }\n'),
    }),
  );
  assert.match(
    strng,
    /tools\/run_shell_command\.yaml:6:\d+: input_schema\.properties\.command\.type: is not valid JSON Schema: must be equal to one of the allowed values/,
  );
  // ajv strict mode: a keyword JSON Schema does not have is a mistake, not decoration.
  const keyword = await rejection(
    variant(SEED, {
      'tools/run_shell_command.yaml': SHELL_YAML(
        '  type: object\n  properties:\n    command: { type: string, optinal: true }\n',
      ),
    }),
  );
  assert.match(
    keyword,
    /tools\/run_shell_command\.yaml:\d+:\d+: input_schema: is not valid JSON Schema: strict mode: unknown keyword: "optinal"/,
  );
  const unknown = await rejection(
    variant(SEED, { 'tools/run_shell_command.yaml': `${SHELL_YAML('  type: object\n')}timeout: 5\n` }),
  );
  assert.match(unknown, /tools\/run_shell_command\.yaml:5:1: timeout: unknown field/);
});

test('a tool yaml without its implementation, or the reverse, is an error', async () => {
  assert.match(
    await rejection(variant(SEED, { 'tools/run_shell_command.ts': null })),
    /tools\/run_shell_command\.yaml: has no implementation tools\/run_shell_command\.ts/,
  );
  assert.match(
    await rejection(variant(SEED, { 'tools/run_shell_command.yaml': null })),
    /tools\/run_shell_command\.ts: has no description file tools\/run_shell_command\.yaml/,
  );
  assert.match(
    await rejection(
      variant(SEED, {
        'tools/run_shell_command.yaml': SHELL_YAML('  type: object\n').replace(
          'name: run_shell_command',
          'name: shell',
        ),
      }),
    ),
    /tools\/run_shell_command\.yaml:1:7: name: 'shell' must equal the file name 'run_shell_command'/,
  );
});

test('the built-in tool names load_skill and agent are reserved', async () => {
  for (const name of ['agent', 'load_skill']) {
    const dir = variant(SEED, {
      [`tools/${name}.yaml`]: `name: ${name}\ndescription: d\ninput_schema: { type: object }\n`,
      [`tools/${name}.ts`]: 'export default async () => "x";\n',
    });
    assert.match(await rejection(dir), new RegExp(`tools/${name}\\.yaml:1:7: name: '${name}' is a built-in tool name`));
  }
});

test('a skill needs frontmatter whose name equals its folder, and a body', async () => {
  const skill = 'skills/debugging-failing-tests/SKILL.md';
  assert.match(
    await rejection(variant(EXAMPLE, { [skill]: '---\nname: other\ndescription: d\n---\nbody\n' })),
    /SKILL\.md:2:7: name: 'other' must equal the folder name 'debugging-failing-tests'/,
  );
  assert.match(
    await rejection(variant(EXAMPLE, { [skill]: '# no frontmatter\n' })),
    /SKILL\.md:1: must start with YAML frontmatter/,
  );
  assert.match(
    await rejection(variant(EXAMPLE, { [skill]: '---\nname: debugging-failing-tests\n---\nbody\n' })),
    /SKILL\.md:2:1: description: is required/,
  );
  assert.match(
    await rejection(
      variant(EXAMPLE, { [skill]: '---\nname: debugging-failing-tests\ndescription: [oops\n---\nbody\n' }),
    ),
    /SKILL\.md:3:\d+: /,
  );
  assert.match(
    await rejection(variant(EXAMPLE, { [skill]: '---\nname: debugging-failing-tests\ndescription: d\n---\n' })),
    /SKILL\.md: has no body/,
  );
  assert.match(
    await rejection(variant(EXAMPLE, { [skill]: null })),
    /skills\/debugging-failing-tests\/SKILL\.md: is missing/,
  );
});

test('a sub-agent may only use tools of the harness; its fields are checked', async () => {
  const sub = (tools: string) => `name: explorer\ndescription: d\nprompt: p\ntools: ${tools}\n`;
  assert.match(
    await rejection(variant(EXAMPLE, { 'subagents/explorer.yaml': sub('[run_shell_command, browse]') })),
    /subagents\/explorer\.yaml:4:\d+: tools\.1: unknown tool 'browse' \(harness tools: run_shell_command, write_file\)/,
  );
  assert.match(
    await rejection(variant(EXAMPLE, { 'subagents/explorer.yaml': `${sub('[]')}max_step: 3\n` })),
    /subagents\/explorer\.yaml:5:1: max_step: unknown field/,
  );
  const h = await loadHarness(variant(EXAMPLE, { 'subagents/explorer.yaml': sub('[write_file]') }));
  assert.equal(h.subagents[0]!.maxSteps, 20, 'max_steps defaults to 20');
});
