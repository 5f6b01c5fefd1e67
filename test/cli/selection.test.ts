// Task selection and --backend on every command that runs tasks, as a user meets them: `ahe eval`,
// `ahe tasks check` and `ahe evolve` (train and --holdout-*) take --task/--exclude (names or globs),
// --n-tasks/--sample-seed; the selection is recorded (job config.json, the run's state.json) and a job
// or run continued with another selection, or another backend, is refused naming what differs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-cli-selection-'));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function suite(): string {
  const dir = join(tmp(), 'suite');
  for (const name of ['alpha-one', 'alpha-two', 'beta-three', 'beta-four']) makeTask({ name }, dir);
  return dir;
}

test('eval: --task globs and --exclude choose the tasks, recorded in config.json; continuing with another selection is refused, listing it', {
  skip,
}, async () => {
  const tasks = suite();
  const job = join(tmp(), 'job');
  const base = ['eval', '--tasks', tasks, '--agent', 'oracle', '--quiet', '--out', job];
  const first = await runCli([...base, '--task', 'alpha-*', 'beta-three', '--exclude', 'alpha-two']);
  assert.equal(first.exitCode, 0, first.stderr);
  const config = readJson(join(job, 'config.json'));
  assert.deepEqual(config.task_names, ['alpha-one', 'beta-three']);
  assert.deepEqual(config.task_selection, {
    include: ['alpha-*', 'beta-three'],
    exclude: ['alpha-two'],
    n_tasks: null,
    sample_seed: null,
  });
  assert.deepEqual(
    readdirSync(job)
      .filter((f) => f.includes('__'))
      .sort(),
    ['alpha-one__1', 'beta-three__1'],
  );
  // The same command continues the job; --resume too.
  const again = await runCli([...base, '--task', 'alpha-*', 'beta-three', '--exclude', 'alpha-two', '--resume']);
  assert.equal(again.exitCode, 0, again.stderr);
  // Another selection that happens to give a different set is refused, naming both the set and the flags.
  const other = await runCli([...base, '--task', 'alpha-*', '--resume']);
  assert.equal(other.exitCode, 2, other.stderr);
  assert.match(
    other.stderr,
    /this job was run with other settings; differs: --task \(task_names: 2 tasks recorded, 2 requested: \+alpha-two -beta-three\); --task\/--exclude\/--n-tasks\/--sample-seed \(task_selection: "--task alpha-\* --task beta-three --exclude alpha-two" recorded, "--task alpha-\*" requested\)/,
  );
  assert.doesNotMatch(other.stderr, STACK_LINE);
});

test('eval: --n-tasks draws the same sample for the same seed; bad selections are refused naming the flag', {
  skip,
}, async () => {
  const tasks = suite();
  const run = async (seed: string) => {
    const job = join(tmp(), 'job');
    const r = await runCli([
      'eval',
      '--tasks',
      tasks,
      '--agent',
      'noop',
      '--quiet',
      '--out',
      job,
      '--n-tasks',
      '2',
      '--sample-seed',
      seed,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    return readJson(join(job, 'config.json'));
  };
  const a = await run('11');
  const b = await run('11');
  assert.equal(a.task_names.length, 2);
  assert.deepEqual(b.task_names, a.task_names);
  assert.deepEqual(a.task_selection, { include: [], exclude: [], n_tasks: 2, sample_seed: 11 });

  const dir = tmp();
  const cases: [string[], RegExp][] = [
    [
      ['--task', 'gamma'],
      /^ahe: --task gamma: not a task of .*suite \(it has: alpha-one, alpha-two, beta-four, beta-three\)$/m,
    ],
    [['--task', 'gam*'], /^ahe: --task gam\*: matches no task of /m],
    [['--exclude', 'zeta'], /^ahe: --exclude zeta: not a task of /m],
    [['--exclude', '*'], /^ahe: --exclude \*: no task of .* is left to run$/m],
    [['--n-tasks', '5'], /^ahe: --n-tasks 5: only 4 tasks of .* exist; ask for at most 4$/m],
    [['--n-tasks', '0'], /option '--n-tasks <n>' argument '0' is invalid/],
    [['--sample-seed', '2'], /^ahe: --sample-seed 2: a seed is for a sample; give --n-tasks N too$/m],
    [['--backend', 'qemu'], /argument 'qemu' is invalid\. Allowed choices are bwrap, podman, docker, image/],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli(['eval', '--tasks', tasks, '--agent', 'oracle', '--out', join(dir, 'job'), ...flags]);
    assert.equal(r.exitCode, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, flags.join(' '));
    assert.doesNotMatch(r.stderr, STACK_LINE);
  }
  assert.equal(existsSync(join(dir, 'job')), false, 'nothing was started');
});

test('tasks check: the selection flags choose the tasks it proves', { skip }, async () => {
  const tasks = suite();
  const out = join(tmp(), 'check');
  const r = await runCli([
    'tasks',
    'check',
    tasks,
    '--task',
    'beta-*',
    '--exclude',
    'beta-four',
    '--quiet',
    '--out',
    out,
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /beta-three/);
  assert.doesNotMatch(r.stdout, /alpha-|beta-four/);
  assert.match(r.stdout, /oracle 1\/1 passed/);
  for (const agent of ['oracle', 'noop'])
    assert.deepEqual(readJson(join(out, agent, 'config.json')).task_selection.exclude, ['beta-four']);
  const bad = await runCli(['tasks', 'check', tasks, '--n-tasks', '9']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /^ahe: --n-tasks 9: only 4 tasks of .* exist/m);
});

test('evolve: train and held-out selections are counted in the estimate; --holdout-* flags name themselves', async () => {
  const dir = tmp();
  const base = [
    'evolve',
    '--harness',
    join(ROOT, 'harnesses', 'seed'),
    '--tasks',
    join(ROOT, 'tasks', 'train'),
    '--model',
    'openai:gpt-5.4',
    '--iterations',
    '2',
    '--out',
    join(dir, 'run'),
    '--estimate-only',
  ];
  const env = { OPENAI_API_KEY: 'sk-test-not-used' };
  const estimate = await runCli(
    [
      ...base,
      '--n-tasks',
      '7',
      '--sample-seed',
      '3',
      '--holdout',
      join(ROOT, 'tasks', 'holdout'),
      '--holdout-exclude',
      'build-*',
      '--holdout-n-tasks',
      '4',
    ],
    { env },
  );
  assert.equal(estimate.exitCode, 0, estimate.stderr);
  assert.match(estimate.stderr, /7 training tasks \+ 4 held-out × k=2 · 2 iterations · backend bwrap/);
  const cases: [string[], RegExp][] = [
    [['--holdout-task', 'x'], /^ahe: --holdout-task x: there is no --holdout DIR to select from$/m],
    [
      ['--holdout', join(ROOT, 'tasks', 'holdout'), '--holdout-task', 'no-such-task'],
      /^ahe: --holdout-task no-such-task: not a task of .*tasks\/holdout/m,
    ],
    [['--task', 'no-such-*'], /^ahe: --task no-such-\*: matches no task of .*tasks\/train/m],
    [['--n-tasks', '31'], /^ahe: --n-tasks 31: only 30 tasks of .*tasks\/train exist/m],
    [['--holdout-sample-seed', '1', '--holdout', join(ROOT, 'tasks', 'holdout')], /give --holdout-n-tasks N too/],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli([...base, ...flags], { env });
    assert.equal(r.exitCode, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, flags.join(' '));
    assert.doesNotMatch(r.stderr, STACK_LINE);
  }
  assert.equal(existsSync(join(dir, 'run')), false);
});

test('evolve: the backend and both selections are recorded and fixed on --resume, refused by name', {
  skip,
}, async () => {
  const dir = tmp();
  const demo = makeDemo(dir);
  const run = join(dir, 'run');
  const started = await runCli(
    [
      'evolve',
      '--harness',
      join(ROOT, 'harnesses', 'seed'),
      '--tasks',
      demo.tasks,
      '--task',
      'csv-*',
      'top-*',
      '--holdout',
      demo.tasks,
      '--holdout-n-tasks',
      '1',
      '--model',
      `scripted:${demo.codingScript}`,
      '--evolve-model',
      `scripted:${demo.evolveScript}`,
      '--debug-model',
      'none',
      '--iterations',
      '1',
      '-k',
      '1',
      '--budget-minutes',
      '0.0001',
      '--quiet',
      '--out',
      run,
    ],
    { timeoutMs: 120_000 },
  );
  assert.equal(started.exitCode, 0, started.stderr);
  assert.match(started.stderr, /2 training tasks \+ 1 held-out/);
  const config = readJson(join(run, 'state.json')).config;
  assert.equal(config.backend, 'bwrap');
  assert.deepEqual(config.task_include, ['csv-*', 'top-*']);
  assert.equal(config.holdout_n_tasks, 1);
  assert.equal(config.holdout_sample_seed, 0);

  const refused = await runCli([
    'evolve',
    '--resume',
    run,
    '--backend',
    'podman',
    '--task',
    'csv-*',
    '--holdout-n-tasks',
    '2',
    '--exclude',
    'top-*',
  ]);
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /^ahe: --resume .*: --task \(recorded \["csv-\*","top-\*"\], given \["csv-\*"\]\), --exclude \(recorded \[\], given \["top-\*"\]\), --holdout-n-tasks \(recorded 1, given 2\), --backend \(recorded "bwrap", given "podman"\) cannot change when a run is resumed/m,
  );
  assert.doesNotMatch(refused.stderr, STACK_LINE);
  // The recorded values given again are accepted (the run, stopped by its budget, stays stopped).
  const same = await runCli(
    ['evolve', '--resume', run, '--task', 'csv-*', 'top-*', '--holdout-n-tasks', '1', '--backend', 'bwrap', '--quiet'],
    { timeoutMs: 120_000 },
  );
  assert.equal(same.exitCode, 0, same.stderr);
  assert.match(same.stdout, /Stopped: time budget reached/);
});
