// A job's numbers from trial files on disk: ahe's trials and another Harbor tool's, side by side, with
// a malformed file, a torn JSON file and an unfinished trial that must not break the summary.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareJobs } from '../../src/bench/compare-jobs.ts';
import {
  buildJobResult,
  describeMissingTrials,
  harborStats,
  readJobTrials,
  summarizeTrials,
  trialReward,
} from '../../src/bench/job-summary.ts';
import { computePassStats } from '../../src/bench/stats.ts';
import type { TrialExceptionType, TrialResult } from '../../src/bench/trial-result.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);
const at = (min: number) => new Date(Date.UTC(2025, 0, 1, 0, min)).toISOString();

/** A trial result.json as ahe writes it (every Harbor key filled). */
function aheTrial(
  task: string,
  attempt: number,
  reward: number | null,
  opts: {
    exception?: TrialExceptionType;
    tokens?: [number, number, number | null];
    cost?: number | null;
    start?: number;
    end?: number;
  } = {},
): TrialResult {
  const [input, output, cache] = opts.tokens ?? [0, 0, 0];
  return {
    id: `id-${task}-${attempt}`,
    task_name: task,
    trial_name: `${task}__${attempt}`,
    task_id: { path: `tasks/${task}` },
    source: 'tasks',
    task_checksum: null,
    config: {},
    agent_info: { name: 'ahe', version: '0.1.0', model_info: { name: 'scripted', provider: 'scripted' } },
    agent_result: opts.tokens
      ? {
          n_input_tokens: input,
          n_cache_tokens: cache,
          n_output_tokens: output,
          cost_usd: opts.cost ?? null,
          metadata: null,
        }
      : null,
    verifier_result: reward === null ? null : { rewards: { reward } },
    exception_info: opts.exception
      ? { exception_type: opts.exception, exception_message: 'x', exception_traceback: '', occurred_at: at(1) }
      : null,
    started_at: at(opts.start ?? 0),
    finished_at: at(opts.end ?? 1),
    environment_setup: null,
    agent_setup: null,
    agent_execution: null,
    verifier: null,
    ahe: { attempt, passed: reward !== null && reward >= 1 },
  };
}

/** Another tool's Harbor trial: a random suffix, keys ahe does not know, no reward file. */
const otherToolTrial = {
  id: 'f00',
  task_name: 'gamma',
  trial_name: 'gamma__abc123',
  trial_uri: 'file:///elsewhere/gamma__abc123',
  task_id: { path: 'datasets/tb2/gamma', git_url: null },
  source: 'terminal-bench',
  task_checksum: 'abc',
  config: { agent: { name: 'terminus-2', kwargs: { temperature: 0.7 } } },
  agent_info: { name: 'terminus-2', version: '2.0.0', model_info: { name: 'gpt-x', provider: 'openai' } },
  agent_result: {
    n_input_tokens: 1000,
    n_cache_tokens: 300,
    n_output_tokens: 70,
    cost_usd: 0.5,
    metadata: { n_episodes: 12 },
    rollout_details: [],
  },
  verifier_result: null,
  exception_info: {
    exception_type: 'RewardFileNotFoundError',
    exception_message: 'no reward',
    exception_traceback: 'Traceback…',
    occurred_at: at(4),
  },
  started_at: at(2),
  finished_at: at(5),
  environment_setup: { started_at: at(2), finished_at: at(2) },
  agent_setup: null,
  agent_execution: { started_at: at(2), finished_at: at(4) },
  verifier: null,
  harbor_extra: { anything: true },
};

function writeJson(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** alpha: 1, 1 (the second after an agent timeout) · beta: 0.5, 0 · gamma: no reward, 1 · delta, eps: broken. */
function writeFixtureJob(): string {
  const job = mkdtempSync(join(tmpdir(), 'ahe-job-summary-'));
  writeJson(join(job, 'config.json'), { job_name: 'fixture' });
  writeJson(join(job, 'result.json'), { id: 'old', stats: {} }); // the job's own result.json is not a trial
  writeJson(
    join(job, 'alpha__1', 'result.json'),
    aheTrial('alpha', 1, 1, { tokens: [100, 20, 10], cost: 0.01, start: 0 }),
  );
  writeJson(
    join(job, 'alpha__2', 'result.json'),
    aheTrial('alpha', 2, 1, { tokens: [200, 40, 0], cost: 0.02, exception: 'AgentTimeoutError' }),
  );
  writeJson(join(job, 'beta__1', 'result.json'), aheTrial('beta', 1, 0.5, { tokens: [50, 5, null], cost: 0 }));
  writeJson(join(job, 'beta__2', 'result.json'), aheTrial('beta', 2, 0, { exception: 'NonZeroAgentExitCodeError' }));
  writeJson(join(job, 'gamma__abc123', 'result.json'), otherToolTrial);
  writeJson(join(job, 'gamma__def456', 'result.json'), {
    ...aheTrial('gamma', 2, 1, { end: 3 }),
    trial_name: 'gamma__def456',
  });
  writeJson(join(job, 'delta__1', 'result.json'), { ...aheTrial('delta', 1, 1), task_name: 42 });
  mkdirSync(join(job, 'delta__2', 'agent'), { recursive: true }); // unfinished: no result.json yet
  writeJson(join(job, 'eps__1', 'result.json'), '{"task_name": "eps", "trial_na'); // torn by a crash
  mkdirSync(join(job, 'detail')); // a report directory, not a trial
  return job;
}

test('readJobTrials reads ahe and other-tool trials; malformed files are problems naming file and field; unfinished counted', () => {
  const job = writeFixtureJob();
  const read = readJobTrials(job);
  assert.deepEqual(
    read.trials.map((t) => t.result.trial_name),
    ['alpha__1', 'alpha__2', 'beta__1', 'beta__2', 'gamma__abc123', 'gamma__def456'],
  );
  assert.equal(read.trials[4]!.dir, join(job, 'gamma__abc123'));
  assert.equal(read.trials[4]!.result.harbor_extra !== undefined, true, 'unknown keys are kept');
  assert.deepEqual(read.unfinished, [join(job, 'delta__2')]);
  assert.equal(read.problems.length, 2);
  assert.equal(read.problems[0]!.path, join(job, 'delta__1', 'result.json'));
  assert.equal(read.problems[0]!.field, 'task_name');
  assert.equal(read.problems[1]!.path, join(job, 'eps__1', 'result.json'));
  assert.match(read.problems[1]!.message, /not valid JSON/);
  assert.deepEqual(readJobTrials(join(job, 'nope')).problems, [{ path: join(job, 'nope'), message: 'does not exist' }]);
});

test("ahe's own block is read with its schema: a malformed one is a problem naming the field", () => {
  const job = mkdtempSync(join(tmpdir(), 'ahe-job-summary-'));
  writeJson(join(job, 'a__1', 'result.json'), aheTrial('a', 1, 1));
  writeJson(join(job, 'a__2', 'result.json'), { ...aheTrial('a', 2, 1), ahe: { attempt: 2, passed: 'yes' } });
  const read = readJobTrials(job);
  assert.deepEqual(
    read.trials.map((t) => t.result.ahe),
    [{ attempt: 1, passed: true }],
  );
  assert.deepEqual(
    read.problems.map((p) => p.field),
    ['ahe.passed'],
  );
});

test('summarizeTrials: pass@1, pass@k, per-task n/c/rewards/exceptions, tokens, cost, wall time', () => {
  const s = summarizeTrials(readJobTrials(writeFixtureJob()).trials.map((t) => t.result));
  assert.equal(s.n_tasks, 3);
  assert.equal(s.k, 2);
  close(s.pass_at_1, (1 + 0 + 0.5) / 3); // rates: alpha 2/2, beta 0/2 (0.5 is partial, not a pass), gamma 1/2
  assert.deepEqual(Object.keys(s.pass_at_k), ['1', '2']);
  close(s.pass_at_k['2']!, (1 + 0 + 1) / 3);
  close(s.stderr, 0.5 / Math.sqrt(3)); // sample sd of 1, 0, .5 is .5
  assert.deepEqual(
    s.ci95,
    computePassStats([
      { n: 2, c: 2 },
      { n: 2, c: 0 },
      { n: 2, c: 1 },
    ]).ci95,
  );
  assert.ok(s.ci95[0] < 0.5 && s.ci95[1] > 0.5);
  assert.deepEqual(s.tasks, {
    alpha: { n: 2, c: 2, rewards: [1, 1], exceptions: ['AgentTimeoutError'] },
    beta: { n: 2, c: 0, rewards: [0.5, 0], exceptions: ['NonZeroAgentExitCodeError'] },
    gamma: { n: 2, c: 1, rewards: [null, 1], exceptions: ['RewardFileNotFoundError'] },
  });
  assert.deepEqual(s.tokens, { prompt: 1350, completion: 135, cached: 310 });
  assert.equal(s.cache_hit_rate, 0.23); // 310 / 1350, rounded to 3 places
  close(s.cost_usd!, 0.53);
  assert.equal(s.wall_sec, 300); // minute 0 (alpha__1) to minute 5 (gamma__abc123)
  assert.deepEqual(s.exceptions, { AgentTimeoutError: 1, NonZeroAgentExitCodeError: 1, RewardFileNotFoundError: 1 });
  assert.equal(summarizeTrials([aheTrial('x', 1, 0)]).cost_usd, null, 'no cost reported is unknown, not $0');
  const priced = aheTrial('x', 1, 1, { tokens: [10, 1, 0], cost: 0.25 });
  const unpriced = aheTrial('x', 2, 0, { tokens: [10, 1, 0], cost: null });
  const noAgent = aheTrial('x', 3, null); // the environment failed: no agent ran, nothing spent
  assert.equal(summarizeTrials([priced, noAgent]).cost_usd, 0.25, 'a trial whose agent never ran costs nothing');
  assert.equal(summarizeTrials([priced, unpriced]).cost_usd, null, 'one unknown cost makes the total unknown');
  const { cost_usd: _, ...harborAgentResult } = otherToolTrial.agent_result;
  assert.equal(
    summarizeTrials([priced, { ...otherToolTrial, agent_result: harborAgentResult }]).cost_usd,
    null,
    "another tool's trial without cost_usd is unknown too",
  );
  assert.equal(summarizeTrials([aheTrial('x', 1, 0)], { wallSec: 12.5 }).wall_sec, 12.5);
});

test('k is the fewest attempts any task has, so pass@k is defined for every task', () => {
  const s = summarizeTrials([
    aheTrial('a', 1, 1),
    aheTrial('a', 2, 0),
    aheTrial('a', 3, 0),
    aheTrial('b', 1, 0),
    aheTrial('b', 2, 1),
  ]);
  assert.equal(s.k, 2);
  assert.deepEqual(Object.keys(s.pass_at_k), ['1', '2']);
  close(s.pass_at_k['2']!, (1 - 1 / 3 + 1) / 2); // a: 1 − C(2,2)/C(3,2); b: one pass in two
  const empty = summarizeTrials([]);
  assert.equal(empty.n_tasks, 0);
  assert.equal(empty.k, 0);
  assert.deepEqual(empty.pass_at_k, {});
});

test('the reward comes from rewards.reward, or a single-key reward.json; none is a failure', () => {
  assert.equal(trialReward({ verifier_result: { rewards: { reward: 0.25, extra: 1 } } }), 0.25);
  assert.equal(trialReward({ verifier_result: { rewards: { score: 1 } } }), 1);
  assert.equal(trialReward({ verifier_result: { rewards: { a: 1, b: 0 } } }), null);
  assert.equal(trialReward({ verifier_result: null }), null);
  assert.equal(trialReward({ verifier_result: { rewards: null } }), null);
});

test("Harbor's stats: counts, mean metric, reward and exception stats by trial name, one eval per agent/model/dataset", () => {
  const trials = readJobTrials(writeFixtureJob()).trials.map((t) => t.result);
  const one = harborStats(trials, 'ahe__scripted__tasks');
  assert.equal(one.n_trials, 6);
  assert.equal(one.n_errors, 3);
  assert.deepEqual(Object.keys(one.evals), ['ahe__scripted__tasks']);
  const e = one.evals.ahe__scripted__tasks!;
  assert.equal(e.n_trials, 5); // gamma__abc123 has no verifier result
  assert.equal(e.n_errors, 3);
  close(e.metrics[0]!.mean, 3.5 / 6); // 1 + 1 + .5 + 0 + (none → 0) + 1 over 6 trials
  assert.deepEqual(e.reward_stats, {
    reward: { '1.0': ['alpha__1', 'alpha__2', 'gamma__def456'], '0.5': ['beta__1'], '0.0': ['beta__2'] },
  });
  assert.deepEqual(e.exception_stats, {
    AgentTimeoutError: ['alpha__2'],
    NonZeroAgentExitCodeError: ['beta__2'],
    RewardFileNotFoundError: ['gamma__abc123'],
  });
  close(e.pass_at_k['1']!, 0.5);
  close(e.pass_at_k['2']!, 2 / 3);

  const split = harborStats(trials);
  assert.deepEqual(Object.keys(split.evals).sort(), ['ahe__scripted__tasks', 'terminus-2__gpt-x__terminal-bench']);
  assert.equal(split.evals['terminus-2__gpt-x__terminal-bench']!.n_trials, 0);
  assert.equal(split.evals.ahe__scripted__tasks!.n_trials, 5);
});

test('buildJobResult: Harbor job keys plus ahe summary keys at the top level', () => {
  const trials = [
    aheTrial('a', 1, 1),
    aheTrial('a', 2, 0, { exception: 'AgentTimeoutError' }),
    aheTrial('b', 1, 0),
    aheTrial('b', 2, 0),
  ];
  const r = buildJobResult({
    id: 'job-1',
    startedAt: at(0),
    finishedAt: at(10),
    evalKey: 'ahe__scripted__tasks',
    trials,
    nTotalTrials: 6,
  });
  assert.deepEqual(Object.keys(r), [
    'id',
    'started_at',
    'finished_at',
    'n_total_trials',
    'missing_trials',
    'stats',
    'n_tasks',
    'k',
    'pass_at_1',
    'pass_at_k',
    'stderr',
    'ci95',
    'tasks',
    'tokens',
    'cache_hit_rate',
    'cost_usd',
    'wall_sec',
    'exceptions',
    'n_infrastructure_errors',
  ]);
  assert.equal(r.id, 'job-1');
  assert.equal(r.n_total_trials, 6);
  assert.equal(r.wall_sec, 600); // the job's own span, not the trials'
  close(r.pass_at_1, 0.25);
  close(r.pass_at_k['2']!, 0.5);
  assert.equal(r.stats.n_trials, 4);
  assert.equal(r.stats.n_errors, 1);
  assert.deepEqual(r.stats.evals.ahe__scripted__tasks!.reward_stats, {
    reward: { '1.0': ['a__1'], '0.0': ['a__2', 'b__1', 'b__2'] },
  });
  assert.deepEqual(r.exceptions, { AgentTimeoutError: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'the result survives JSON unchanged');
  const running = buildJobResult({
    id: 'job-2',
    startedAt: at(0),
    finishedAt: null,
    trials: [aheTrial('a', 1, 1, { start: 1, end: 3 })],
  });
  assert.equal(running.finished_at, null);
  assert.equal(running.wall_sec, 120); // falls back to the trials' span
  assert.equal(running.n_total_trials, 1);
});

test("buildJobResult lists each task's rewards in attempt order, whatever order the trials finished in", () => {
  // Trials finish out of order under concurrency (attempt 3 first, attempt 10 before attempt 2).
  const finished = [aheTrial('a', 3, 0), aheTrial('a', 10, 0.5), aheTrial('a', 1, 1), aheTrial('a', 2, 1)];
  const r = buildJobResult({ id: 'job-3', startedAt: at(0), finishedAt: at(5), trials: finished });
  assert.deepEqual(r.tasks.a!.rewards, [1, 1, 0, 0.5]);
  assert.deepEqual(
    finished.map((t) => t.trial_name),
    ['a__3', 'a__10', 'a__1', 'a__2'],
    'the input is not reordered',
  );
});

test("an infrastructure error is shown but never scored: not in pass@1, pass@k, Harbor's mean, nor a task rate of 0", () => {
  const infra = { exception: 'InfrastructureError' } as const;
  // a: pass, pass · b: pass, infra · c: infra only (never measured).
  const trials = [
    aheTrial('a', 1, 1),
    aheTrial('a', 2, 1),
    aheTrial('b', 1, 1),
    aheTrial('b', 2, null, infra),
    aheTrial('c', 1, null, infra),
    aheTrial('c', 2, null, infra),
  ];
  const r = buildJobResult({
    id: 'j',
    startedAt: at(0),
    finishedAt: null,
    evalKey: 'e',
    trials,
    planned: ['a__1', 'a__2', 'b__1', 'b__2', 'c__1', 'c__2'],
  });
  assert.equal(r.pass_at_1, 1, 'b is 1/1 measured, c has no rate');
  assert.equal(r.n_tasks, 2);
  assert.equal(r.k, 1, 'b has one measured attempt, so pass@2 is not defined for every task');
  assert.deepEqual(Object.keys(r.pass_at_k), ['1']);
  assert.deepEqual(r.tasks.b, { n: 1, c: 1, rewards: [1], exceptions: ['InfrastructureError'], errors: 1 });
  assert.deepEqual(r.tasks.c, {
    n: 0,
    c: 0,
    rewards: [],
    exceptions: ['InfrastructureError', 'InfrastructureError'],
    errors: 2,
  });
  assert.deepEqual(r.exceptions, { InfrastructureError: 3 });
  assert.equal(r.n_infrastructure_errors, 3);
  assert.deepEqual(r.missing_trials, ['b__2', 'c__1', 'c__2']);
  assert.equal(r.stats.evals.e!.metrics[0]!.mean, 1, "Harbor's mean over measured trials only");
  assert.equal(r.stats.n_errors, 3, 'still counted as errors');
});

test('a task never measured has no pass rate (not 0) and is not paired in a comparison', () => {
  assert.equal(
    computePassStats([
      { n: 2, c: 2 },
      { n: 0, c: 0 },
    ]).passAt1,
    1,
  );
  assert.equal(
    computePassStats([
      { n: 2, c: 2 },
      { n: 0, c: 0 },
    ]).nTasks,
    1,
  );
  assert.deepEqual(
    Object.keys(
      computePassStats([
        { n: 2, c: 2 },
        { n: 0, c: 0 },
      ]).passAtK,
    ),
    ['1', '2'],
  );
  const before = { a: { n: 1, c: 1 }, b: { n: 1, c: 1 } };
  const after = { a: { n: 1, c: 1 }, b: { n: 0, c: 0 } };
  const cmp = compareJobs(before, after);
  assert.deepEqual(cmp.commonTasks, ['a']);
  assert.deepEqual(cmp.onlyInA, ['b'], 'b was not measured after: not a regression');
  assert.equal(cmp.counts.regressed, 0);
});

test('describeMissingTrials names each missing trial and why: an infrastructure error, or never measured', () => {
  const trials = [aheTrial('a', 1, 1), aheTrial('b', 1, null, { exception: 'InfrastructureError' })];
  const r = buildJobResult({ id: 'j', startedAt: at(0), finishedAt: null, trials, planned: ['a__1', 'b__1', 'c__1'] });
  assert.equal(
    describeMissingTrials(r),
    '2 of 3 planned trials have no measured result: b__1 (InfrastructureError), c__1 (not run, crashed or lost)',
  );
  assert.equal(describeMissingTrials({ ...r, missing_trials: [] }), '');
  assert.match(describeMissingTrials(r, 1), /b__1 \(InfrastructureError\), and 1 more$/);
});
