// The evolve loop judges only complete evaluations. A trial lost by the executor (as the queue loses a
// job) is run again a bounded number of times; if it stays lost, the run stops at that evaluation —
// no stats, attribution, gate or best harness computed from it — and --resume finishes the run as if
// nothing had happened. A model that cannot be reached stops the run the same way instead of scoring 0%.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import type { TrialExecutor } from '../../src/bench/run-job.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import { RunStoppedError } from '../../src/errors.ts';
import { EvaluationIncompleteError } from '../../src/evolve/evaluate-harness.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { loadRunState } from '../../src/evolve/run-state.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function setup(overrides: Partial<EvolveConfig> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-complete-'));
  const demo = makeDemo(dir);
  const config: EvolveConfig = demoEvolveConfig(demo, { iterations: 1, ...overrides });
  return { runDir: join(dir, 'run'), config };
}

/** Runs trials here, but loses `trial` of iteration `iteration` (the executor throws) `times` times. */
function losing(iteration: number, trial: string, times: number): { execute: TrialExecutor; lost: () => number } {
  let lost = 0;
  const execute: TrialExecutor = async (o, hooks) => {
    if (o.jobDir.includes(`/iterations/${iteration}/`) && `${o.task.name}__${o.attempt}` === trial && lost < times) {
      lost += 1;
      throw new Error('the queue lost this trial (Redis restarted without persistence)');
    }
    hooks.onStart();
    return runTrial(o);
  };
  return { execute, lost: () => lost };
}

test('a trial lost for good stops the run at that evaluation, judging nothing; --resume finishes it with the verdict of a whole evaluation', {
  skip,
}, async () => {
  const { runDir, config } = setup();
  const it = (file: string) => join(runDir, 'iterations', '1', file);
  const executor = losing(1, 'top-words__1', Number.POSITIVE_INFINITY);
  const logs: string[] = [];
  const error = await runEvolve({
    runDir,
    config,
    executeTrial: executor.execute,
    evaluationRetries: 2,
    log: (l) => logs.push(l),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof EvaluationIncompleteError, String(error));
  assert.match(
    error.message,
    /^iteration 1: training evaluation: still incomplete after 3 tries, 1 trial\(s\) without a measured result \(top-words__1\) — nothing was judged on it; the run is saved: continue with ahe evolve --resume /,
  );
  assert.deepEqual(error.missingTrials, ['top-words__1']);
  assert.equal(executor.lost(), 3, 'one run and two bounded retries');
  assert.equal(logs.filter((l) => /running them again/.test(l)).length, 2);
  const state = loadRunState(runDir);
  assert.deepEqual([state.iteration, state.step], [1, 'evaluate'], 'stopped at the evaluation, resumable');
  assert.equal(state.best?.iteration, 0);
  for (const file of ['stats.json', 'attribution.json', 'gate.json'])
    assert.equal(existsSync(it(file)), false, `${file} must not be computed from an incomplete evaluation`);

  const done = await runEvolve({ runDir });
  assert.equal(done.step, 'done');
  assert.equal(readJson(it('job/result.json')).tasks['top-words'].c, 1);
  assert.deepEqual(readJson(it('job/result.json')).missing_trials, []);
  assert.deepEqual(
    readJson(it('attribution.json')).changes.map((c: { id: string; verdict: string }) => [c.id, c.verdict]),
    [['check-stated-rules', 'EFFECTIVE']],
  );
  assert.equal(done.best?.iteration, 1);
});

test('a trial lost once is run again within the step; the evaluation is judged whole', { skip }, async () => {
  const { runDir, config } = setup({ iterations: 0 });
  const executor = losing(0, 'top-words__1', 1);
  const state = await runEvolve({ runDir, config, executeTrial: executor.execute });
  assert.equal(executor.lost(), 1);
  assert.equal(state.step, 'done');
  const result = readJson(join(runDir, 'iterations', '0', 'job', 'result.json'));
  const nTasks = readdirSync(config.tasks).length;
  assert.equal(result.n_tasks, nTasks);
  assert.deepEqual(result.missing_trials, []);
  assert.equal(readJson(join(runDir, 'iterations', '0', 'stats.json')).train.n_tasks, nTasks);
});

test('an unreachable model stops the run after N infrastructure errors in a row, resumably, with no 0% recorded', {
  skip,
}, async () => {
  const url = await closedPortUrl();
  const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };
  process.env.OPENAI_API_KEY = 'sk-test';
  process.env.OPENAI_BASE_URL = url;
  try {
    const { runDir, config } = setup({ model: 'openai:gpt-5', concurrency: 1 });
    const error = await runEvolve({ runDir, config, maxRetries: 0, maxConsecutiveInfraFailures: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof EvaluationIncompleteError, String(error));
    assert.match(
      error.message,
      /^iteration 0: training evaluation: stopped after 2 infrastructure errors in a row \(last: ModelConnectionError: cannot reach openai at .*ECONNREFUSED.*\); fix the model or provider — nothing was judged on it; the run is saved: continue with ahe evolve --resume /,
    );
    const state = loadRunState(runDir);
    assert.deepEqual([state.iteration, state.step, state.best ?? null], [0, 'evaluate', null]);
    assert.equal(existsSync(join(runDir, 'iterations', '0', 'stats.json')), false);
    const result = readJson(join(runDir, 'iterations', '0', 'job', 'result.json'));
    assert.equal(result.n_tasks, 0, 'no task was measured, so there is no pass rate to report');
    assert.equal(result.exceptions.InfrastructureError, 2);
  } finally {
    for (const [k, v] of [
      ['OPENAI_API_KEY', saved.key],
      ['OPENAI_BASE_URL', saved.base],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('an unreachable evolve model stops the run resumably at the evolve step (no skipped iteration); --resume with a healthy model finishes it, its spend counted once', {
  skip,
}, async () => {
  const saved = process.env.AHE_CHAOS_RATE;
  try {
    // Every evolve-model call fails as a provider's 500 after its retries.
    const { runDir, config } = setup();
    const demoScript = config.evolve_model.replace(/^scripted:/, '');
    config.evolve_model = `chaos:1:faults=server_error:scripted:${demoScript}`;
    const error = await runEvolve({ runDir, config }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof RunStoppedError, String(error));
    assert.match(
      error.message,
      /^iteration 0: the evolve agent's model \(chaos:1:.*\) could not be used: ModelUnavailableError: .*continue with: ahe evolve --resume /,
    );
    const stopped = loadRunState(runDir);
    assert.deepEqual([stopped.iteration, stopped.step], [0, 'evolve']);
    assert.equal(
      existsSync(join(runDir, 'iterations', '0', 'change_manifest.json')),
      false,
      'the iteration is not skipped: it runs again on resume',
    );
    const stoppedCalls = readJson(join(runDir, 'iterations', '0', 'usage.json')).evolver.calls;
    assert.ok(stoppedCalls >= 1, 'the failed attempt is in the ledger');
    process.env.AHE_CHAOS_RATE = '0';
    const state = await runEvolve({ runDir });
    assert.equal(state.step, 'done');
    assert.ok(readJson(join(runDir, 'iterations', '0', 'change_manifest.json')).changes.length >= 1);
    const evolver = readJson(join(runDir, 'iterations', '0', 'usage.json')).evolver;
    assert.ok(evolver.calls > stoppedCalls, 'the healthy attempt adds to the stopped one');
    assert.equal(state.ledger.evolver.calls, evolver.calls);
  } finally {
    if (saved === undefined) delete process.env.AHE_CHAOS_RATE;
    else process.env.AHE_CHAOS_RATE = saved;
  }
});
