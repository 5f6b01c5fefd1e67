// `ahe debug` classifies each trial once: the analyst's prompt, the report's trial and task entries, the
// clusters and the overview all take the signatures of that one classification (a second one could
// disagree with the first, e.g. with other options).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { debugJob } from '../../src/debugger/debug-job.ts';
import type { Signature, TrialDigest } from '../../src/debugger/digest.ts';
import { showTask } from '../../src/debugger/show-evidence.ts';
import { classifyTrial } from '../../src/debugger/signatures.ts';
import type { Completion, CompletionRequest, Model } from '../../src/model/types.ts';
import { writeSyntheticTrial } from './synthetic-trial.ts';

/** A job of two tasks × two trials on disk: fix-pipeline passes once, build-index never. */
function makeJob(): string {
  const job = mkdtempSync(join(tmpdir(), 'ahe-classify-once-'));
  const trials = [
    ['fix-pipeline', 1, 1],
    ['fix-pipeline', 2, 0],
    ['build-index', 1, 0],
    ['build-index', 2, 0],
  ] as const;
  for (const [task, i, reward] of trials)
    writeSyntheticTrial(join(job, `${task}__${i}`), {
      steps: 12,
      dumpBytes: 500,
      seed: i,
      task,
      trial: `${task}__${i}`,
      reward,
    });
  return job;
}

/** An analyst that answers every task and keeps the prompts it was given. */
function recordingAnalyst(prompts: string[]): Model {
  return {
    spec: 'fake:analyst',
    provider: 'fake',
    name: 'analyst',
    async complete(request: CompletionRequest): Promise<Completion> {
      const prompt = request.messages.map((m) => m.content).join('\n');
      prompts.push(prompt);
      const trial = /## Attempt (\S+)/.exec(prompt)?.[1] ?? 'none';
      const content = JSON.stringify({
        root_cause: 'r',
        pass_vs_fail: 'p',
        critical_mistake: 'c',
        general_mechanism: 'Run the tests before finishing the task.',
        suggested_component: 'system_prompt',
        evidence: [{ trial, note: 'n' }],
      });
      return {
        message: { role: 'assistant', content },
        usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 },
        costUsd: 0,
        finishReason: 'stop',
        model: 'analyst',
      };
    },
  };
}

test('every trial is classified exactly once, and the analyst and the report show that classification', async () => {
  const calls: string[] = [];
  // A marker label proves the signatures downstream come from this classifier, not from another call.
  const classify = (d: TrialDigest): Signature[] => {
    calls.push(d.trial);
    const found = classifyTrial(d);
    return d.passed ? found : [{ id: 'marker', label: `marker: ${d.trial}`, steps: [] }, ...found];
  };
  const prompts: string[] = [];
  const out = mkdtempSync(join(tmpdir(), 'ahe-classify-once-out-'));
  const result = await debugJob({
    jobDir: makeJob(),
    outDir: out,
    model: recordingAnalyst(prompts),
    all: true,
    cacheDir: mkdtempSync(join(tmpdir(), 'ahe-classify-once-cache-')),
    classify,
  });

  assert.deepEqual(calls.sort(), ['build-index__1', 'build-index__2', 'fix-pipeline__1', 'fix-pipeline__2']);
  const failed = ['build-index__1', 'build-index__2', 'fix-pipeline__2'];
  // The analyst's prompts carry the marker of each failed trial…
  assert.equal(prompts.length, 2);
  for (const trial of failed)
    assert.ok(
      prompts.some((p) => p.includes(`marker: ${trial}`)),
      `the analyst saw the classification of ${trial}`,
    );
  // …and so do the report's trials, task signatures and clusters, and the overview.
  const r = result.report;
  for (const trial of failed) {
    const task = trial.replace(/__\d+$/, '');
    assert.equal(r.tasks[task]!.trials.find((t) => t.trial === trial)!.signatures[0]!.label, `marker: ${trial}`);
    assert.ok(r.tasks[task]!.signatures.some((s) => s.label === `marker: ${trial}`));
  }
  assert.deepEqual(r.tasks['fix-pipeline']!.trials.find((t) => t.trial === 'fix-pipeline__1')!.signatures, []);
  const marker = r.clusters.find((c) => c.id === 'marker')!;
  assert.equal(marker.n_trials, 3);
  assert.deepEqual(marker.tasks, ['build-index', 'fix-pipeline']);
  assert.deepEqual(r.job.partial_tasks, ['fix-pipeline']);
  assert.match(readFileSync(join(out, 'overview.md'), 'utf8'), /\*\*marker\*\* — 3 failed trials in 2 tasks/);
});

test('`ahe debug show` lists the signatures of the same classification as `ahe debug` (classifyTrials), trial by trial', async () => {
  const job = makeJob();
  const out = mkdtempSync(join(tmpdir(), 'ahe-classify-once-show-'));
  const calls: string[] = [];
  const classify = (d: TrialDigest): Signature[] => {
    calls.push(d.trial);
    return d.passed ? [] : [{ id: 'marker', label: `marker: ${d.trial}`, steps: [2, 5] }, ...classifyTrial(d)];
  };
  const { report } = await debugJob({ jobDir: job, outDir: out, classify });
  for (const task of ['fix-pipeline', 'build-index']) {
    calls.length = 0;
    const shown = await showTask(job, task, out, classify);
    assert.equal(calls.length, 2, 'each of the task’s trials classified once by show');
    for (const t of report.tasks[task]!.trials) {
      const line = t.signatures.map((s) => `${s.label}${s.steps.length ? ` @${s.steps.slice(0, 4).join(',')}` : ''}`);
      const block = new RegExp(`\\] ${t.trial} · [^\\n]*(?:\\n {4}([^\\n]*))?`).exec(shown);
      assert.ok(block, `${t.trial} is shown`);
      assert.equal(block[1] ?? '', line.join('; '), `${t.trial}: show and the report agree`);
    }
  }
  // Without a seam both use the default classification, and still agree.
  const plain = await debugJob({ jobDir: job, outDir: mkdtempSync(join(tmpdir(), 'ahe-classify-once-show2-')) });
  const shown = await showTask(job, 'build-index', out);
  for (const t of plain.report.tasks['build-index']!.trials)
    for (const s of t.signatures) assert.ok(shown.includes(s.label), `${t.trial}: ${s.label}`);
});
