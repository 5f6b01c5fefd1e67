// The run's backend and task selection reach every trial of its evaluations: runEvolve hands
// config.backend and the selected tasks to runJob, whose config.json records them. Checked through the
// executor seam (no engine needed: the executor records what it is asked and runs nothing).

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import type { TrialExecutor } from '../../src/bench/run-job.ts';
import { EvaluationIncompleteError } from '../../src/evolve/evaluate-harness.ts';
import { runEvolve } from '../../src/evolve/run-evolve.ts';
import { loadRunState } from '../../src/evolve/run-state.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

test('evolve passes its backend and its task selection to every trial of an evaluation, and records both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-backend-'));
  const demo = makeDemo(dir);
  const runDir = join(dir, 'run');
  const asked: { trial: string; backend: string }[] = [];
  const execute: TrialExecutor = async (o) => {
    asked.push({ trial: `${o.task.name}__${o.attempt}`, backend: o.backend });
    throw new Error('this executor runs nothing');
  };
  const error = await runEvolve({
    runDir,
    config: demoEvolveConfig(demo, {
      iterations: 1,
      k: 2,
      concurrency: 2,
      backend: 'docker',
      task_exclude: ['repair-*'],
    }),
    executeTrial: execute,
    evaluationRetries: 0,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof EvaluationIncompleteError, String(error));
  const kept = readdirSync(demo.tasks)
    .filter((t) => !t.startsWith('repair-'))
    .sort();
  assert.ok(
    kept.length >= 2 && kept.length < readdirSync(demo.tasks).length,
    'the demo has a repair-* task to exclude',
  );
  assert.deepEqual(
    asked.map((a) => a.trial).sort(),
    kept.flatMap((t) => [`${t}__1`, `${t}__2`]),
    'the excluded task is not run',
  );
  assert.deepEqual(new Set(asked.map((a) => a.backend)), new Set(['docker']));
  const job = JSON.parse(readFileSync(join(runDir, 'iterations', '0', 'job', 'config.json'), 'utf8'));
  assert.equal(job.backend, 'docker');
  assert.deepEqual(job.task_names, kept);
  assert.deepEqual(job.task_selection, { include: [], exclude: ['repair-*'], n_tasks: null, sample_seed: null });
  const config = loadRunState(runDir).config;
  assert.equal(config.backend, 'docker');
  assert.deepEqual(config.task_exclude, ['repair-*']);
});
