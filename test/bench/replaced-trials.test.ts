// A trial that ended in an infrastructure error runs again, but the trace of the failed try is kept
// (<job>/.replaced/<trial>.<n>/) and never counted: the fault stays visible, the trial counts once.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readJobTrials } from '../../src/bench/job-summary.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { runJob, type TrialExecutor } from '../../src/bench/run-job.ts';
import type { Task } from '../../src/bench/task.ts';
import type { TrialResult } from '../../src/bench/trial-result.ts';
import { findTrialDirs } from '../../src/debugger/debug-job.ts';
import { writeJsonAtomic } from '../../src/trace/write-atomic.ts';
import { makeTask } from '../support/make-task.ts';

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
