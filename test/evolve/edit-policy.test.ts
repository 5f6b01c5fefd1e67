// The edit policy: which paths the evolve agent may touch, harness.yaml only in components, the seed
// system prompt kept word for word. Refusals must say what is allowed.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  checkEditablePath,
  checkFileEdit,
  checkHarnessYamlEdit,
  checkSystemPromptEdit,
  type PathCheck,
  type PolicyCheck,
} from '../../src/evolve/edit-policy.ts';

const HARNESSES = fileURLToPath(new URL('../../harnesses', import.meta.url));
const SEED_PROMPT = readFileSync(join(HARNESSES, 'seed/system_prompt.md'), 'utf8');
const EXAMPLE_YAML = readFileSync(join(HARNESSES, 'example/harness.yaml'), 'utf8');

const reason = (check: PathCheck | PolicyCheck): string => {
  assert.equal(check.ok, false, 'expected a refusal');
  return (check as { reason: string }).reason;
};

test('component files are editable, each with its kind and normalised path', () => {
  const cases: [string, string, string][] = [
    ['system_prompt.md', 'system_prompt.md', 'system_prompt'],
    ['harness.yaml', 'harness.yaml', 'harness_components'],
    ['tools/write_file.yaml', 'tools/write_file.yaml', 'tool_description'],
    ['tools/write_file.ts', 'tools/write_file.ts', 'tool_implementation'],
    ['middleware/loop-guard.ts', 'middleware/loop-guard.ts', 'middleware'],
    ['skills/debugging-failing-tests/SKILL.md', 'skills/debugging-failing-tests/SKILL.md', 'skill'],
    [
      'skills/debugging-failing-tests/examples/pytest.txt',
      'skills/debugging-failing-tests/examples/pytest.txt',
      'skill',
    ],
    ['subagents/explorer.yaml', 'subagents/explorer.yaml', 'subagent'],
    ['./memory//lessons.md', 'memory/lessons.md', 'memory'],
  ];
  for (const [input, path, kind] of cases) assert.deepEqual(checkEditablePath(input), { ok: true, path, kind }, input);
});

test('paths outside the components are refused with the reason and the list of what is editable', () => {
  const cases: [string, RegExp][] = [
    ['../tasks/x', /\.\.\/tasks\/x uses '\.\.': paths may not leave the harness directory/],
    ['memory/../../tasks/x/instruction.md', /uses '\.\.'/],
    ['/etc/passwd', /\/etc\/passwd is an absolute path/],
    ['C:/harness/system_prompt.md', /is an absolute path/],
    ['.git/config', /the harness git repository \(\.git\) is not a harness component file/],
    ['memory/.hidden.md', /hidden file \.hidden\.md/],
    ['tasks/hello/instruction.md', /tasks\/ is not a harness component folder/],
    ['tests/test.sh', /tests\/ is not a harness component folder/],
    ['README.md', /README\.md is not a harness component file/],
    ['memory/lessons.txt', /memory\/ holds only <name>\.md files/],
    ['tools/run.py', /tools\/ holds only <name>\.yaml files and <name>\.ts files/],
    ['tools/nested/x.ts', /tools\/ holds only/],
    ['middleware/a b.ts', /'a b' is not a valid component name/],
    ['skills/x', /a skill is a folder: skills\/<name>\/SKILL\.md/],
    ['skills/x/tool.exe', /a skill folder holds only \.md \.txt/],
    ['memory\\lessons.md', /use \/ as the separator/],
    ['', /an empty path/],
  ];
  for (const [path, expected] of cases) {
    const why = reason(checkEditablePath(path));
    assert.match(why, expected, path);
    assert.match(
      why,
      /\(editable harness files: system_prompt\.md \(additions only.*memory\/<name>\.md/,
      `${path}: the reason lists what is allowed`,
    );
  }
});

test('a path through a symlink is refused when the harness directory is known', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-policy-'));
  const outside = mkdtempSync(join(tmpdir(), 'ahe-policy-outside-'));
  writeFileSync(join(outside, 'x.md'), 'outside\n');
  symlinkSync(outside, join(dir, 'memory'));
  mkdirSync(join(dir, 'skills', 'a'), { recursive: true });
  symlinkSync(join(outside, 'x.md'), join(dir, 'skills', 'a', 'SKILL.md'));
  assert.match(
    reason(checkEditablePath('memory/x.md', { harnessDir: dir })),
    /^memory is a symlink: harness files must be regular files inside the harness directory/,
  );
  assert.match(
    reason(checkEditablePath('skills/a/SKILL.md', { harnessDir: dir })),
    /^skills\/a\/SKILL\.md is a symlink/,
  );
  assert.equal(checkEditablePath('skills/b/SKILL.md', { harnessDir: dir }).ok, true, 'a new file under a real folder');
  assert.equal(checkEditablePath('memory/x.md').ok, true, 'without harnessDir only the path is checked');
});

test('harness.yaml: the components section may change, nothing else', () => {
  const reordered = EXAMPLE_YAML.replace(
    'middleware: [loop-guard, compact-old-outputs]',
    'middleware: [compact-old-outputs, loop-guard]\n  memory: [lessons]',
  );
  assert.deepEqual(checkHarnessYamlEdit(EXAMPLE_YAML, reordered), { ok: true });
  assert.deepEqual(
    checkHarnessYamlEdit(EXAMPLE_YAML, `# a comment\n${EXAMPLE_YAML}`),
    { ok: true },
    'comments and layout are not settings',
  );

  const hotter = EXAMPLE_YAML.replace('temperature: 0', 'temperature: 0.7');
  const why = reason(checkHarnessYamlEdit(EXAMPLE_YAML, hotter));
  assert.match(
    why,
    /^harness\.yaml: model\.temperature: 0 → 0\.7 is refused; only the components: section of harness\.yaml may change/,
  );
  assert.match(why, /model settings, limits and truncation are evaluation config/);
  assert.match(
    reason(checkHarnessYamlEdit(EXAMPLE_YAML, EXAMPLE_YAML.replace('max_steps: 80', 'max_steps: 500'))),
    /limits\.max_steps: 80 → 500 is refused/,
  );
  assert.match(
    reason(checkHarnessYamlEdit(EXAMPLE_YAML, EXAMPLE_YAML.replace(/truncation:[\s\S]*?(?=components:)/, ''))),
    /truncation: \{.*\} → \(absent\) is refused/,
  );
  assert.match(
    reason(checkHarnessYamlEdit(EXAMPLE_YAML, `${EXAMPLE_YAML}extra: 1\n`)),
    /extra: \(absent\) → 1 is refused/,
  );
  assert.match(
    reason(checkHarnessYamlEdit(EXAMPLE_YAML, EXAMPLE_YAML.replace('middleware: [', 'middlewares: ['))),
    /^harness\.yaml: components: Unrecognized key: "middlewares"/,
  );
  assert.match(reason(checkHarnessYamlEdit(EXAMPLE_YAML, 'name: [unclosed')), /^the new harness\.yaml does not parse/);
  assert.match(reason(checkHarnessYamlEdit(EXAMPLE_YAML, null)), /harness\.yaml may not be deleted/);
});

test('the seed system prompt may be added to, not removed or altered', () => {
  const added = `# Role\n\n${SEED_PROMPT}\nBefore you finish, run the tests you can find.\n`;
  assert.deepEqual(checkSystemPromptEdit(SEED_PROMPT, added), { ok: true });
  const rewrapped = SEED_PROMPT.replace(/\n/g, ' ').replace(/ {2,}/g, ' ');
  assert.deepEqual(checkSystemPromptEdit(SEED_PROMPT, rewrapped), { ok: true }, 'line wrapping is not a change');

  const removed = SEED_PROMPT.replace(' and stop calling tools', '');
  assert.match(
    reason(checkSystemPromptEdit(SEED_PROMPT, removed)),
    /^system_prompt\.md: the seed paragraph "You are a coding agent working in a terminal\. .*\.\.\." was removed or altered; system_prompt\.md may only grow/,
  );
  assert.match(reason(checkSystemPromptEdit(SEED_PROMPT, 'Do whatever it takes.\n')), /was removed or altered/);
  assert.match(
    reason(checkSystemPromptEdit(SEED_PROMPT, SEED_PROMPT.replace('You are a', 'You are not a'))),
    /was removed or altered/,
  );
  assert.match(reason(checkSystemPromptEdit(SEED_PROMPT, null)), /may not be deleted/);
  // A word glued onto the seed text changes it.
  assert.equal(checkSystemPromptEdit(SEED_PROMPT, `${SEED_PROMPT.trimEnd()}x`).ok, false);

  const twoParagraphs = 'First rule.\n\nSecond rule.\n';
  assert.deepEqual(
    checkSystemPromptEdit(twoParagraphs, 'First rule.\n\nAn added rule.\n\nSecond rule.\n'),
    { ok: true },
    'additions between seed paragraphs',
  );
  assert.match(
    reason(checkSystemPromptEdit(twoParagraphs, 'Second rule.\n\nFirst rule.\n')),
    /"Second rule\." was moved before an earlier seed paragraph/,
  );
});

test('checkFileEdit combines the path and content rules', () => {
  const seedPrompt = SEED_PROMPT;
  assert.deepEqual(checkFileEdit('memory/lessons.md', { before: null, after: 'x', seedPrompt }), { ok: true });
  assert.deepEqual(
    checkFileEdit('memory/lessons.md', { before: 'x', after: null, seedPrompt }),
    { ok: true },
    'deleting a component file',
  );
  assert.match(
    reason(checkFileEdit('../tasks/x', { before: null, after: 'x', seedPrompt })),
    /may not leave the harness/,
  );
  assert.match(
    reason(checkFileEdit('system_prompt.md', { before: seedPrompt, after: 'short', seedPrompt })),
    /removed or altered/,
  );
  assert.match(
    reason(
      checkFileEdit('harness.yaml', {
        before: EXAMPLE_YAML,
        after: EXAMPLE_YAML.replace('name: example', 'name: mine'),
        seedPrompt,
      }),
    ),
    /name: "example" → "mine" is refused/,
  );
  assert.match(
    reason(checkFileEdit('harness.yaml', { before: null, after: 'name: x\n', seedPrompt })),
    /harness\.yaml cannot be created/,
  );
});
