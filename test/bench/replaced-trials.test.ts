// A trial that ended in an infrastructure error runs again, but the trace of the failed try is kept
// (<job>/.replaced/<trial>.<n>/) and never counted: the fault stays visible, the trial counts once.
// So is a try killed before it finished: its trace is kept there, and what it spent stays in the job's spend.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readJobTrials } from '../../src/bench/job-summary.ts';
import { replacedTrialsSpend, unfinishedTrialsSpend } from '../../src/bench/keep-replaced-trial.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { runJob, type TrialExecutor } from '../../src/bench/run-job.ts';
import type { Task } from '../../src/bench/task.ts';
import type { TrialResult } from '../../src/bench/trial-result.ts';
import { findTrialDirs } from '../../src/debugger/debug-job.ts';
import { jobSpend } from '../../src/evolve/job-spend.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { writeJsonAtomic } from '../../src/trace/write-atomic.ts';
import { killedEvents } from '../support/killed-session.ts';
import { makeTask } from '../support/make-task.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

/**
 * What a trial killed mid-way (kill -9 during its agent) leaves: its directory with config.json,
 * trial.log and the events its agent wrote up to then — here `calls` model calls of 1000 prompt and 200
 * completion tokens at $0.01 each, then a call in flight —, and no result.json.
 */
function killedTrial(dir: string, calls: number, session: string): void {
  mkdirSync(join(dir, 'agent'), { recursive: true });
  mkdirSync(join(dir, 'verifier'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}\n');
  writeFileSync(join(dir, 'trial.log'), '2026-01-01T00:00:00.000Z agent: harness (timeout 30s)\n');
  writeFileSync(
    join(dir, 'agent', 'events.jsonl'),
    killedEvents({
      calls,
      usage: { prompt_tokens: 1000, completion_tokens: 200, cached_tokens: 100 },
      cost: 0.01,
      session,
    }),
  );
}

/** Writes each trial as runTrial would (a trace and result.json); `infra` trials end in an InfrastructureError. */
function executor(infra: Set<string>, tries: Map<string, number>): TrialExecutor {
  return async (o, hooks) => {
    hooks.onStart();
    const name = `${o.task.name}__${o.attempt}`;
    const attempt = (tries.get(name) ?? 0) + 1;
    tries.set(name, attempt);
    const failed = infra.has(name);
    const now = new Date().toISOString();
    const result: TrialResult = {
      id: `${name}-${attempt}`,
      task_name: o.task.name,
      trial_name: name,
      task_id: { path: o.task.dir },
      source: 'suite',
      task_checksum: null,
      config: {},
      agent_info: { name: 'ahe', version: '0', model_info: null },
      agent_result: null,
      verifier_result: failed ? null : { rewards: { reward: 1 } },
      exception_info: failed
        ? {
            exception_type: 'InfrastructureError',
            exception_message: `ModelUnavailableError: injected fault (try ${attempt})`,
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
      ahe: { attempt: o.attempt, passed: !failed },
    };
    mkdirSync(join(o.jobDir, name, 'agent'), { recursive: true });
    writeFileSync(
      join(o.jobDir, name, 'agent', 'events.jsonl'),
      `${JSON.stringify({ type: failed ? 'model_error' : 'model_call', message: `try ${attempt}` })}\n`,
    );
    writeJsonAtomic(join(o.jobDir, name, 'result.json'), result);
    return result;
  };
}

test('an infrastructure-error trial run again keeps its earlier tries under .replaced/, counted nowhere', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-replaced-'));
  const tasks: Task[] = ['a', 'b'].map((name) => loadTask(makeTask({ name }, dir)).task!);
  const jobDir = join(dir, 'job');
  const tries = new Map<string, number>();
  const run = (infra: string[]) =>
    runJob({
      jobDir,
      tasks,
      k: 1,
      agent: { kind: 'noop' },
      backend: 'bwrap',
      concurrency: 1,
      tasksDir: dir,
      executeTrial: executor(new Set(infra), tries),
    });

  assert.equal((await run(['b__1'])).complete, false);
  assert.equal((await run(['b__1'])).complete, false);
  const last = await run([]);
  assert.equal(last.complete, true);
  assert.equal(last.result.pass_at_1, 1);
  assert.equal(last.result.n_infrastructure_errors, 0);
  assert.deepEqual(
    tries,
    new Map([
      ['a__1', 1],
      ['b__1', 3],
    ]),
    'a is not run again; b until it has a measured result',
  );

  const kept = (n: number) => join(jobDir, '.replaced', `b__1.${n}`);
  assert.match(readFileSync(join(kept(1), 'agent', 'events.jsonl'), 'utf8'), /"model_error","message":"try 1"/);
  assert.match(readFileSync(join(kept(2), 'result.json'), 'utf8'), /injected fault \(try 2\)/);
  assert.ok(!existsSync(kept(3)));
  assert.match(readFileSync(join(jobDir, 'b__1', 'agent', 'events.jsonl'), 'utf8'), /try 3/);
  // Readers of the job see each trial once.
  assert.deepEqual(
    readJobTrials(jobDir).trials.map((t) => t.result.trial_name),
    ['a__1', 'b__1'],
  );
  assert.deepEqual(
    findTrialDirs(jobDir).map((d) => d.slice(jobDir.length + 1)),
    ['a__1', 'b__1'],
  );
});

test('a trial killed mid-way is moved to .replaced/ when it runs again, its trace kept and its spend counted once', {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-killed-'));
  const tasks: Task[] = ['a', 'b'].map((name) => loadTask(makeTask({ name }, dir)).task!);
  const jobDir = join(dir, 'job');
  // a__1 was killed twice: the first try was moved aside by the resume that was killed in turn.
  killedTrial(join(jobDir, '.replaced', 'a__1.1'), 1, 'first');
  killedTrial(join(jobDir, 'a__1'), 2, 'second');
  const secondTry = readFileSync(join(jobDir, 'a__1', 'agent', 'events.jsonl'), 'utf8');
  // Before it runs again, the unfinished try counts where it is (an experiment's budget reads this).
  assert.deepEqual(unfinishedTrialsSpend(jobDir), {
    calls: 0,
    promptTokens: 2000,
    completionTokens: 400,
    cachedTokens: 200,
    costUsd: 0.02,
  });
  const run = () =>
    runJob({ jobDir, tasks, k: 1, agent: { kind: 'noop' }, backend: 'bwrap', concurrency: 2, tasksDir: dir });

  const first = await run();
  assert.equal(first.complete, true);
  assert.equal(readJobTrials(jobDir).trials.find((t) => t.result.trial_name === 'a__1')?.result.ahe?.passed, false);
  // The killed try is kept whole where the earlier one is, not deleted.
  assert.equal(readFileSync(join(jobDir, '.replaced', 'a__1.2', 'agent', 'events.jsonl'), 'utf8'), secondTry);
  assert.ok(existsSync(join(jobDir, '.replaced', 'a__1.1', 'agent', 'events.jsonl')));
  assert.equal(unfinishedTrialsSpend(jobDir).promptTokens, 0, 'nothing unfinished is left in place');
  const { costUsd, ...replaced } = replacedTrialsSpend(jobDir);
  assert.deepEqual(replaced, { trials: 2, promptTokens: 3000, completionTokens: 600, cachedTokens: 300 });
  assert.ok(Math.abs(costUsd - 0.03) < 1e-9, String(costUsd));
  // The evolve ledger's (and an experiment's) spend of the job: the noop trials spent nothing, the killed tries
  // 3 model calls (calls count model calls, not trials).
  const spend = jobSpend(first.result, jobDir);
  assert.deepEqual(
    [spend.calls, spend.promptTokens, spend.completionTokens, spend.cachedTokens],
    [1 + 2, 3000, 600, 300],
  );

  // Resumed again with nothing left to run: nothing moves, nothing counts twice.
  const again = await run();
  assert.equal(again.complete, true);
  assert.deepEqual(readdirSync(join(jobDir, '.replaced')).sort(), ['a__1.1', 'a__1.2']);
  assert.deepEqual(jobSpend(again.result, jobDir), spend);
});
