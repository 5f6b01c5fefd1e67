// RUN/state.json: round trip, step order across iterations, errors that name the file and field,
// no credentials in the config, atomic writes.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import {
  addUsage,
  advance,
  completeStep,
  createRunState,
  iterationDir,
  loadRunState,
  type RunState,
  saveRunState,
  stopRun,
} from '../../src/evolve/run-state.ts';

const config = {
  harness: 'harnesses/seed',
  tasks: 'tasks/train',
  model: 'openai:gpt-5.4',
  iterations: 10,
  k: 2,
  budget_usd: 50,
};
const NOW = new Date('2026-05-01T10:00:00.000Z');
const runDir = () => mkdtempSync(join(tmpdir(), 'ahe-state-'));

test('a new state round-trips through state.json unchanged', () => {
  const dir = runDir();
  let state = createRunState(config, NOW);
  state = addUsage(state, 'coding', {
    prompt_tokens: 1200,
    completion_tokens: 300,
    cached_tokens: 1000,
    cost_usd: 0.012,
  });
  state = addUsage(state, 'coding', { prompt_tokens: 800, completion_tokens: 100, cost_usd: 0.008 });
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
    prompt_tokens: 2000,
    completion_tokens: 400,
    cached_tokens: 1000,
    cost_usd: 0.02,
  });
  assert.deepEqual(loaded.ledger.evolver, {
    calls: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_tokens: 0,
    cost_usd: 0,
  });
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temporary file left behind');
  assert.equal(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).step, 'evaluate');
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

  const good = JSON.parse(JSON.stringify(createRunState(config, NOW)));
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
  assert.throws(() => createRunState({ ...config, api_key: 'x' }), /config\.api_key: looks like a credential/);
  assert.throws(
    () => createRunState({ ...config, model_options: { headers: { Authorization: 'Bearer x' } } }),
    /config\.model_options\.headers\.Authorization/,
  );
  assert.throws(
    () => createRunState({ ...config, note: 'sk-proj-abcdefghijklmnopqrstuvwx' }),
    /config\.note: looks like a credential/,
  );
  const dir = runDir();
  const state = createRunState(config, NOW);
  assert.throws(
    () => saveRunState(dir, { ...state, config: { ...state.config, openai_api_key: 'sk-x' } }),
    /refusing to save an invalid run state: config\.openai_api_key/,
  );
  assert.deepEqual(readdirSync(dir), [], 'nothing written');
});

test('iterationDir is RUN/iterations/<n>', () => {
  assert.equal(iterationDir('/runs/x', 3), join('/runs/x', 'iterations', '3'));
});
