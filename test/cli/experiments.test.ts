// Experiment files as a user meets them, through the real `ahe` binary on the offline demo (scripted
// models, bundled tasks, bwrap): `ahe evolve --config` with extends, ${ENV} and a flag that overrides
// the file, recorded in state.json; malformed files refused with file:line and exit status 2; `ahe
// experiments run` of two files writing the comparison table, skipping finished experiments on a rerun,
// resuming one whose file now asks for more, and continuing after Ctrl-C.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { type ExperimentRow, renderComparison } from '../../src/cli/experiments-action.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const SEED = join(ROOT, 'harnesses', 'seed');
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const TIMEOUT = 300_000;

/** The demo in a temporary directory, with a shared base experiment file in shared/base.yaml. */
function demoWithBase() {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-experiments-'));
  const demo = makeDemo(dir);
  mkdirSync(join(dir, 'shared'));
  writeFileSync(
    join(dir, 'shared', 'base.yaml'),
    [
      '# what every experiment shares',
      'harness: ${AHE_TEST_SEED}',
      'tasks: ../tasks',
      'model: scripted:${AHE_TEST_DEMO}/coding-agent.script.yaml',
      'evolve-model: scripted:${AHE_TEST_DEMO}/evolve-agent.script.yaml',
      'debug-model: none',
      'k: 1',
      'concurrency: 3',
      'quiet: true',
      '',
    ].join('\n'),
  );
  const env = { AHE_TEST_SEED: SEED, AHE_TEST_DEMO: dir };
  return { dir, demo, env };
}

test('evolve --config: extends and ${ENV} resolved, a flag overrides the file, the resolved file recorded in state.json', {
  skip,
  timeout: TIMEOUT,
}, async () => {
  const { dir, env } = demoWithBase();
  const exp = join(dir, 'exp.yaml');
  writeFileSync(exp, 'extends: shared/base.yaml\niterations: 5\nout: runs/${AHE_TEST_NAME:-seed-only}\n');
  const run = await runCli(['evolve', '--config', exp, '--iterations', '0'], { env, cwd: dir, timeoutMs: TIMEOUT });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(
    run.stderr,
    /^experiment file exp\.yaml \(extends shared\/base\.yaml\); the command line overrides its iterations$/m,
  );
  const runDir = join(dir, 'runs', 'seed-only');
  const config = readJson(join(runDir, 'state.json')).config;
  assert.equal(config.iterations, 0);
  assert.equal(config.harness, SEED);
  assert.equal(config.tasks, join(dir, 'tasks'));
  assert.equal(config.model, `scripted:${dir}/coding-agent.script.yaml`);
  assert.equal(config.debug_model, null);
  assert.equal(config.k, 1);
  assert.deepEqual(config.experiment, {
    file: exp,
    extends: [join(dir, 'shared', 'base.yaml')],
    keys: {
      harness: SEED,
      tasks: join(dir, 'tasks'),
      model: `scripted:${dir}/coding-agent.script.yaml`,
      'evolve-model': `scripted:${dir}/evolve-agent.script.yaml`,
      'debug-model': 'none',
      k: 1,
      concurrency: 3,
      quiet: true,
      iterations: 5,
      out: runDir,
    },
    overridden_by_flags: ['iterations'],
  });
  assert.match(readFileSync(join(runDir, 'summary.md'), 'utf8'), /Stopped: all 0 iterations done/);

  // --resume with --config: the file's keys count as flags given — a fixed one that differs is refused…
  writeFileSync(exp, 'extends: shared/base.yaml\nk: 2\nout: runs/seed-only\n');
  const refused = await runCli(['evolve', '--resume', runDir, '--config', exp], { env, cwd: dir });
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /-k \(recorded 1, given 2\) cannot change when a run is resumed/);
  assert.doesNotMatch(refused.stderr, STACK_LINE);
});

test('malformed experiment files: file:line, exit status 2, nothing started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-experiments-bad-'));
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'exp.yaml': 'k: 1\nmodel: [oops\n' }, /^ahe: exp\.yaml:\d+: invalid YAML: /m],
    [
      { 'exp.yaml': 'k: 1\n\nmodle: openai:gpt-5.4\n' },
      /^ahe: exp\.yaml:3: unknown key 'modle' \(did you mean 'model'\?\)/m,
    ],
    [
      { 'exp.yaml': 'iterations: many\n' },
      /^ahe: exp\.yaml:1: iterations: expected an integer from 0 to 10000, got 'many'$/m,
    ],
    [
      { 'exp.yaml': 'k: 1\nmethod: genetic\n' },
      /^ahe: exp\.yaml:2: method: 'genetic' is not one of ahe, ace, tf-grpo$/m,
    ],
    [
      { 'exp.yaml': 'model: openai:${AHE_TEST_NO_SUCH_VAR}\n' },
      /^ahe: exp\.yaml:1: \$\{AHE_TEST_NO_SUCH_VAR\}: the environment variable AHE_TEST_NO_SUCH_VAR is not set/m,
    ],
    [
      { 'exp.yaml': 'extends: base.yaml\n', 'base.yaml': 'k: 1\nextends: exp.yaml\n' },
      /^ahe: base\.yaml:2: extends: exp\.yaml → base\.yaml → exp\.yaml is a cycle$/m,
    ],
    [{ 'exp.yaml': 'k: 1\nextends: nowhere.yaml\n' }, /^ahe: exp\.yaml:2: extends: nowhere\.yaml does not exist/m],
  ];
  for (const [i, [contents, message]] of cases.entries()) {
    const caseDir = join(dir, String(i));
    mkdirSync(caseDir);
    for (const [name, text] of Object.entries(contents)) writeFileSync(join(caseDir, name), text);
    // `experiments run` reads its files with the same loader: checked on two of the cases.
    const commands = [['evolve', '--config', 'exp.yaml', '--out', 'run']];
    if (i === 0 || i === cases.length - 1) commands.push(['experiments', 'run', 'exp.yaml']);
    for (const args of commands) {
      const result = await runCli(args, { cwd: caseDir });
      assert.equal(result.exitCode, 2, `${args.join(' ')} on ${JSON.stringify(contents)}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, STACK_LINE);
      assert.equal(existsSync(join(caseDir, 'run')), false);
    }
  }
});

/** The rows of DIR/experiments.json by file. */
const rowsOf = (dir: string) =>
  Object.fromEntries(readJson(join(dir, 'experiments.json')).experiments.map((r: { file: string }) => [r.file, r]));

test('experiments run: two experiment files, one table; a rerun skips the finished ones and resumes one asked for more', {
  skip,
  timeout: TIMEOUT,
}, async () => {
  const { dir, env } = demoWithBase();
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(a, 'extends: shared/base.yaml\niterations: 0\nout: runs/a\n');
  writeFileSync(b, 'extends: shared/base.yaml\niterations: 1\nout: runs/b\n');
  const first = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml', '--out', 'table'], {
    env,
    cwd: dir,
    timeoutMs: TIMEOUT,
  });
  assert.equal(first.exitCode, 0, first.stderr);
  assert.match(first.stderr, /experiment 1\/2 a\.yaml → runs\/a: starting/);
  assert.match(first.stderr, /experiment 2\/2 b\.yaml → runs\/b: starting/);
  const table = readFileSync(join(dir, 'table', 'experiments.md'), 'utf8');
  assert.ok(first.stdout.endsWith(table.trimEnd()), 'the table is printed');
  assert.match(
    table,
    /^\| a\.yaml \| runs\/a \| ahe \| scripted:.*coding-agent\.script\.yaml \| 0\/0 \| [\d.]+% \([\d.]+%–[\d.]+%\) @0 \|/m,
  );
  assert.match(table, /^\| b\.yaml \| runs\/b \| ahe \| .* \| 1\/1 \| .* \| all 1 iterations done \|$/m);
  const rows = rowsOf(join(dir, 'table'));
  const seed = readJson(join(dir, 'runs', 'a', 'iterations', '0', 'job', 'result.json'));
  assert.deepEqual(rows['a.yaml'].final_train, { iteration: 0, pass_at_1: seed.pass_at_1, ci95: seed.ci95 });
  assert.deepEqual(rows['a.yaml'].best_train, rows['a.yaml'].final_train);
  assert.equal(rows['a.yaml'].status, 'finished');
  assert.equal(rows['a.yaml'].stop_reason, 'all 0 iterations done');
  assert.equal(rows['b.yaml'].iterations.done, 1);
  assert.equal(rows['b.yaml'].final_train.iteration, 1);
  assert.equal(rows['b.yaml'].holdout, null);
  assert.ok(rows['b.yaml'].tokens > rows['a.yaml'].tokens, 'b ran more trials and an evolve session');
  assert.equal(rows['b.yaml'].cost_usd, 0); // scripted models: priced at nothing
  const bState = readJson(join(dir, 'runs', 'b', 'state.json'));
  assert.equal(bState.config.experiment.file, b);

  // Rerun: both finished, both skipped, nothing evaluated again.
  const again = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml', '--out', 'table'], { env, cwd: dir });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /a\.yaml → runs\/a: finished, skipped/);
  assert.match(again.stderr, /b\.yaml → runs\/b: finished, skipped/);
  assert.equal(readJson(join(dir, 'runs', 'b', 'state.json')).created_at, bState.created_at);
  assert.equal(existsSync(join(dir, 'runs', 'b', 'iterations', '2')), false);

  // The file now asks for one more iteration (a key --resume may change): b is resumed, a still skipped.
  writeFileSync(b, 'extends: shared/base.yaml\niterations: 2\nout: runs/b\n');
  const more = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml', '--out', 'table'], {
    env,
    cwd: dir,
    timeoutMs: TIMEOUT,
  });
  assert.equal(more.exitCode, 0, more.stderr);
  assert.match(more.stderr, /a\.yaml → runs\/a: finished, skipped/);
  assert.match(more.stderr, /b\.yaml → runs\/b: resuming/);
  assert.equal(rowsOf(join(dir, 'table'))['b.yaml'].iterations.done, 2);

  // The run records its model file absolute: it is resumed, estimated and ablated from any directory.
  const state = readFileSync(join(dir, 'runs', 'b', 'state.json'), 'utf8');
  assert.equal(JSON.parse(state).config.model, `scripted:${join(dir, 'coding-agent.script.yaml')}`);
  const elsewhere = mkdtempSync(join(tmpdir(), 'ahe-experiments-elsewhere-'));
  const estimate = await runCli(
    ['evolve', '--resume', join(dir, 'runs', 'b'), '--iterations', '4', '--estimate-only'],
    { env, cwd: elsewhere },
  );
  assert.equal(estimate.exitCode, 0, estimate.stderr);
  assert.match(estimate.stderr, /estimating with iterations 2 → 4/);
  assert.match(estimate.stderr, /iterations 2–4 left of 4/);
  assert.match(estimate.stderr, /coding +scripted:\/.*coding-agent\.script\.yaml: \d+ trials.*~\$0\.0000/);
  // An estimate changes nothing: the run is as it was, and nothing ran.
  assert.equal(readFileSync(join(dir, 'runs', 'b', 'state.json'), 'utf8'), state);
  assert.equal(existsSync(join(dir, 'runs', 'b', 'iterations', '3')), false);
  const ablate = await runCli(['ablate', join(dir, 'runs', 'b'), '--estimate-only'], { env, cwd: elsewhere });
  assert.equal(ablate.exitCode, 0, ablate.stderr);

  // Every file's models are checked before the first experiment spends anything.
  writeFileSync(join(dir, 'c.yaml'), 'extends: shared/base.yaml\niterations: 0\nout: runs/c\n');
  writeFileSync(join(dir, 'd.yaml'), 'extends: shared/base.yaml\nmodel: openai:gpt-5.4\nout: runs/d\n');
  const unkeyed = await runCli(['experiments', 'run', 'c.yaml', 'd.yaml'], {
    env: { ...env, OPENAI_API_KEY: undefined },
    cwd: dir,
  });
  assert.equal(unkeyed.exitCode, 2, unkeyed.stderr);
  assert.match(unkeyed.stderr, /experiment 2\/2 d\.yaml: checking/);
  assert.match(unkeyed.stderr, /OPENAI_API_KEY is not set/);
  assert.doesNotMatch(unkeyed.stderr, /starting/);
  assert.equal(existsSync(join(dir, 'runs', 'c')), false);

  // A file whose out holds a run with other fixed settings is refused before anything runs.
  writeFileSync(b, 'extends: shared/base.yaml\niterations: 2\nk: 2\nout: runs/b\n');
  const clash = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml'], { env, cwd: dir });
  assert.equal(clash.exitCode, 2);
  assert.match(clash.stderr, /b\.yaml: out runs\/b holds a run with other settings: -k \(recorded 1, given 2\)/);
  // Two experiments into one directory are refused too.
  writeFileSync(b, 'extends: shared/base.yaml\nout: runs/a\n');
  const same = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml'], { env, cwd: dir });
  assert.equal(same.exitCode, 2);
  assert.match(same.stderr, /a\.yaml and b\.yaml both run into runs\/a: give each experiment its own out/);
});

test('experiments run: Ctrl-C stops cleanly with the table written; the same command continues', {
  skip,
  timeout: TIMEOUT,
}, async () => {
  const { dir, env } = demoWithBase();
  writeFileSync(join(dir, 'a.yaml'), 'extends: shared/base.yaml\niterations: 2\nout: runs/a\n');
  writeFileSync(join(dir, 'b.yaml'), 'extends: shared/base.yaml\niterations: 0\nout: runs/b\n');
  const args = [BIN, 'experiments', 'run', 'a.yaml', 'b.yaml'];
  const child = execa('node', args, { cwd: dir, env, reject: false, timeout: TIMEOUT });
  // Interrupt once the first experiment's seed evaluation has started.
  const started = join(dir, 'runs', 'a', 'iterations', '0');
  for (let waited = 0; !existsSync(started) && waited < TIMEOUT - 30_000; waited += 200)
    await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGINT');
  const stopped = await child;
  assert.equal(stopped.exitCode, 130, String(stopped.stderr));
  assert.match(String(stopped.stderr), /ahe: interrupted; continue with: ahe experiments run a\.yaml b\.yaml/);
  assert.equal(existsSync(join(dir, 'runs', 'b')), false, 'nothing after the interrupted experiment');
  assert.equal(rowsOf(dir)['a.yaml'].status, 'in progress');
  assert.equal(rowsOf(dir)['b.yaml'].status, 'not started');
  const resumed = await runCli(['experiments', 'run', 'a.yaml', 'b.yaml'], { env, cwd: dir, timeoutMs: TIMEOUT });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.match(resumed.stderr, /a\.yaml → runs\/a: resuming/);
  assert.match(resumed.stderr, /b\.yaml → runs\/b: starting/);
  const rows = rowsOf(dir);
  assert.equal(rows['a.yaml'].stop_reason, 'all 2 iterations done');
  assert.equal(rows['b.yaml'].stop_reason, 'all 0 iterations done');
});

test("the table gives an adaptive run's train score that carries earlier outcomes no interval, and says how many were carried", () => {
  const row = (final: ExperimentRow['final_train']): ExperimentRow => ({
    file: 'a.yaml',
    out: 'runs/a',
    status: 'finished',
    method: 'ahe',
    model: 'm',
    evolve_model: 'm',
    iterations: { done: 2, planned: 2 },
    final_train: final,
    best_train: { iteration: 0, pass_at_1: 2 / 3, ci95: [0.3, 0.903] },
    holdout: null,
    tokens: 0,
    cost_usd: 0,
    stop_reason: 'all 2 iterations done',
  });
  const table = renderComparison([
    row({ iteration: 2, pass_at_1: 2 / 3, ci95: [0.3, 0.903], carried_tasks: 4, n_tasks: 6 }),
  ]);
  assert.match(table, /\| 66\.7%\* \(4 of 6 tasks carried\) @2 \| 66\.7% \(30\.0%–90\.3%\) @0 \|/);
});
