// What a job counts: a trial that ended in an infrastructure error is shown but not scored and runs
// again on resume; N of them in a row stop the job; a lost trial leaves the job incomplete and named.
// Trials run through run-job's executor seam (deterministic, no sandbox), except the last test, which
// runs one real trial against a model on a closed port.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask } from '../../src/bench/load-task.ts';
import { type JobOptions, runJob, type TrialExecutor } from '../../src/bench/run-job.ts';
import { runTrial, trialFinished } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import type { TrialResult } from '../../src/bench/trial-result.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { writeJsonAtomic } from '../../src/trace/write-atomic.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { makeTask } from '../support/make-task.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function suite(names: string[]): { dir: string; tasks: Task[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-suite-'));
  const tasks = names.map((name) => {
    const { task, problem } = loadTask(makeTask({ name }, dir));
    assert.ok(task, problem?.message);
    return task;
  });
  return { dir, tasks };
}

type Outcome = 'pass' | 'fail' | 'infra' | 'lost';

/** An executor that writes each trial's result.json as runTrial would, with the outcome `decide` gives. */
function scriptedExecutor(decide: (trial: string) => Outcome, calls: string[] = []): TrialExecutor {
  return async (o, hooks) => {
    hooks.onStart();
    const name = `${o.task.name}__${o.attempt}`;
    calls.push(name);
    const outcome = decide(name);
    if (outcome === 'lost') throw new Error(`the queue lost ${name}`);
    const now = new Date().toISOString();
    const result: TrialResult = {
      id: name,
      task_name: o.task.name,
      trial_name: name,
      task_id: { path: o.task.dir },
      source: 'suite',
      task_checksum: null,
      config: {},
      agent_info: { name: 'ahe', version: '0', model_info: null },
      agent_result: null,
      verifier_result: outcome === 'infra' ? null : { rewards: { reward: outcome === 'pass' ? 1 : 0 } },
      exception_info:
        outcome === 'infra'
          ? {
              exception_type: 'InfrastructureError',
              exception_message: 'ModelConnectionError: cannot reach openai at http://127.0.0.1:9/v1 (ECONNREFUSED)',
              exception_traceback: '',
              occurred_at: now,
            }
          : null,
      started_at: now,
      finished_at: now,
      environment_setup: null,
      agent_setup: null,
      agent_execution: null,
      verifier: null,
      ahe: { attempt: o.attempt, passed: outcome === 'pass' },
    };
    mkdirSync(join(o.jobDir, name), { recursive: true });
    writeJsonAtomic(join(o.jobDir, name, 'result.json'), result);
    return result;
  };
}

function jobOptions(
  tasks: Task[],
  dir: string,
  executeTrial: TrialExecutor,
  extra: Partial<JobOptions> = {},
): JobOptions {
  return {
    jobDir: join(dir, 'job'),
    tasks,
    k: 1,
    agent: { kind: 'noop' },
    backend: 'bwrap',
    concurrency: 1,
    tasksDir: dir,
    executeTrial,
    ...extra,
  };
}

test('an infrastructure error is shown, left out of pass@1, and run again on resume', async () => {
  const { dir, tasks } = suite(['a', 'b', 'c']);
  const first = await runJob(
    jobOptions(
      tasks,
      dir,
      scriptedExecutor((t) => (t === 'b__1' ? 'infra' : t === 'a__1' ? 'pass' : 'fail')),
    ),
  );
  // pass@1 is over a and c (1 of 2), not 1 of 3 with b counted as a failure.
  assert.equal(first.result.pass_at_1, 0.5);
  assert.equal(first.result.n_tasks, 2);
  assert.equal(first.result.exceptions.InfrastructureError, 1);
  assert.equal(first.result.n_infrastructure_errors, 1);
  assert.equal(first.result.tasks.b!.n, 0);
  assert.equal(first.result.tasks.b!.errors, 1);
  assert.deepEqual(first.result.missing_trials, ['b__1']);
  assert.equal(first.complete, false);
  assert.equal(first.result.finished_at, null, 'an incomplete job has no finished_at');

  assert.equal(
    trialFinished(join(dir, 'job', 'b__1')),
    false,
    'not finished for resume (also for the queue, which asks trialFinished)',
  );
  assert.equal(trialFinished(join(dir, 'job', 'c__1')), true);
  const calls: string[] = [];
  const second = await runJob(
    jobOptions(
      tasks,
      dir,
      scriptedExecutor(() => 'pass', calls),
    ),
  );
  assert.deepEqual(calls, ['b__1'], 'only the infrastructure error runs again');
  assert.equal(second.complete, true);
  assert.deepEqual(second.result.missing_trials, []);
  assert.equal(second.result.pass_at_1, 2 / 3);
  assert.equal(second.result.n_infrastructure_errors, 0);
  assert.ok(second.result.finished_at);
});

test('N infrastructure errors in a row stop the job with one line; resume runs the rest', async () => {
  const { dir, tasks } = suite(['t1', 't2', 't3', 't4', 't5', 't6']);
  const calls: string[] = [];
  const events: string[] = [];
  const outcome = await runJob(
    jobOptions(
      tasks,
      dir,
      scriptedExecutor(() => 'infra', calls),
      { maxConsecutiveInfraFailures: 3, onEvent: (e) => e.type === 'stopped' && events.push(e.reason) },
    ),
  );
  assert.equal(calls.length, 3, 'no trial starts after the third error in a row');
  assert.match(
    outcome.stopped ?? '',
    /^stopped after 3 infrastructure errors in a row \(last: ModelConnectionError: cannot reach openai .*ECONNREFUSED.*\); fix the model or provider, then run again to resume$/,
  );
  assert.deepEqual(events, [outcome.stopped]);
  assert.equal(outcome.complete, false);
  assert.equal(outcome.result.missing_trials.length, 6);
  assert.match(readFileSync(join(dir, 'job', 'job.log'), 'utf8'), /stopped after 3 infrastructure errors in a row/);

  const resumed = await runJob(
    jobOptions(
      tasks,
      dir,
      scriptedExecutor(() => 'pass'),
    ),
  );
  assert.equal(resumed.complete, true);
  assert.equal(resumed.result.pass_at_1, 1);
  assert.equal(resumed.result.n_tasks, 6);
});

test('errors that are not in a row do not stop the job', async () => {
  const { dir, tasks } = suite(['t1', 't2', 't3', 't4', 't5']);
  const outcome = await runJob(
    jobOptions(
      tasks,
      dir,
      scriptedExecutor((t) => (t === 't3__1' ? 'pass' : 'infra')),
      { maxConsecutiveInfraFailures: 3 },
    ),
  );
  assert.equal(outcome.stopped, undefined);
  assert.deepEqual(outcome.result.missing_trials, ['t1__1', 't2__1', 't4__1', 't5__1']);
});

test('a lost trial (the executor throws) leaves the job incomplete and named; its numbers cover only what was measured', async () => {
  const { dir, tasks } = suite(['a', 'b']);
  const outcome = await runJob(
    jobOptions(
      tasks,
      dir,
      scriptedExecutor((t) => (t === 'a__2' ? 'lost' : 'pass')),
      { k: 2 },
    ),
  );
  assert.equal(outcome.complete, false);
  assert.deepEqual(outcome.result.missing_trials, ['a__2']);
  assert.equal(outcome.result.finished_at, null);
  assert.equal(readJson(join(dir, 'job', 'result.json')).missing_trials[0], 'a__2');
});

test('a real trial against a model on a closed port ends in InfrastructureError naming the cause; the verifier does not run', {
  skip: bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`,
}, async () => {
  const { dir, tasks } = suite(['task']);
  const url = await closedPortUrl();
  const harness = await loadHarness(SEED);
  const newModel = async () =>
    createOpenAIModel('gpt-5', { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: url }, maxRetries: 0 });
  const result = await runTrial({
    task: tasks[0]!,
    attempt: 1,
    jobDir: join(dir, 'job'),
    agent: { kind: 'harness', harness, modelSpec: 'openai:gpt-5', newModel },
    backend: 'bwrap',
    environmentCache: false,
  });
  assert.equal(result.exception_info?.exception_type, 'InfrastructureError');
  assert.match(
    result.exception_info?.exception_message ?? '',
    /ModelConnectionError: cannot reach openai at .*ECONNREFUSED/,
  );
  assert.equal(result.verifier_result, null);
});

test('ahe eval against a closed port: no 0%, the stop is one line naming the cause, exit 1; the job lists what is missing', {
  skip: bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ahe-suite-'));
  for (const name of ['t1', 't2', 't3']) makeTask({ name }, root);
  const out = join(mkdtempSync(join(tmpdir(), 'ahe-jobs-')), 'job');
  const url = await closedPortUrl();
  const r = await runCli(
    [
      'eval',
      '--tasks',
      root,
      '--harness',
      SEED,
      '--model',
      'openai:gpt-5',
      '--max-retries',
      '0',
      '--concurrency',
      '1',
      '--max-infra-failures',
      '2',
      '--quiet',
      '--out',
      out,
    ],
    { env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: url }, timeoutMs: 120_000 },
  );
  assert.equal(r.exitCode, 1, r.stderr.slice(0, 2000));
  assert.doesNotMatch(r.stderr, STACK_LINE);
  assert.match(
    r.stderr,
    /stopped after 2 infrastructure errors in a row \(last: ModelConnectionError: cannot reach openai at .*ECONNREFUSED/,
  );
  assert.match(r.stdout, /exceptions: InfrastructureError 2/);
  assert.match(r.stdout, /pass@1 n\/a: no task was measured/);
  assert.doesNotMatch(r.stdout, /pass@1 0\.0%/);
  const result = readJson(join(out, 'result.json'));
  assert.deepEqual(result.missing_trials, ['t1__1', 't2__1', 't3__1']);
  assert.equal(result.finished_at, null);
});
