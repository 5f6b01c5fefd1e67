// RUN/state.json: round trip, step order across iterations, errors that name the file and field,
// no credentials in the config, atomic writes; the config validated by its schema; runs written by
// ahe 0.2.0 (test/evolve/fixtures/run-0.2.0) still load and resume.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/errors.ts';
import type { EvolveConfig } from '../../src/evolve/evolve-config.ts';
import {
  ledgerFromIterations,
  readIterationUsage,
  readSpendFile,
  recordIterationUsage,
  usageFile,
} from '../../src/evolve/iteration-usage.ts';
import {
  addToLedger,
  advance,
  completeStep,
  createRunState,
  extendRun,
  iterationDir,
  loadRunState,
  type RunState,
  RunStateSchema,
  saveRunState,
  stopRun,
} from '../../src/evolve/run-state.ts';
import { writeRunSummary } from '../../src/evolve/run-summary.ts';
import { ZERO_SPEND } from '../../src/model/usage.ts';

const config: EvolveConfig = {
  harness: '/work/harnesses/seed',
  tasks: '/work/tasks/train',
  holdout: null,
  model: 'openai:gpt-5.4',
  evolve_model: 'openai:gpt-5.4',
  debug_model: null,
  iterations: 10,
  k: 2,
  concurrency: 4,
  holdout_every: 5,
  budget_usd: 50,
  budget_tokens: null,
  budget_minutes: null,
  timeout_multiplier: 1,
};
/** The keys added after 0.2.0, as a config that does not give them records them. */
const ADDED_DEFAULTS = {
  backend: 'bwrap',
  task_include: [],
  task_exclude: [],
  n_tasks: null,
  sample_seed: null,
  holdout_include: [],
  holdout_exclude: [],
  holdout_n_tasks: null,
  holdout_sample_seed: null,
  reasoning_effort: null,
  evolve_reasoning_effort: null,
  debug_reasoning_effort: null,
  evolve_max_steps: null,
  evolve_max_minutes: null,
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
const spend = (s: Partial<typeof ZERO_SPEND>) => ({ ...ZERO_SPEND, calls: 1, ...s });
const NOW = new Date('2026-05-01T10:00:00.000Z');
const runDir = () => mkdtempSync(join(tmpdir(), 'ahe-state-'));

test('a new state round-trips through state.json unchanged', () => {
  const dir = runDir();
  let state = createRunState(config, NOW);
  state = addToLedger(
    state,
    'coding',
    spend({ promptTokens: 1200, completionTokens: 300, cachedTokens: 1000, costUsd: 0.012 }),
  );
  state = addToLedger(state, 'coding', spend({ promptTokens: 800, completionTokens: 100, costUsd: 0.008 }));
  state = { ...state, best: { iteration: 0, pass_at_1: 0.4, ref: 'iter-0' } };
  state = {
    ...state,
    rollbacks: [
      {
        iteration: 2,
        change_id: 'long-memory',
        commit: 'a'.repeat(40),
        revert: 'b'.repeat(40),
        reason: 'HARMFUL',
        method: 'revert',
      },
    ],
  };
  saveRunState(dir, state);
  const loaded = loadRunState(dir);
  assert.deepEqual(loaded, state);
  assert.equal(loaded.created_at, '2026-05-01T10:00:00.000Z');
  assert.deepEqual(loaded.ledger.coding, {
    calls: 2,
    promptTokens: 2000,
    completionTokens: 400,
    cachedTokens: 1000,
    costUsd: 0.02,
  });
  assert.deepEqual(loaded.ledger.evolver, ZERO_SPEND);
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temporary file left behind');
  const onDisk = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  assert.equal(onDisk.step, 'evaluate');
  // The file keeps the snake_case names it has always had.
  assert.deepEqual(onDisk.ledger.coding, {
    calls: 2,
    prompt_tokens: 2000,
    completion_tokens: 400,
    cached_tokens: 1000,
    cost_usd: 0.02,
  });
  assert.deepEqual(onDisk.config, { ...config, ...ADDED_DEFAULTS });
});

test('steps run in order within an iteration; evolve leads to the next iteration', () => {
  let state: RunState = createRunState(config, NOW);
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) {
    seen.push(`${state.iteration}:${state.step}`);
    state = advance(state, state.step);
  }
  assert.deepEqual(seen, [
    '0:evaluate',
    '0:holdout',
    '0:stats',
    '0:attribution',
    '0:gate',
    '0:debug',
    '0:evolve',
    '1:evaluate',
  ]);
  assert.equal(state.iteration, 1);
  assert.throws(() => advance(state, 'gate'), /advance\(gate\): the run is at step holdout of iteration 1/);
  const stopped = stopRun(state, 'cost budget reached: $50.12 of $50');
  assert.equal(stopped.step, 'done');
  assert.deepEqual(stopped.stopped, { reason: 'cost budget reached: $50.12 of $50', step: 'holdout' }); // where it stopped, for extending it
  assert.throws(() => advance(stopped, 'done'), /the run has finished/);
});

test('completeStep saves the next step, so a crash after it resumes there', () => {
  const dir = runDir();
  const state = createRunState(config, NOW);
  saveRunState(dir, state);
  // A crash here (outputs of evaluate written, step not recorded) resumes at evaluate again.
  assert.equal(loadRunState(dir).step, 'evaluate');
  completeStep(dir, state, 'evaluate');
  assert.equal(loadRunState(dir).step, 'holdout');
});

test('a damaged or foreign state.json is a UserError naming the file and the field', () => {
  const dir = runDir();
  const file = join(dir, 'state.json');
  assert.throws(
    () => loadRunState(dir),
    (e: Error) =>
      e instanceof UserError && e.message === `${dir} is not an ahe run (or it never started): ${file} is missing`,
  );

  writeFileSync(file, '{"version": 1, "created_at": "2026-05');
  assert.throws(
    () => loadRunState(dir),
    (e: Error) => e instanceof UserError && e.message.startsWith(`${file} is damaged: `) && /JSON/.test(e.message),
  );

  const good = RunStateSchema.encode(createRunState(config, NOW));
  writeFileSync(
    file,
    JSON.stringify({
      ...good,
      step: 'lunch',
      ledger: { ...good.ledger, coding: { ...good.ledger.coding, calls: 'many' } },
    }),
  );
  assert.throws(
    () => loadRunState(dir),
    (e: Error) =>
      e instanceof UserError &&
      e.message.startsWith(`${file} is damaged:\n`) &&
      /^ {2}step: /m.test(e.message) &&
      /^ {2}ledger\.coding\.calls: /m.test(e.message),
  );

  writeFileSync(file, JSON.stringify({ ...good, version: 2 }));
  assert.throws(() => loadRunState(dir), new RegExp(`${file.replace(/[.]/g, '\\.')}: version 2 is not supported`));
});

test('credentials never enter state.json', () => {
  // The config has no field for one, and a key where a model spec belongs is refused by its look.
  const withKey = { ...config, api_key: 'x' } as EvolveConfig;
  assert.throws(() => createRunState(withKey), /config: Unrecognized key: "api_key"/);
  assert.throws(
    () => createRunState({ ...config, model: 'sk-proj-abcdefghijklmnopqrstuvwx' }),
    /config\.model: looks like a credential/,
  );
  const dir = runDir();
  const state = createRunState(config, NOW);
  assert.throws(
    () => saveRunState(dir, { ...state, config: { ...state.config, evolve_model: 'sk-ant-abcdefghijklmnopqrstuvwx' } }),
    /refusing to save an invalid run state: config\.evolve_model: looks like a credential/,
  );
  assert.throws(
    () => saveRunState(dir, { ...state, config: { ...state.config, api_key: 'x' } as RunState['config'] }),
    /refusing to save an invalid run state: .*config: Unrecognized key: "api_key"/,
  );
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
});

test('a malformed config in state.json is refused on resume, naming the file and each field', () => {
  const dir = runDir();
  const file = join(dir, 'state.json');
  const good = RunStateSchema.encode(createRunState(config, NOW));
  const { timeout_multiplier: _dropped, ...missing } = good.config;
  writeFileSync(
    file,
    JSON.stringify({ ...good, config: { ...missing, k: '2', holdout: 7, budget_usd: -1, colour: 'blue' } }),
  );
  assert.throws(
    () => loadRunState(dir),
    (e: Error) =>
      e instanceof UserError &&
      e.message.startsWith(`${file} is damaged:\n`) &&
      /^ {2}config\.k: .*expected number/m.test(e.message) &&
      /^ {2}config\.holdout: /m.test(e.message) &&
      /^ {2}config\.budget_usd: /m.test(e.message) &&
      /^ {2}config\.timeout_multiplier: .*expected number/m.test(e.message) &&
      /^ {2}config: Unrecognized key: "colour"/m.test(e.message),
  );
  // A change on --resume that the schema refuses is a UserError too, and nothing is saved.
  saveRunState(dir, createRunState(config, NOW));
  const before = readFileSync(file, 'utf8');
  assert.throws(
    () => extendRun(dir, { iterations: 2.5 }),
    (e: Error) => e instanceof UserError && e.message.includes(`${file}: config.iterations: `),
  );
  assert.equal(readFileSync(file, 'utf8'), before);
});

test('a run written by ahe 0.2.0 loads, keeps its ledger, and resumes with a changed budget', () => {
  const fixture = fileURLToPath(new URL('fixtures/run-0.2.0', import.meta.url));
  const dir = runDir();
  cpSync(fixture, dir, { recursive: true });
  const state = loadRunState(dir);
  assert.equal(state.config.model, 'openai:gpt-5.4');
  assert.equal(state.config.holdout, '/work/tasks/holdout');
  assert.deepEqual(state.ledger.coding, {
    calls: 16,
    promptTokens: 470_000,
    completionTokens: 17_000,
    cachedTokens: 290_000,
    costUsd: 2.45,
  });
  assert.deepEqual(state.stopped, { reason: 'cost budget reached: $4.95 of $4', step: 'evaluate' });
  // Its per-iteration usage.json files sum to the ledger it recorded.
  assert.deepEqual(ledgerFromIterations(dir, state.iteration), state.ledger);
  assert.deepEqual(readSpendFile(join(iterationDir(dir, 0), 'evolve', 'stopped-usage.json')), {
    calls: 3,
    promptTokens: 50_000,
    completionTokens: 1000,
    cachedTokens: 0,
    costUsd: 0.4,
  });
  // The run summary writes the ledger and each iteration's usage with the names the files always had.
  writeRunSummary(dir, state);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.ledger, JSON.parse(readFileSync(join(fixture, 'state.json'), 'utf8')).ledger);
  // Written before --method existed: evolved by ahe, and the summary says so.
  assert.equal(summary.method, 'ahe');
  assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /^Method: ahe$/m);
  assert.deepEqual(
    summary.iterations.map((r: { usage: unknown }) => r.usage),
    [0, 1].map((n) => JSON.parse(readFileSync(usageFile(fixture, n), 'utf8'))),
  );
  const { state: extended, changed } = extendRun(dir, { budget_usd: 10 });
  assert.deepEqual(changed, ['budget_usd 4 → 10']);
  assert.equal(extended.step, 'evaluate');
  assert.equal(extended.config.budget_usd, 10);
  // An old run has the defaults of the keys added since (it ran on bwrap, on every task).
  assert.equal(state.config.backend, 'bwrap');
  assert.deepEqual(state.config.task_include, []);
  // Saved again, the file differs only where the run changed, and gains those defaults.
  const written = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  const original = JSON.parse(readFileSync(join(fixture, 'state.json'), 'utf8'));
  const { stopped: _stopped, ...rest } = original;
  assert.deepEqual(written, {
    ...rest,
    step: 'evaluate',
    config: { ...original.config, budget_usd: 10, ...ADDED_DEFAULTS },
  });
});

test('usage.json: the entry of a role is replaced, not added twice; a damaged file names the file and field', () => {
  const dir = runDir();
  recordIterationUsage(dir, 0, 'coding', spend({ promptTokens: 10 }));
  recordIterationUsage(dir, 0, 'evolver', spend({ completionTokens: 5, costUsd: 0.5 }));
  recordIterationUsage(dir, 0, 'coding', spend({ promptTokens: 30, calls: 2 }));
  assert.deepEqual(readIterationUsage(dir, 0).coding, spend({ promptTokens: 30, calls: 2 }));
  assert.deepEqual(JSON.parse(readFileSync(usageFile(dir, 0), 'utf8')).evolver, {
    calls: 1,
    prompt_tokens: 0,
    completion_tokens: 5,
    cached_tokens: 0,
    cost_usd: 0.5,
  });
  recordIterationUsage(dir, 1, 'coding', spend({ promptTokens: 5 }));
  assert.deepEqual(ledgerFromIterations(dir, 1).coding, spend({ promptTokens: 35, calls: 3 }));
  assert.deepEqual(readIterationUsage(dir, 7), {});
  writeFileSync(usageFile(dir, 1), JSON.stringify({ coding: { calls: 1, prompt_tokens: 'lots' } }));
  assert.throws(
    () => ledgerFromIterations(dir, 1),
    (e: Error) =>
      e instanceof UserError &&
      e.message.startsWith(`${usageFile(dir, 1)} is damaged: `) &&
      e.message.includes('coding.prompt_tokens: '),
  );
});

test('iterationDir is RUN/iterations/<n>', () => {
  assert.equal(iterationDir('/runs/x', 3), join('/runs/x', 'iterations', '3'));
});
