// The evolve loop never compares evaluations whose shares of fallback-model trials differ: the training
// evaluation that differs from the previous (or best) one is treated as incomplete — its fallback trials
// moved aside, the run stopped resumably before stats, attribution and gate — and --resume runs them again.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { type JobSummary, readJobTrials } from '../../src/bench/job-summary.ts';
import type { TrialExecutor } from '../../src/bench/run-job.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import { ModelUnavailableError } from '../../src/errors.ts';
import { EvaluationIncompleteError } from '../../src/evolve/evaluate-harness.ts';
import { fallbackShareMismatch } from '../../src/evolve/fallback-shares.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { loadRunState } from '../../src/evolve/run-state.ts';
import { withFallback } from '../../src/model/fallback-model.ts';
import type { Model } from '../../src/model/types.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const summary = (n: number, fallback?: number) =>
  ({
    tasks: { a: { n, c: 0, rewards: [], exceptions: [] } },
    ...(fallback ? { n_fallback_trials: fallback } : {}),
  }) as unknown as JobSummary;

test('fallback shares: equal shares compare (none, or all), differing ones do not', () => {
  assert.equal(fallbackShareMismatch(summary(4), [{ label: 'iteration 0', summary: summary(4) }]), undefined);
  assert.equal(fallbackShareMismatch(summary(4, 4), [{ label: 'iteration 0', summary: summary(2, 2) }]), undefined);
  const m = fallbackShareMismatch(summary(4, 1), [
    { label: 'iteration 1', summary: summary(4, 1) },
    { label: 'iteration 0', summary: summary(4) },
  ]);
  assert.equal(m?.other.label, 'iteration 0');
  assert.equal(m?.current, 0.25);
  assert.equal(m?.share, 0);
  assert.equal(fallbackShareMismatch(summary(4), [{ label: 'iteration 0', summary: summary(4, 2) }])?.share, 0.5);
});

test('an iteration whose evaluation used the fallback is not compared with one that did not; --resume reruns those trials', {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-fallback-'));
  const demo = makeDemo(dir);
  const config: EvolveConfig = demoEvolveConfig(demo, { iterations: 1 });
  const runDir = join(dir, 'run');
  const it1 = (file: string) => join(runDir, 'iterations', '1', file);
  let outage = true;
  // During the outage, iteration 1's top-words trial gets a primary that is down: its fallback (the demo's
  // scripted model) answers, so the trial completes and is marked ahe.fallback_used.
  const execute: TrialExecutor = async (o, hooks) => {
    hooks.onStart();
    const inner = o.agent.newModel;
    if (outage && inner && o.jobDir.includes('/iterations/1/') && o.task.name === 'top-words') {
      const down: Model = {
        spec: 'openai:down',
        provider: 'openai',
        name: 'down',
        complete: async () => {
          throw new ModelUnavailableError('openai kept answering HTTP 500 after 4 retries');
        },
      };
      return runTrial({ ...o, agent: { ...o.agent, newModel: async () => withFallback(down, await inner()) } });
    }
    return runTrial(o);
  };
  const error = await runEvolve({ runDir, config, executeTrial: execute }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof EvaluationIncompleteError, String(error));
  assert.match(
    error.message,
    /^iteration 1: training evaluation: 1 of its measured trials used the fallback model \(16\.7%\), iteration 0's evaluation 0\.0%: evaluations of different models are not compared — nothing was judged on it; the run is saved; its fallback trials were moved aside to run again: continue with ahe evolve --resume /,
  );
  assert.deepEqual(error.missingTrials, ['top-words__1']);
  const state = loadRunState(runDir);
  assert.deepEqual([state.iteration, state.step], [1, 'evaluate'], 'stopped at the evaluation, resumable');
  for (const file of ['stats.json', 'attribution.json', 'gate.json'])
    assert.equal(existsSync(it1(file)), false, `${file} must not compare evaluations of different models`);
  const kept = readJson(it1('job/.replaced/top-words__1.1/result.json'));
  assert.equal(kept.ahe.fallback_used, true, 'the fallback trial is kept aside, not deleted');
  assert.equal(existsSync(it1('job/top-words__1')), false);

  outage = false;
  const done = await runEvolve({ runDir, executeTrial: execute });
  assert.equal(done.step, 'done');
  const job = readJson(it1('job/result.json'));
  assert.equal(job.n_fallback_trials, undefined, 'the rerun used the primary model');
  assert.deepEqual(job.missing_trials, []);
  assert.ok(existsSync(it1('attribution.json')), 'judged once the evaluations measure the same model');
  // What the trial moved aside spent is still in the ledger: it is not in the job's result any more.
  assert.ok(kept.agent_result.n_input_tokens > 0, 'the fallback trial spent tokens');
  const usage = readJson(it1('usage.json'));
  assert.equal(usage.coding.prompt_tokens, job.tokens.prompt + kept.agent_result.n_input_tokens);
  // Its model calls too (calls count model calls: the agents' steps, not trials).
  const steps = readJobTrials(it1('job')).trials.reduce((sum, t) => sum + (t.result.ahe?.steps ?? 0), 0);
  assert.ok(kept.ahe.steps > 0, 'the fallback trial made model calls');
  assert.equal(usage.coding.calls, steps + kept.ahe.steps);
});

test('a held-out evaluation that used the fallback is not compared with one that did not; --resume reruns those trials', {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-fallback-holdout-'));
  const demo = makeDemo(dir);
  const config: EvolveConfig = demoEvolveConfig(demo, { holdout: demo.tasks, iterations: 1, holdout_every: 1 });
  const runDir = join(dir, 'run');
  const it1 = (file: string) => join(runDir, 'iterations', '1', file);
  let outage = true;
  // During the outage, iteration 1's held-out top-words trial fails over to its fallback (the demo's model).
  const execute: TrialExecutor = async (o, hooks) => {
    hooks.onStart();
    const inner = o.agent.newModel;
    if (outage && inner && o.jobDir.includes('/iterations/1/holdout-job') && o.task.name === 'top-words') {
      const down: Model = {
        spec: 'openai:down',
        provider: 'openai',
        name: 'down',
        complete: async () => {
          throw new ModelUnavailableError('openai kept answering HTTP 500 after 4 retries');
        },
      };
      return runTrial({ ...o, agent: { ...o.agent, newModel: async () => withFallback(down, await inner()) } });
    }
    return runTrial(o);
  };
  const error = await runEvolve({ runDir, config, executeTrial: execute }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof EvaluationIncompleteError, String(error));
  assert.match(
    error.message,
    /^iteration 1: held-out evaluation: 1 of its measured trials used the fallback model \(16\.7%\), iteration 0's evaluation 0\.0%: evaluations of different models are not compared/,
  );
  assert.deepEqual(error.missingTrials, ['top-words__1']);
  const state = loadRunState(runDir);
  assert.deepEqual([state.iteration, state.step], [1, 'holdout'], 'stopped at the held-out evaluation, resumable');
  assert.equal(existsSync(it1('stats.json')), false, 'no held-out number recorded across different models');
  assert.equal(readJson(it1('holdout-job/.replaced/top-words__1.1/result.json')).ahe.fallback_used, true);
  assert.equal(existsSync(it1('holdout-job/top-words__1')), false);

  outage = false;
  const done = await runEvolve({ runDir, executeTrial: execute });
  assert.equal(done.step, 'done');
  const held = readJson(it1('holdout-job/result.json'));
  assert.equal(held.n_fallback_trials, undefined, 'the rerun used the primary model');
  assert.deepEqual(held.missing_trials, []);
  assert.ok(readJson(it1('stats.json')).holdout, 'the held-out result is recorded once it measures the same model');
});
