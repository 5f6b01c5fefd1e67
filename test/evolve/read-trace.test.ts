// read_trace: the drill-down of `ahe debug show` over the training job, through the evolver's tool;
// a held-out task (or any task that is not a training task) is refused before anything is read.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEvolverTools } from '../../src/evolve/evolver-tools.ts';
import type { ToolContext, ToolResult } from '../../src/harness/types.ts';
import { writeSyntheticTrial } from '../debugger/synthetic-trial.ts';

function job() {
  const iterationDir = mkdtempSync(join(tmpdir(), 'ahe-read-trace-'));
  const jobDir = join(iterationDir, 'job');
  writeSyntheticTrial(join(jobDir, 'fix-pipeline__1'), {
    steps: 12,
    dumpBytes: 2000,
    task: 'fix-pipeline',
    trial: 'fix-pipeline__1',
  });
  // A held-out task's trial placed where the training job is: the name check alone must keep it out.
  writeSyntheticTrial(join(jobDir, 'secret-holdout__1'), {
    steps: 6,
    dumpBytes: 1000,
    task: 'secret-holdout',
    trial: 'secret-holdout__1',
    seed: 7,
  });
  mkdirSync(join(iterationDir, 'debug'));
  return { iterationDir, jobDir };
}

function readTraceTool(jobDir: string, reportDir: string) {
  const { tools } = createEvolverTools({
    harnessDir: mkdtempSync(join(tmpdir(), 'ahe-read-trace-h-')),
    checkPath: () => undefined,
    checkContent: () => undefined,
    evidenceSections: () => ['overview'],
    readEvidence: async () => '',
    traceScope: { jobDir, reportDir, trainTasks: new Set(['fix-pipeline', 'other-train-task']) },
    validate: async () => ({ ok: true, text: 'ok' }),
    uncommittedFiles: async () => [],
    auditUncommitted: async () => undefined,
    commit: async () => ({ id: '', sha: '', files: [] }),
    writeManifest: async () => [],
  });
  const tool = tools.find((t) => t.definition.name === 'read_trace')!;
  assert.ok(tool, 'the evolver has read_trace when it has a trace scope');
  return async (args: Record<string, unknown>): Promise<ToolResult> => {
    const r = await tool.run(args, {} as ToolContext);
    return typeof r === 'string' ? { output: r } : r;
  };
}

test('read_trace drills from a training task to a trial, a step range and a raw step', async () => {
  const { iterationDir, jobDir } = job();
  writeFileSync(join(iterationDir, 'debug', 'unused.txt'), '');
  const read = readTraceTool(jobDir, join(iterationDir, 'debug'));
  const task = await read({ task: 'fix-pipeline' });
  assert.equal(task.isError, undefined, task.output);
  assert.match(task.output, /# fix-pipeline: 0\/1 attempts passed/);
  assert.match(task.output, /more: read_trace with trial/);
  const trial = await read({ task: 'fix-pipeline', trial: '1' });
  assert.equal(trial.isError, undefined, trial.output);
  const steps = await read({ task: 'fix-pipeline', trial: '1', steps: '2-3' });
  assert.match(steps.output, /^#2 /m);
  assert.match(steps.output, /^#3 /m);
  assert.doesNotMatch(steps.output, /^#4 /m);
  const raw = await read({ task: 'fix-pipeline', trial: 'fix-pipeline__1', steps: '2', raw: true });
  assert.match(raw.output, /## (model_call|tool_result)/);
  const bad = await read({ task: 'fix-pipeline', trial: '1', steps: '1-50' });
  assert.equal(bad.isError, true);
  assert.match(bad.output, /at most 20 steps/);
});

test('read_trace refuses a held-out task, even when its trial sits in the job directory', async () => {
  const { iterationDir, jobDir } = job();
  const read = readTraceTool(jobDir, join(iterationDir, 'debug'));
  for (const args of [
    { task: 'secret-holdout' },
    { task: 'secret-holdout', trial: '1' },
    { task: 'secret-holdout', trial: '1', steps: '1', raw: true },
    { task: '../holdout-job/secret-holdout' },
  ]) {
    const r = await read(args);
    assert.equal(r.isError, true);
    assert.match(r.output, /^refused: .* is not a training task/);
    assert.doesNotMatch(
      r.output,
      /partition|region|attempts passed|secret-holdout__1|^#\d/im,
      'nothing of any trace is shown',
    );
  }
  // A training task without traces gets a plain error, not a crash.
  const none = await read({ task: 'other-train-task' });
  assert.equal(none.isError, true);
  assert.match(none.output, /not in/);
});
