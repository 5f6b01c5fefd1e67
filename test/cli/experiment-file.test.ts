// Experiment files read against the real `ahe evolve` definition: extends chains and ${ENV} resolved,
// relative paths read from the file's directory, every flag of `ahe evolve` accepted as a key (so the
// two cannot drift), and each kind of mistake reported as file:line.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, type Option } from 'commander';
import { registerEvolveCommand } from '../../src/cli/evolve-command.ts';
import { EVOLVE_FLAGS } from '../../src/cli/evolve-flags.ts';
import { ExperimentFileError, experimentKeys, loadExperimentFile } from '../../src/cli/experiment-file.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function evolveDefinition(): Command {
  const program = new Command('ahe');
  registerEvolveCommand(program);
  return program.commands[0]!;
}

function files(contents: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-experiment-file-'));
  for (const [name, text] of Object.entries(contents)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('extends chains merge (later wins), ${ENV} is substituted, relative paths and model files are read from the file that gives them', () => {
  const dir = files({
    'shared/root.yaml': 'harness: ../harness\nk: 3\nholdout: ../holdout\nquiet: true\n',
    'shared/base.yaml': 'extends: root.yaml\nmodel: ${AHE_TEST_MODEL}\nk: 2\ntask: [a-*, b]\n',
    'exp/one.yaml': [
      '# an experiment',
      'extends: ../shared/base.yaml',
      'evolve-model: ${AHE_TEST_UNSET:-scripted:evolver.yaml}',
      'iterations: 4',
      'holdout: null',
      'target-pass-rate: 0.75',
      'method: ace',
      'out: runs/one',
      '',
    ].join('\n'),
  });
  mkdirSync(join(dir, 'harness'));
  mkdirSync(join(dir, 'holdout'));
  const experiment = loadExperimentFile(join(dir, 'exp/one.yaml'), evolveDefinition(), {
    AHE_TEST_MODEL: 'scripted:coder.yaml',
  });
  assert.equal(experiment.file, join(dir, 'exp/one.yaml'));
  assert.deepEqual(experiment.bases, [join(dir, 'shared/root.yaml'), join(dir, 'shared/base.yaml')]);
  assert.deepEqual(experiment.values, {
    harness: join(dir, 'harness'),
    k: 2,
    quiet: true,
    // A model's file, like a path, is read from the file that names it.
    model: `scripted:${join(dir, 'shared/coder.yaml')}`,
    task: ['a-*', 'b'],
    evolveModel: `scripted:${join(dir, 'exp/evolver.yaml')}`,
    iterations: 4,
    targetPassRate: 0.75,
    method: 'ace',
    out: join(dir, 'exp/runs/one'),
  });
  // Recorded by key, with paths and model files absolute.
  assert.equal(experiment.keys['evolve-model'], `scripted:${join(dir, 'exp/evolver.yaml')}`);
  assert.equal(experiment.keys['target-pass-rate'], 0.75);
  assert.equal('holdout' in experiment.keys, false);
});

test('every option of ahe evolve is a key, parsed to the value the flag would give', () => {
  const command = evolveDefinition();
  const keys = experimentKeys(command);
  const dir = files({ 'price.yaml': '{}\n' });
  mkdirSync(join(dir, 'some-dir'));
  const candidates = ['1', ...['some-dir', 'price.yaml', 'new-dir'].map((name) => join(dir, name))];
  const sample = (option: Option): unknown => {
    if (option.isBoolean()) return true;
    if (option.argChoices) return option.variadic ? [option.argChoices[0]] : option.argChoices[0];
    // The first sample value the option's own parser takes (a number, an existing dir or file, a new dir).
    const value = candidates.find((c) => {
      try {
        option.parseArg?.(c, undefined);
        return true;
      } catch {
        return false;
      }
    });
    assert.ok(value, `no sample value for ${option.long}`);
    return option.variadic ? [value] : value;
  };
  assert.equal(keys.has('extends'), false, 'no flag may be named like the extends key');
  let checked = 0;
  for (const option of command.options) {
    if (option.name() === 'config') {
      assert.equal(keys.has('config'), false);
      continue;
    }
    assert.ok(keys.has(option.name()), option.long);
    const value = sample(option);
    writeFileSync(join(dir, 'exp.yaml'), `${option.name()}: ${JSON.stringify(value)}\n`);
    const experiment = loadExperimentFile(join(dir, 'exp.yaml'), command);
    assert.notEqual(experiment.values[option.attributeName()], undefined, option.long);
    assert.ok(EVOLVE_FLAGS[option.attributeName()], `${option.long} has a resume rule`);
    checked++;
  }
  assert.ok(checked >= 40, `only ${checked} options`);
  // The bundled suite and seed harness, as paths in a file.
  writeFileSync(
    join(dir, 'exp.yaml'),
    `harness: ${join(ROOT, 'harnesses/seed')}\ntasks: ${join(ROOT, 'tasks/train')}\n`,
  );
  assert.equal(loadExperimentFile(join(dir, 'exp.yaml'), command).values.tasks, join(ROOT, 'tasks/train'));
});

/** The message of the ExperimentFileError that loading `name` in `contents` throws. */
function mistake(contents: Record<string, string>, name = 'exp.yaml', env: NodeJS.ProcessEnv = {}): string {
  const dir = files(contents);
  try {
    loadExperimentFile(join(dir, name), evolveDefinition(), env);
  } catch (error) {
    assert.ok(error instanceof ExperimentFileError, String(error));
    assert.equal(error.exitCode, 2);
    return error.message.replace(`${dir}/`, '');
  }
  assert.fail(`${name} was accepted`);
}

test('each kind of mistake is reported at its file and line', () => {
  assert.match(mistake({ 'exp.yaml': 'k: 2\nmodel: [unclosed\n' }), /^exp\.yaml:\d+: invalid YAML: /);
  assert.match(mistake({ 'exp.yaml': 'k: 2\nk: 3\n' }), /^exp\.yaml:2: invalid YAML: .*unique/i);
  assert.equal(
    mistake({ 'exp.yaml': '# models\nk: 2\n\nmodle: openai:x\n' }),
    "exp.yaml:4: unknown key 'modle' (did you mean 'model'?); the keys are the flags of ahe evolve without their dashes (ahe evolve --help), and extends",
  );
  assert.match(
    mistake({ 'exp.yaml': 'evolve_model: x\n' }),
    /^exp\.yaml:1: unknown key 'evolve_model' \(did you mean 'evolve-model'\?\)/,
  );
  assert.match(mistake({ 'exp.yaml': 'wibble: 1\n' }), /^exp\.yaml:1: unknown key 'wibble'; /);
  assert.equal(
    mistake({ 'exp.yaml': 'k: 2\nk-x: 1\n' }).split(';')[0],
    "exp.yaml:2: unknown key 'k-x' (did you mean 'k'?)",
  );
  assert.equal(
    mistake({ 'exp.yaml': 'model: a\nk: two\n' }),
    "exp.yaml:2: k: expected an integer from 1 to 1000, got 'two'",
  );
  assert.equal(mistake({ 'exp.yaml': 'k: 0\n' }), 'exp.yaml:1: k: expected an integer from 1 to 1000, got 0');
  assert.equal(mistake({ 'exp.yaml': 'quiet: "yes"\n' }), 'exp.yaml:1: quiet: expected true or false, not "yes"');
  assert.equal(mistake({ 'exp.yaml': 'model: [a, b]\n' }), 'exp.yaml:1: model: expected a value, not a list');
  assert.equal(
    mistake({ 'exp.yaml': 'task:\n  - a\n  - {b: 1}\n' }),
    'exp.yaml:1: task: expected a value, not a mapping',
  );
  assert.equal(
    mistake({ 'exp.yaml': '\nmethod: evolution\n' }),
    "exp.yaml:2: method: 'evolution' is not one of ahe, ace, tf-grpo",
  );
  assert.equal(
    mistake({ 'exp.yaml': 'backend: vm\n' }),
    "exp.yaml:1: backend: 'vm' is not one of bwrap, podman, docker, image",
  );
  assert.equal(
    mistake({ 'exp.yaml': 'k: 1\nmodel: ${AHE_TEST_NOT_SET}\n' }),
    'exp.yaml:2: ${AHE_TEST_NOT_SET}: the environment variable AHE_TEST_NOT_SET is not set (or give ${AHE_TEST_NOT_SET:-default})',
  );
  assert.equal(
    mistake({ 'exp.yaml': 'task:\n  - a\n  - ${AHE_TEST_NOT_SET}\n' }),
    'exp.yaml:3: ${AHE_TEST_NOT_SET}: the environment variable AHE_TEST_NOT_SET is not set (or give ${AHE_TEST_NOT_SET:-default})',
  );
  assert.equal(mistake({ 'exp.yaml': 'model: ${oops\n' }), "exp.yaml:1: '${oops' is not ${NAME} or ${NAME:-default}");
  assert.match(
    mistake({ 'exp.yaml': 'harness: missing-dir\n' }),
    /^exp\.yaml:1: harness: .*missing-dir does not exist \(relative paths are read from /,
  );
  assert.equal(
    mistake({ 'exp.yaml': '- k\n- 2\n' }),
    'exp.yaml:1: expected a mapping of `ahe evolve` flags (key: value)',
  );
  assert.equal(
    mistake({ 'exp.yaml': 'config: other.yaml\n' }),
    "exp.yaml:1: 'config' cannot be a key: an experiment file names its base with extends:",
  );
});

test('extends: a missing base, a cycle, and a mistake inside a base are reported where they are', () => {
  assert.match(
    mistake({ 'exp.yaml': 'k: 2\nextends: base.yaml\n' }),
    /^exp\.yaml:2: extends: base\.yaml does not exist \(looked for .*base\.yaml\)$/,
  );
  const cycle = mistake(
    { 'a.yaml': 'extends: b.yaml\n', 'b.yaml': 'k: 1\nextends: [c.yaml]\n', 'c.yaml': 'extends: a.yaml\n' },
    'a.yaml',
  );
  assert.match(cycle, /^c\.yaml:1: extends: .*a\.yaml → .*b\.yaml → .*c\.yaml → .*a\.yaml is a cycle$/);
  assert.match(
    mistake({ 'a.yaml': 'extends: a.yaml\n' }, 'a.yaml'),
    /^a\.yaml:1: extends: .*a\.yaml → .*a\.yaml is a cycle$/,
  );
  assert.equal(
    mistake({ 'exp.yaml': 'extends: base.yaml\nk: 2\n', 'base.yaml': '\n\nconcurency: 2\n' }),
    "base.yaml:3: unknown key 'concurency' (did you mean 'concurrency'?); the keys are the flags of ahe evolve without their dashes (ahe evolve --help), and extends",
  );
  assert.equal(mistake({ 'exp.yaml': 'extends: 3\n' }), 'exp.yaml:1: extends: expected a file name or a list of them');
  // A diamond is not a cycle.
  const dir = files({
    'a.yaml': 'extends: [b.yaml, c.yaml]\n',
    'b.yaml': 'extends: d.yaml\nk: 3\n',
    'c.yaml': 'extends: d.yaml\n',
    'd.yaml': 'k: 1\n',
  });
  assert.equal(loadExperimentFile(join(dir, 'a.yaml'), evolveDefinition()).values.k, 1);
});
