// `ahe evolve --resume RUN` with flags: how far and how fast a run goes may change (and extends a
// finished run); what it measures may not, and is refused by name. One table says which is which.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { compareResumeFlags, EVOLVE_FLAGS } from '../../src/cli/evolve-flags.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { UserError } from '../../src/errors.ts';
import {
  createRunState,
  extendRun,
  iterationDir,
  loadRunState,
  saveRunState,
  stopRun,
} from '../../src/evolve/run-state.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveArgs } from '../support/demo-evolve.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-evolve-resume-'));
const BIN = fileURLToPath(new URL('../../bin/ahe.js', import.meta.url));

const config = {
  harness: '/h',
  tasks: '/t',
  holdout: null,
  model: 'openai:gpt-5',
  evolve_model: 'openai:gpt-5',
  debug_model: null,
  iterations: 2,
  k: 2,
  concurrency: 4,
  holdout_every: 5,
  budget_usd: 10,
  budget_tokens: null,
  budget_minutes: null,
  timeout_multiplier: 1,
  backend: 'bwrap' as const,
  task_include: [],
  task_exclude: [],
  n_tasks: null,
  sample_seed: null,
  holdout_include: [],
  holdout_exclude: [],
  holdout_n_tasks: null,
  holdout_sample_seed: null,
  evolve_max_steps: null,
  evolve_max_minutes: null,
  reasoning_effort: null,
  evolve_reasoning_effort: null,
  debug_reasoning_effort: null,
  fallback_model: null,
  evolve_fallback_model: null,
  debug_fallback_model: null,
  method: 'ahe' as const,
  evolvers: 1,
  evolver_hints: [],
  target_pass_rate: null,
  eval_policy: 'fixed' as const,
  review_kept: false,
  experiment: null,
};

test('every flag of ahe evolve is in the resume table, as changeable, fixed, or of one invocation', () => {
  const evolve = buildProgram().commands.find((c) => c.name() === 'evolve')!;
  const names = evolve.options.map((o) => o.attributeName()).sort();
  const missing = names.filter((n) => !(n in EVOLVE_FLAGS));
  assert.deepEqual(
    missing,
    [],
    `add these ahe evolve flags to EVOLVE_FLAGS in src/cli/evolve-flags.ts: ${missing.join(', ')}`,
  );
  assert.deepEqual(Object.keys(EVOLVE_FLAGS).sort(), names, 'EVOLVE_FLAGS lists a flag ahe evolve does not have');
  for (const [name, rule] of Object.entries(EVOLVE_FLAGS)) {
    const option = evolve.options.find((o) => o.attributeName() === name)!;
    assert.ok(option.long === rule.flag || option.short === rule.flag, `${name}: flag ${rule.flag}`);
    if (rule.rule !== 'invocation')
      assert.ok(
        rule.key && rule.key in config,
        `${rule.flag}: recorded as ${rule.key}, which the run config does not have`,
      );
  }
  const changeable = Object.values(EVOLVE_FLAGS)
    .filter((r) => r.rule === 'changeable')
    .map((r) => r.flag)
    .sort();
  assert.deepEqual(changeable, [
    '--budget-minutes',
    '--budget-tokens',
    '--budget-usd',
    '--concurrency',
    '--debug-fallback-model',
    '--evolve-fallback-model',
    '--evolve-max-minutes',
    '--evolve-max-steps',
    '--evolver-hints',
    '--evolvers',
    '--fallback-model',
    '--iterations',
    '--target-pass-rate',
  ]);
});

test('given flags are compared with the recorded config: same values pass, changeable ones change, fixed ones are refused by name', () => {
  assert.deepEqual(
    compareResumeFlags({ model: 'openai:gpt-5', tasks: '/t', k: 2, quiet: true, prices: 'p.yaml' }, config),
    { changes: {}, refused: [] },
  );
  assert.deepEqual(compareResumeFlags({ iterations: 5, budgetUsd: 20, concurrency: 8 }, config), {
    changes: { iterations: 5, budget_usd: 20, concurrency: 8 },
    refused: [],
  });
  const { refused } = compareResumeFlags(
    { model: 'openai:gpt-5-mini', k: 3, tasks: 'tasks/train', debugModel: 'none', iterations: 4 },
    config,
  );
  assert.deepEqual(refused, [
    '--model (recorded "openai:gpt-5", given "openai:gpt-5-mini")',
    '-k (recorded 2, given 3)',
    `--tasks (recorded "/t", given ${JSON.stringify(resolve('tasks/train'))})`,
  ]);
  // A run recorded before model files were made absolute holds the spec as typed: the same file given
  // (made absolute by the flag's parser) from the directory the run was started in is the same model.
  const old = { ...config, model: 'scripted:coder.yaml' };
  assert.deepEqual(compareResumeFlags({ model: `scripted:${resolve('coder.yaml')}` }, old).refused, []);
  assert.equal(compareResumeFlags({ model: 'scripted:/elsewhere/coder.yaml' }, old).refused.length, 1);
});

test('extendRun reopens a run that did all its iterations at its last evolve step, and refuses to go below the current iteration', () => {
  const runDir = tmp();
  let state = createRunState(config);
  state = stopRun({ ...state, iteration: 2, step: 'debug' }, 'all 2 iterations done');
  saveRunState(runDir, state);
  // More budget alone does not reopen a run that did all its iterations.
  assert.equal(extendRun(runDir, { budget_usd: 20 }).state.step, 'done');
  const { state: extended, changed } = extendRun(runDir, { iterations: 4 });
  assert.deepEqual(changed, ['iterations 2 → 4']);
  assert.equal(extended.step, 'evolve');
  assert.equal(extended.iteration, 2);
  assert.equal(extended.stopped, undefined);
  assert.equal(loadRunState(runDir).config.iterations, 4);
  assert.throws(
    () => extendRun(runDir, { iterations: 1 }),
    (e: Error) => e instanceof UserError && /--iterations 1: the run is already at iteration 2/.test(e.message),
  );

  // A run stopped by a budget (written before stopped.step existed) reopens where it stopped.
  const budgetRun = tmp();
  saveRunState(budgetRun, {
    ...createRunState(config),
    iteration: 1,
    step: 'done',
    stopped: { reason: 'cost budget reached: $10.00 of $10' },
  });
  mkdirSync(iterationDir(budgetRun, 1), { recursive: true });
  assert.equal(extendRun(budgetRun, { budget_usd: 50 }).state.step, 'evaluate');
});

test('the CLI: a run stopped by its time budget is extended by --resume --budget-minutes and finishes; other settings are refused by name', {
  skip,
}, async () => {
  const dir = tmp();
  const demo = makeDemo(dir);
  const run = join(dir, 'run');
  const args = demoEvolveArgs(demo, { out: run, iterations: 3, concurrency: 3 });
  const stopped = await runCli([...args, '--budget-minutes', '0.0001', '--quiet'], { timeoutMs: 120_000 });
  assert.equal(stopped.exitCode, 0, stopped.stderr);
  assert.match(stopped.stdout, /Stopped: time budget reached/);
  assert.equal(existsSync(join(run, 'iterations', '0', 'job')), false);

  const refused = await runCli([
    'evolve',
    '--resume',
    run,
    '--model',
    'scripted:other.yaml',
    '-k',
    '2',
    '--iterations',
    '4',
  ]);
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /^ahe: --resume .*: --model \(recorded "scripted:.*", given "scripted:.*\/other\.yaml"\), -k \(recorded 1, given 2\) cannot change when a run is resumed \(only --iterations, --concurrency, --budget-usd, --budget-tokens, --budget-minutes, --evolve-max-steps, --evolve-max-minutes, --fallback-model, --evolve-fallback-model, --debug-fallback-model, --evolvers, --evolver-hints, --target-pass-rate can\); start a new run with --out for other settings$/m,
  );
  assert.doesNotMatch(refused.stderr, STACK_LINE);
  assert.equal(
    JSON.parse(readFileSync(join(run, 'state.json'), 'utf8')).config.iterations,
    3,
    'a refused resume changes nothing',
  );

  // The form shared with ahe eval: --out RUN --resume (--resume RUN above and in evolve.test.ts).
  const resumed = await runCli(['evolve', '--out', run, '--resume', '--budget-minutes', '600', '--quiet'], {
    timeoutMs: 180_000,
  });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming with budget_minutes 0\.0001 → 600/);
  assert.match(resumed.stdout, /check-stated-rules EFFECTIVE/);
  assert.match(resumed.stdout, /Stopped: all 3 iterations done\./);
});

test('the CLI: Ctrl-C during a run says how to continue it (--resume), and that continues it', { skip }, async () => {
  const dir = tmp();
  const demo = makeDemo(dir);
  const run = join(dir, 'run');
  const child = execa('node', [BIN, ...demoEvolveArgs(demo, { out: run, iterations: 1, concurrency: 1 })], {
    reject: false,
    stdin: 'ignore',
    env: { OPENAI_API_KEY: undefined },
  });
  // Interrupted once the run exists (its state is saved before the first evaluation starts).
  while (!existsSync(join(run, 'iterations', '0')) && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  const stopped = await child;
  assert.equal(stopped.exitCode, 130, String(stopped.stderr));
  assert.match(
    String(stopped.stderr),
    /ahe: interrupted — tearing down running trials; finished work is kept \(continue with: ahe evolve --resume .*run; Ctrl-C again/,
  );
  assert.doesNotMatch(String(stopped.stderr), /run the same command again/);
  const resumed = await runCli(['evolve', '--resume', run, '--quiet'], { timeoutMs: 180_000 });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
});
