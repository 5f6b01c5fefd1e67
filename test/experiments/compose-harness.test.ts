// Ablation variants are composed per component type: a type's files and its harness.yaml entry travel
// together, a variant the validator refuses says why, and the plan reports what the best did not change.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { holmAdjust } from '../../src/bench/stats.ts';
import { ablationTypeOf, changedByType, composeHarness } from '../../src/experiments/compose-harness.ts';
import { openExperimentRun } from '../../src/experiments/open-run.ts';
import { evaluatedVariants, planAblation } from '../../src/experiments/plan-ablation.ts';
import { validateHarness } from '../../src/harness/validate-harness.ts';
import { makeAblationRun, SEED } from './ablation-fixture.ts';

const manifest = (dir: string) => parse(readFileSync(join(dir, 'harness.yaml'), 'utf8'));

test('changed types: files and harness.yaml entries, each under its own type', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const { runDir } = await makeAblationRun(dir);
  const changed = changedByType(SEED, join(runDir, 'best'));
  assert.deepEqual(changed.memory, ['memory/lessons.md', 'harness.yaml components.memory']);
  assert.deepEqual(changed.tools, ['tools/count_words.ts', 'tools/count_words.yaml']);
  assert.deepEqual(changed.subagents, ['subagents/word-counter.yaml']);
  for (const t of ['system_prompt', 'middleware', 'skills', 'harness_yaml'] as const) assert.deepEqual(changed[t], []);
});

test('memory only: the lesson and its components entry from the best, nothing else; it validates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const { runDir } = await makeAblationRun(dir);
  const out = join(dir, 'only-memory');
  composeHarness({ baseDir: SEED, otherDir: join(runDir, 'best'), swapped: new Set(['memory']) }, out);
  assert.ok(existsSync(join(out, 'memory', 'lessons.md')));
  assert.ok(!existsSync(join(out, 'tools', 'count_words.ts')));
  assert.ok(!existsSync(join(out, 'subagents')));
  assert.deepEqual(manifest(out).components, { memory: ['lessons'] });
  assert.equal(manifest(out).name, 'seed');
  assert.ok((await validateHarness(out)).ok);
});

test('best − memory: the seed has no components entry, so the composed harness.yaml drops it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const { runDir } = await makeAblationRun(dir);
  const out = join(dir, 'without-memory');
  composeHarness({ baseDir: join(runDir, 'best'), otherDir: SEED, swapped: new Set(['memory']) }, out);
  assert.ok(!existsSync(join(out, 'memory', 'lessons.md')));
  assert.ok(existsSync(join(out, 'tools', 'count_words.ts')));
  assert.equal(manifest(out).components, undefined);
  assert.ok((await validateHarness(out)).ok);
});

test('a taken component listed by the other side is enabled; harness_yaml swaps the rest of the manifest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const seed = join(dir, 'seed');
  const best = join(dir, 'best');
  cpSync(SEED, seed, { recursive: true });
  cpSync(SEED, best, { recursive: true });
  // The seed lists its tools explicitly; the best adds one and lists it, and renames the harness.
  const base = readFileSync(join(SEED, 'harness.yaml'), 'utf8');
  writeFileSync(join(seed, 'harness.yaml'), `${base}components:\n  tools: [run_shell_command]\n`);
  writeFileSync(
    join(best, 'harness.yaml'),
    `${base.replace('name: seed', 'name: evolved')}components:\n  tools: [run_shell_command, count_words]\n`,
  );
  cpSync(join(SEED, 'tools', 'run_shell_command.yaml'), join(best, 'tools', 'count_words.yaml'));
  writeFileSync(
    join(best, 'tools', 'count_words.yaml'),
    readFileSync(join(best, 'tools', 'count_words.yaml'), 'utf8').replace(
      'name: run_shell_command',
      'name: count_words',
    ),
  );
  cpSync(join(SEED, 'tools', 'run_shell_command.ts'), join(best, 'tools', 'count_words.ts'));
  const changed = changedByType(seed, best);
  assert.deepEqual(changed.tools, ['tools/count_words.ts', 'tools/count_words.yaml', 'harness.yaml components.tools']);
  assert.deepEqual(changed.harness_yaml, ['harness.yaml']);

  const onlyTools = join(dir, 'only-tools');
  composeHarness({ baseDir: seed, otherDir: best, swapped: new Set(['tools']) }, onlyTools);
  assert.deepEqual(manifest(onlyTools).components.tools, ['run_shell_command', 'count_words']);
  assert.equal(manifest(onlyTools).name, 'seed');
  assert.ok((await validateHarness(onlyTools)).ok);

  const onlyYaml = join(dir, 'only-harness_yaml');
  composeHarness({ baseDir: seed, otherDir: best, swapped: new Set(['harness_yaml']) }, onlyYaml);
  assert.equal(manifest(onlyYaml).name, 'evolved');
  // The tools stay the seed's, and so does their entry: the harness does not list a tool it lacks.
  assert.deepEqual(manifest(onlyYaml).components.tools, ['run_shell_command']);
  assert.ok((await validateHarness(onlyYaml)).ok);
});

test('the plan: unchanged types reported, invalid variants with the validator reason, copies read the other job', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const { runDir } = await makeAblationRun(dir);
  const plan = await planAblation(openExperimentRun(runDir, 'ablate'));
  assert.deepEqual(plan.unchanged, ['system_prompt', 'middleware', 'skills', 'harness_yaml']);
  const byName = Object.fromEntries(plan.variants.map((v) => [v.name, v]));
  assert.deepEqual(Object.keys(byName).sort(), [
    'best',
    'only-memory',
    'only-subagents',
    'only-tools',
    'seed',
    'without-memory',
    'without-subagents',
    'without-tools',
  ]);
  // The sub-agent needs count_words: without the tools it cannot load.
  assert.match(
    byName['only-subagents']!.invalid!.join('\n'),
    /subagents\/word-counter\.yaml.*unknown tool 'count_words'/,
  );
  assert.match(byName['without-tools']!.invalid!.join('\n'), /unknown tool 'count_words'/);
  assert.deepEqual(
    evaluatedVariants(plan).map((v) => v.name),
    ['seed', 'best', 'only-tools', 'only-memory', 'without-subagents', 'without-memory'],
  );
});

test('with one changed type, "<type> only" is the best and "best − <type>" the seed: read, not run again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const { runDir } = await makeAblationRun(dir);
  for (const f of ['tools/count_words.ts', 'tools/count_words.yaml', 'subagents'])
    rmSync(join(runDir, 'best', f), { recursive: true });
  const plan = await planAblation(openExperimentRun(runDir, 'ablate'));
  const byName = Object.fromEntries(plan.variants.map((v) => [v.name, v]));
  assert.equal(byName['only-memory']!.sameAs, 'best');
  assert.equal(byName['without-memory']!.sameAs, 'seed');
  assert.deepEqual(
    evaluatedVariants(plan).map((v) => v.name),
    ['seed', 'best'],
  );
});

test('--components narrows the plan to the types named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-compose-'));
  const { runDir } = await makeAblationRun(dir);
  const plan = await planAblation(openExperimentRun(runDir, 'ablate'), ['memory', 'middleware']);
  assert.deepEqual(
    plan.variants.map((v) => v.name),
    ['seed', 'best', 'only-memory', 'without-memory'],
  );
  assert.deepEqual(plan.unchanged, ['middleware']);
});

test('component type words: manifest names and aliases', () => {
  assert.equal(ablationTypeOf('memory'), 'memory');
  assert.equal(ablationTypeOf('tool_implementation'), 'tools');
  assert.equal(ablationTypeOf('harness.yaml'), 'harness_yaml');
  assert.equal(ablationTypeOf('subagent'), 'subagents');
  assert.equal(ablationTypeOf('colour'), undefined);
});

test("Holm's correction: step-down, monotone, capped at 1, in the input order", () => {
  const round = (xs: number[]) => xs.map((x) => Number(x.toFixed(9)));
  assert.deepEqual(round(holmAdjust([0.01, 0.04, 0.03])), [0.03, 0.06, 0.06]);
  assert.deepEqual(holmAdjust([0.5, 0.6]), [1, 1]);
  assert.deepEqual(holmAdjust([]), []);
  assert.deepEqual(holmAdjust([0.02]), [0.02]);
});
