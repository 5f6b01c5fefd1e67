// Re-running into an existing job continues it only under the same conditions; anything that would
// mix trials run under other settings into one pass@1 is refused, naming every difference.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { differingSettings, type JobSettings } from '../../src/bench/job-settings.ts';
import { loadTaskSuite } from '../../src/bench/load-task.ts';
import { type JobOptions, runJob } from '../../src/bench/run-job.ts';
import { UserError } from '../../src/errors.ts';
import { makeTask } from '../support/make-task.ts';

const recorded: JobSettings = {
  tasks_dir: '/t/holdout',
  task_names: ['a', 'b'],
  k: 2,
  agent: {
    name: 'harness',
    model: 'openai:gpt-5',
    harness: { content_hash: 'h1' },
    max_steps: null,
    max_total_tokens: 100_000,
    fallback_model: null,
    reasoning_effort: 'high',
  },
  backend: 'bwrap',
  timeout_multiplier: 1,
};

test('every setting that changes outcomes is compared, and named by its flag', () => {
  assert.deepEqual(differingSettings(recorded, structuredClone(recorded)), []);
  const changes: [Partial<JobSettings>, RegExp][] = [
    [{ tasks_dir: '/t/train' }, /^--tasks \(tasks_dir: "\/t\/holdout" recorded, "\/t\/train" requested\)$/],
    [{ task_names: ['a', 'c'] }, /^--task \(task_names: 2 tasks recorded, 2 requested: \+c -b\)$/],
    [{ k: 1 }, /^-k /],
    [{ agent: { ...recorded.agent, name: 'oracle' } }, /^--agent /],
    [{ agent: { ...recorded.agent, model: 'openai:gpt-5-mini' } }, /^--model /],
    [{ agent: { ...recorded.agent, harness: { content_hash: 'h2' } } }, /^--harness \(its content\) /],
    [
      { agent: { ...recorded.agent, max_steps: 30 } },
      /^--max-steps \(agent\.max_steps: null recorded, 30 requested\)$/,
    ],
    [
      { agent: { ...recorded.agent, max_total_tokens: null } },
      /^--max-tokens \(agent\.max_total_tokens: 100000 recorded/,
    ],
    [
      { agent: { ...recorded.agent, fallback_model: 'anthropic:claude-sonnet-4-5' } },
      /^--fallback-model \(agent\.fallback_model: null recorded, "anthropic:claude-sonnet-4-5" requested\)$/,
    ],
    [
      { agent: { ...recorded.agent, reasoning_effort: null } },
      /^--reasoning-effort \(agent\.reasoning_effort: "high" recorded, null requested\)$/,
    ],
    [{ backend: 'podman' }, /^--backend /],
    [{ timeout_multiplier: 2 }, /^--timeout-multiplier /],
  ];
  for (const [change, expected] of changes) {
    const differences = differingSettings(recorded, { ...recorded, ...change });
    assert.equal(differences.length, 1, JSON.stringify(change));
    assert.match(differences[0]!, expected);
  }
  // The task set is compared as a set; a field an older job never recorded is not compared.
  assert.deepEqual(differingSettings(recorded, { ...recorded, task_names: ['b', 'a'] }), []);
  assert.deepEqual(differingSettings({ k: 2 }, recorded), []);
  const {
    max_steps: _,
    max_total_tokens: __,
    fallback_model: ___,
    reasoning_effort: ____,
    ...olderAgent
  } = recorded.agent!;
  assert.deepEqual(differingSettings({ ...recorded, agent: olderAgent }, recorded), []);
});

test('runJob refuses to continue a job under other settings, in one line naming each difference, and leaves its config alone', async () => {
  const suite = mkdtempSync(join(tmpdir(), 'ahe-settings-suite-'));
  for (const name of ['a', 'b', 'c']) makeTask({ name }, suite);
  const tasks = loadTaskSuite(suite).tasks;
  const jobDir = join(mkdtempSync(join(tmpdir(), 'ahe-settings-job-')), 'job');
  // Trials never run here: the executor fails them (a crash leaves them unfinished, the job goes on).
  const base: JobOptions = {
    jobDir,
    tasks: tasks.slice(0, 2),
    k: 1,
    agent: { kind: 'oracle' },
    backend: 'bwrap',
    concurrency: 1,
    tasksDir: suite,
    executeTrial: async () => {
      throw new Error('not run in this test');
    },
  };
  await runJob(base);
  const configBefore = readFileSync(join(jobDir, 'config.json'), 'utf8');
  await runJob({ ...base, concurrency: 4 }); // concurrency does not change outcomes
  // The agent's limits change outcomes: a run with other --max-steps/--max-tokens is another job.
  await assert.rejects(
    runJob({ ...base, agent: { kind: 'oracle', maxSteps: 5, maxTotalTokens: 1000 } }),
    /differs: --max-steps \(agent\.max_steps: null recorded, 5 requested\); --max-tokens \(agent\.max_total_tokens: null recorded, 1000 requested\)/,
  );
  await assert.rejects(runJob({ ...base, tasks, k: 2, timeoutMultiplier: 3 }), (error: Error) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message.split('\n').length, 1);
    assert.match(
      error.message,
      /config\.json: this job was run with other settings; differs: --task \(task_names: 2 tasks recorded, 3 requested: \+c\); -k \(k: 1 recorded, 2 requested\); --timeout-multiplier \(timeout_multiplier: 1 recorded, 3 requested\) — run it again with the recorded settings, or choose a new --out$/,
    );
    return true;
  });
  const configAfter = JSON.parse(readFileSync(join(jobDir, 'config.json'), 'utf8'));
  assert.deepEqual(configAfter.task_names, JSON.parse(configBefore).task_names);
  assert.equal(configAfter.k, 1);
});
