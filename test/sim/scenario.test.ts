// Simulation scenarios: the schema and its errors (file and field), probabilities with effects, and the
// seeded draws that make `ahe simulate` and `ahe evolve` with sim: models agree.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { harnessContentHash } from '../../src/harness/content-hash.ts';
import { listHarnessFiles } from '../../src/harness/list-harness-files.ts';
import { readHarnessFiles, simDraw, snapshotOf } from '../../src/sim/draw.ts';
import { loadScenario, successProbability } from '../../src/sim/scenario.ts';

const dir = mkdtempSync(join(tmpdir(), 'ahe-sim-scenario-'));
const write = (name: string, value: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : stringify(value));
  return file;
};
const valid = {
  seed: 7,
  tasks: { 'top-words': 0.2, 'csv-region-totals': 0.9 },
  holdout: { 'failed-ssh-logins': 0.5 },
  effects: [
    {
      id: 'check-rules',
      when: { text: 'stated ordering rule' },
      tasks: ['top-words', 'failed-ssh-logins'],
      delta: 0.5,
    },
    { id: 'too-much', when: { text: 'stated ordering rule' }, tasks: ['csv-region-totals'], delta: 0.5 },
  ],
  candidates: [
    {
      id: 'check-rules',
      component: 'memory',
      files: { 'memory/check-rules.md': 'Check every stated ordering rule before finishing.' },
      predicted_fixes: ['top-words'],
      risk_tasks: [],
    },
  ],
};

test('a scenario loads; a task’s probability is its base plus the deltas of the rules the harness text matches, clamped', () => {
  const s = loadScenario(write('ok.yaml', valid));
  assert.equal(s.seed, 7);
  assert.equal(successProbability(s, 'top-words', 'nothing relevant'), 0.2);
  assert.equal(successProbability(s, 'top-words', 'Check every stated ordering rule.'), 0.7);
  assert.equal(successProbability(s, 'failed-ssh-logins', 'a stated ordering rule'), 1);
  assert.equal(successProbability(s, 'csv-region-totals', 'stated ordering rule'), 1); // 0.9 + 0.5, clamped
});

test('a scenario file edited after it was loaded is read again (a long-lived worker sees the edit)', () => {
  const file = write('edited.yaml', valid);
  assert.equal(loadScenario(file), loadScenario(file), 'the same content: the same checked scenario');
  writeFileSync(file, stringify({ ...valid, seed: 8 }));
  assert.equal(loadScenario(file).seed, 8);
});

test('unknown fields, unknown tasks and bad values are errors naming the file and the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...valid, taks: {} }, /bad\.yaml:\d+:\d+: taks: unknown field 'taks'/],
    [{ ...valid, tasks: { a: 1.5 } }, /bad\.yaml:\d+:\d+: tasks\.a: /],
    [
      { ...valid, effects: [{ ...valid.effects[0], tasks: ['nope'] }] },
      /bad\.yaml:\d+:\d+: effects\.0\.tasks\.0: unknown task 'nope'/,
    ],
    [
      { ...valid, candidates: [{ ...valid.candidates[0], predicted_fixes: ['failed-ssh-logins'] }] },
      /bad\.yaml:\d+:\d+: candidates\.0\.predicted_fixes\.0: 'failed-ssh-logins' is not a training task/,
    ],
    [
      { ...valid, candidates: [{ ...valid.candidates[0], colour: 'red' }] },
      /bad\.yaml:\d+:\d+: candidates\.0\.colour: unknown field 'colour'/,
    ],
    [{ ...valid, holdout: { 'top-words': 0.1 } }, /bad\.yaml:\d+:\d+: holdout\.top-words: also a training task/],
    [
      { ...valid, candidates: [{ ...valid.candidates[0], files: { '../x.md': 'x' } }] },
      /candidates\.0\.files: '\.\.\/x\.md' must be a path inside the harness/,
    ],
  ];
  cases.forEach(([raw, message], i) => {
    assert.throws(
      () => loadScenario(write(`bad-${i}/bad.yaml`.replace('/', '-'), raw)),
      (error: Error) => {
        assert.match(error.message.replace(/bad-\d+-/, ''), message);
        return true;
      },
    );
  });
  assert.throws(() => loadScenario(write('broken.yaml', 'tasks: [1, 2')), /broken\.yaml:1:13: not valid YAML/);
  // Messages a user can act on, not the schema library's ("expected int, received number").
  assert.throws(
    () =>
      loadScenario(
        write(
          'seed.yaml',
          'seed: 1.5\ntasks: { a: 0.5 }\neffects: [{ id: e, when: { text: x }, tasks: [a], delta: 2 }]\n',
        ),
      ),
    (error: Error) =>
      /seed: expected a whole number of at least 0/.test(error.message) &&
      /effects\.0\.delta: expected a number from -1 to 1/.test(error.message),
  );
  // Every problem at once, each at its line and column in the file as written.
  const file = write(
    'several.yaml',
    'tasks:\n  a: 0.2\n  b: 1.3\neffects:\n  - id: e\n    when: { text: x }\n    tasks: [c]\n    delta: 0.5\nextra: 1\n',
  );
  assert.throws(
    () => loadScenario(file),
    (error: Error) => {
      assert.match(
        error.message,
        /several\.yaml: 2 problems:\n {2}\S*several\.yaml:3:6: tasks\.b: expected a probability from 0 to 1\n {2}\S*several\.yaml:9:1: extra: unknown field 'extra'$/,
      );
      return true;
    },
  );
  // The schema's problems come first: the tasks an effect names are checked once the file's shape is right.
  writeFileSync(file, 'tasks:\n  a: 0.2\neffects:\n  - id: e\n    when: { text: x }\n    tasks: [c]\n    delta: 0.5\n');
  assert.throws(() => loadScenario(file), /several\.yaml:6:13: effects\.0\.tasks\.0: unknown task 'c'$/);
});

test('draws are a pure function of (seed, task, attempt, harness hash, iteration) and uniform', () => {
  const key = { seed: 7, task: 't', attempt: 1, harnessHash: 'h', iteration: 0 };
  assert.equal(simDraw(key), simDraw({ ...key }));
  for (const change of [{ seed: 8 }, { task: 'u' }, { attempt: 2 }, { harnessHash: 'g' }, { iteration: 1 }])
    assert.notEqual(simDraw({ ...key, ...change }), simDraw(key));
  // 10,000 draws against p = 0.3: the success rate is within 4 standard errors (sd = 0.0046).
  let successes = 0;
  for (let i = 0; i < 10_000; i++) if (simDraw({ ...key, attempt: i + 1 }) < 0.3) successes++;
  assert.ok(Math.abs(successes / 10_000 - 0.3) < 0.0184, `${successes} of 10000`);
  // And the mean of the draws is ½ within the same tolerance scale.
  let sum = 0;
  for (let i = 0; i < 10_000; i++) sum += simDraw({ ...key, iteration: i });
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.0116, String(sum / 10_000));
});

test('a harness held in memory hashes as the same files on disk do (the hash the job records)', () => {
  const seed = new URL('../../harnesses/seed', import.meta.url).pathname;
  const files = readHarnessFiles(seed);
  assert.equal(snapshotOf(files).hash, harnessContentHash(seed, listHarnessFiles(seed)));
  const changed = new Map(files).set('memory/x.md', 'a lesson');
  assert.notEqual(snapshotOf(changed).hash, snapshotOf(files).hash);
  assert.match(snapshotOf(changed).text, /a lesson/);
});
