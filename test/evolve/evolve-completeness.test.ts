// The evolve loop judges only complete evaluations. A trial lost by the executor (as the queue loses a
// job) is run again a bounded number of times; if it stays lost, the run stops at that evaluation —
// no stats, attribution, gate or best harness computed from it — and --resume finishes the run as if
// nothing had happened. A model that cannot be reached stops the run the same way instead of scoring 0%.
// A run killed (kill -9) mid-trial or mid-session keeps what the killed work did and spent: the trial's
// and the session's records are moved aside when they run again, and their spend is in the ledger once.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import type { TrialExecutor } from '../../src/bench/run-job.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import { InterruptedError, RunStoppedError } from '../../src/errors.ts';
import { EvaluationIncompleteError } from '../../src/evolve/evaluate-harness.ts';
import { ledgerFromIterations } from '../../src/evolve/iteration-usage.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { loadRunState, type RunState, type RunStep } from '../../src/evolve/run-state.ts';
import { createModel } from '../../src/model/create-model.ts';
import type { Model } from '../../src/model/types.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';
import { killedEvents } from '../support/killed-session.ts';

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

/** Writes `content` to `file`, making its directory. */
function plant(file: string, content: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, content);
}

/** The summed usage of the model_call events in these events files. */
function modelCallTokens(files: string[]): { prompt: number; completion: number } {
  const calls = files
    .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'model_call');
  return {
    prompt: calls.reduce((sum, e) => sum + e.usage.prompt_tokens, 0),
    completion: calls.reduce((sum, e) => sum + e.usage.completion_tokens, 0),
  };
}

test("kill -9 mid-session and mid-trial: the killed session's and trial's records are kept aside, and their spend is in the ledger and the summary once", {
  skip,
}, async () => {
  const { runDir, config } = setup();
  const it = (n: number, file: string) => join(runDir, 'iterations', String(n), file);
  const killedAt = (iteration: number, step: RunStep) => (state: RunState) => {
    if (state.iteration === iteration && state.step === step) throw new Error('killed');
  };
  // Killed in iteration 0's evolve step, after its session made 3 model calls.
  await assert.rejects(runEvolve({ runDir, config, afterStep: killedAt(0, 'evolve') }), /killed/);
  const session = killedEvents({ calls: 3, usage: { prompt_tokens: 4000, completion_tokens: 500 }, cost: 0 });
  plant(it(0, 'evolve/session-1/events.jsonl'), session);
  // Resumed, then killed in iteration 1's training evaluation, while top-words__1 had made 2 model calls.
  await assert.rejects(runEvolve({ runDir, afterStep: killedAt(1, 'evaluate') }), /killed/);
  const trial = killedEvents({ calls: 2, usage: { prompt_tokens: 1500, completion_tokens: 100 }, cost: 0 });
  plant(it(1, 'job/top-words__1/agent/events.jsonl'), trial);
  plant(it(1, 'job/top-words__1/trial.log'), '2026-01-01T00:00:00.000Z agent: harness (timeout 30s)\n');
  const state = await runEvolve({ runDir });
  assert.equal(state.step, 'done');

  // The killed session is kept aside whole; the step's own session has a transcript of its own.
  assert.equal(readFileSync(it(0, 'evolve.interrupted-1/session-1/events.jsonl'), 'utf8'), session);
  const sessions = readdirSync(it(0, 'evolve'))
    .filter((f) => f.startsWith('session-'))
    .map((f) => it(0, `evolve/${f}/events.jsonl`));
  assert.doesNotMatch(readFileSync(sessions[0]!, 'utf8'), /"session_id":"killed"/);
  const live = modelCallTokens(sessions);
  const evolver = readJson(it(0, 'usage.json')).evolver;
  assert.equal(evolver.prompt_tokens, live.prompt + 3 * 4000);
  assert.equal(evolver.completion_tokens, live.completion + 3 * 500);
  // The killed trial is kept under .replaced/ and ran again; the evaluation's coding spend includes it.
  assert.equal(readFileSync(it(1, 'job/.replaced/top-words__1.1/agent/events.jsonl'), 'utf8'), trial);
  const job = readJson(it(1, 'job/result.json'));
  assert.deepEqual(job.missing_trials, []);
  const coding = readJson(it(1, 'usage.json')).coding;
  assert.equal(coding.prompt_tokens, job.tokens.prompt + 2 * 1500);
  assert.equal(coding.completion_tokens, job.tokens.completion + 2 * 100);

  // The run's ledger, its summary and a second resume of the finished run agree, nothing counted twice.
  assert.deepEqual(state.ledger, ledgerFromIterations(runDir, state.iteration));
  const summary = readJson(join(runDir, 'summary.json'));
  assert.equal(summary.ledger.evolver.prompt_tokens, state.ledger.evolver.promptTokens);
  assert.equal(summary.ledger.coding.prompt_tokens, state.ledger.coding.promptTokens);
  assert.equal(summary.iterations[1].usage.coding.prompt_tokens, coding.prompt_tokens);
  const codingTotal = [0, 1].reduce((sum, n) => sum + readJson(it(n, 'usage.json')).coding.prompt_tokens, 0);
  assert.equal(state.ledger.coding.promptTokens, codingTotal);
  const again = await runEvolve({ runDir });
  assert.deepEqual(again.ledger, state.ledger);
  assert.deepEqual(readJson(it(1, 'usage.json')).coding, coding);
});

test("an interrupted debugger step's analyst calls count once when it runs again, though their answers are cached by then", {
  skip,
}, async () => {
  const saved = process.env.AHE_CACHE_DIR;
  process.env.AHE_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ahe-analyst-cache-'));
  try {
    const { runDir, config } = setup({ iterations: 0, debug_model: 'scripted:analyst', concurrency: 1 });
    // The analyst: a valid analysis naming the first attempt it is shown, 700 + 90 tokens a call. The
    // first run is interrupted (Ctrl-C) as its first answer comes back.
    let calls = 0;
    const stop = new AbortController();
    const analyst: Model = {
      spec: 'scripted:analyst',
      provider: 'scripted',
      name: 'analyst',
      complete: async (request) => {
        calls += 1;
        if (calls === 1) stop.abort();
        const text = request.messages.map((m) => m.content).join('\n');
        const trial = /## Attempt (\S+__\d+)/.exec(text)?.[1] ?? 'unknown__1';
        const analysis = {
          root_cause: 'The output ignored a rule the instruction states.',
          pass_vs_fail: 'No attempt passed.',
          critical_mistake: 'It did not check the output.',
          general_mechanism: 'Check the output against every rule the instruction states before finishing.',
          suggested_component: 'system_prompt',
          evidence: [{ trial, note: 'the output was not checked' }],
        };
        return {
          message: { role: 'assistant', content: JSON.stringify(analysis) },
          usage: { promptTokens: 700, completionTokens: 90, cachedTokens: 0 },
          costUsd: 0,
          finishReason: 'stop',
          model: 'analyst',
        };
      },
    };
    const resolveModel = async (spec: string, role: string) => (role === 'debugger' ? analyst : createModel(spec));
    await assert.rejects(runEvolve({ runDir, config, resolveModel, signal: stop.signal }), InterruptedError);
    assert.deepEqual([loadRunState(runDir).step, calls], ['debug', 1]);
    const state = await runEvolve({ runDir, resolveModel });
    assert.equal(state.step, 'done');
    const analysed = calls;
    assert.ok(analysed >= 2, `the seed fails more than one task: ${analysed} analyst calls`);
    // Every call made, the interrupted run's included (its answer came from the cache the second time).
    const debuggerSpend = readJson(join(runDir, 'iterations', '0', 'usage.json')).debugger;
    assert.deepEqual(
      [debuggerSpend.calls, debuggerSpend.prompt_tokens, debuggerSpend.completion_tokens],
      [analysed, 700 * analysed, 90 * analysed],
    );
    assert.equal(state.ledger.debugger.calls, analysed);
  } finally {
    if (saved === undefined) delete process.env.AHE_CACHE_DIR;
    else process.env.AHE_CACHE_DIR = saved;
  }
});
