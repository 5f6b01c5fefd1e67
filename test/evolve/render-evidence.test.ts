import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareJobs } from '../../src/bench/compare-jobs.ts';
import type { JobSummary } from '../../src/bench/job-summary.ts';
import { classifyTrials } from '../../src/debugger/signatures.ts';
import { buildReport, writeReport } from '../../src/debugger/write-report.ts';
import { attributeManifest, runPredictionQuality } from '../../src/evolve/attribution.ts';
import { readEvidenceInput } from '../../src/evolve/evidence-input.ts';
import type { ChangeManifest } from '../../src/evolve/manifest.ts';
import { type EvidenceInput, listEvidenceSections, renderEvidence } from '../../src/evolve/render-evidence.ts';
import { countTokens } from '../../src/model/count-tokens.ts';
import { makeDigest } from '../support/make-digest.ts';
import { summaryOf } from './summary-fixture.ts';

const TRAIN = ['alpha-task', 'beta-task', 'delta-task', 'epsilon-task', 'gamma-task', 'zeta-task'];
// it0 41.7%, it1 66.7% (the best), it2 50.0%. it2 vs it1: alpha worsened, beta regressed, delta fixed.
const runs: Record<string, number[]>[] = [
  {
    'alpha-task': [0, 0],
    'beta-task': [1, 1],
    'gamma-task': [1, 0],
    'delta-task': [0, 0],
    'epsilon-task': [1, 1],
    'zeta-task': [0, 0],
  },
  {
    'alpha-task': [1, 1],
    'beta-task': [1, 1],
    'gamma-task': [1, 1],
    'delta-task': [0, 0],
    'epsilon-task': [1, 1],
    'zeta-task': [0, 0],
  },
  {
    'alpha-task': [1, 0],
    'beta-task': [0, 0],
    'gamma-task': [1, 1],
    'delta-task': [1, 0],
    'epsilon-task': [1, 1],
    'zeta-task': [0, 0],
  },
];
const summaries = runs.map(summaryOf);
const manifest: ChangeManifest = {
  iteration: 1,
  changes: [
    {
      id: 'it1-lesson',
      type: 'new',
      component: 'memory',
      files: ['memory/lessons.md'],
      description: 'Lesson: verify outputs against the spec.',
      evidence: ['overview'],
      root_cause: 'r',
      failure_pattern: 'f',
      predicted_fixes: ['delta-task', 'zeta-task'],
      risk_tasks: ['beta-task'],
      why_this_component: 'w',
    },
    {
      id: 'it1-tool',
      type: 'new',
      component: 'tool_implementation',
      files: ['tools/x.ts'],
      description: 'A tool.',
      evidence: ['overview'],
      root_cause: 'r',
      failure_pattern: 'f',
      predicted_fixes: ['alpha-task'],
      risk_tasks: [],
      why_this_component: 'w',
    },
  ],
};
const HELD_OUT_SCORE = 0.9731;

const writeJson = (file: string, value: unknown) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
};

function debugDirFor(dir: string, tasks: Record<string, number[]>) {
  const digests = Object.entries(tasks).flatMap(([task, rs]) =>
    rs.map((reward, i) => makeDigest({ task, attempt: i + 1, reward })),
  );
  writeReport(
    dir,
    buildReport({
      job: { dir: '/jobs/x' },
      trials: classifyTrials(digests),
      now: () => new Date('2025-01-01T00:00:00Z'),
    }),
    digests,
  );
  return dir;
}

/** A run laid out as the loop writes it, with a held-out job and stats.json carrying the held-out score. */
function makeRun(): string {
  const run = mkdtempSync(join(tmpdir(), 'ahe-evidence-'));
  summaries.forEach((s, i) => {
    writeJson(join(run, 'iterations', String(i), 'job', 'result.json'), { id: `job-${i}`, ...s });
    const held = summaryOf({ 'secret-holdout-one': [1, 1], 'secret-holdout-two': [1, 0] });
    writeJson(join(run, 'iterations', String(i), 'holdout-job', 'result.json'), held);
    writeJson(join(run, 'iterations', String(i), 'stats.json'), {
      iteration: i,
      train: {},
      holdout: { pass_at_1: HELD_OUT_SCORE, n_tasks: 2 },
    });
  });
  writeJson(join(run, 'iterations', '1', 'change_manifest.json'), manifest);
  const a = attributeManifest(manifest, compareJobs(summaries[1]!.tasks, summaries[2]!.tasks));
  writeJson(join(run, 'iterations', '2', 'attribution.json'), {
    ...a,
    run_prediction_quality: runPredictionQuality([a]),
  });
  debugDirFor(join(run, 'iterations', '2', 'debug'), runs[2]!);
  return run;
}

const run = makeRun();
const input = readEvidenceInput(run, 2, {
  trainTasks: TRAIN,
  rolledBack: [{ id: 'it1-lesson', reason: 'MIXED with a realised risk' }],
});

test('overview: train pass@1 with its interval, the paired difference and counts against the previous iteration', () => {
  const text = renderEvidence(input, 'overview');
  assert.match(text, /^# Evidence — iteration 2 \(training split\)/);
  assert.match(
    text,
    /pass@1 50\.0% \(95% CI [\d.]+%–[\d.]+%, standard error [\d.]+ points\) over 6 tasks × 2 attempts; pass@2 66\.7%/,
  );
  assert.match(text, /vs iteration 1 \(66\.7%\): −16\.7 points on the 6 common tasks/);
  assert.match(text, /fixed 1, regressed 1, improved 0, worsened 1, unchanged 3; net −1 tasks/);
  assert.match(text, /retention 75\.0%/);
  assert.match(text, /partial-pass tasks .*: 2 — alpha-task, delta-task/);
  assert.match(text, /over 3 iteration\(s\): 1 always passed, 1 never passed, 4 mixed/);
  assert.match(text, /your changes of iteration 1: MIXED 1, INEFFECTIVE 1/);
  assert.match(
    text,
    /^sections: overview, classification, cross_iteration, trends, best_ever, attribution, debugger_overview, task_detail:<task>$/m,
  );
});

test('classification: the task lists', () => {
  const text = renderEvidence(input, 'classification');
  assert.match(text, /^fixed \(no pass before, some now\) \[1\]: delta-task$/m);
  assert.match(text, /^regressed \(some passes before, none now\) \[1\]: beta-task$/m);
  assert.match(text, /^worsened \(fewer attempts pass\) \[1\]: alpha-task$/m);
  assert.match(text, /^improved \(more attempts pass\) \[0\]: –$/m);
  assert.match(text, /^partial now \(0 < passes < attempts\) \[2\]: alpha-task, delta-task$/m);
  assert.match(text, /^every attempt passed in every iteration \[1\]: epsilon-task$/m);
  assert.match(text, /^no attempt passed in any iteration \[1\]: zeta-task$/m);
});

test('cross_iteration: passing attempts per task and iteration, mixed tasks first', () => {
  const lines = renderEvidence(input, 'cross_iteration').split('\n');
  assert.match(lines[1]!, /^task +\| {2}it0 \| {2}it1 \| {2}it2$/);
  assert.match(lines[2]!, /^alpha-task +\| {2}0\/2 \| {2}2\/2 \| {2}1\/2$/);
  assert.match(lines.at(-2)!, /^zeta-task +\| {2}0\/2 \| {2}0\/2 \| {2}0\/2$/);
  assert.match(lines.at(-1)!, /^epsilon-task +\| {2}2\/2 \| {2}2\/2 \| {2}2\/2$/);
});

test('trends and best_ever: pass@1 per iteration, the best one and what the current one lost against it', () => {
  const trends = renderEvidence(input, 'trends');
  assert.match(trends, /^0 \| 41\.7% \| .* \| –$/m);
  assert.match(trends, /^1 \| 66\.7% \| .* \| \+25\.0 \(best\)$/m);
  assert.match(trends, /^2 \| 50\.0% \| .* \| −16\.7 \(current\)$/m);
  const best = renderEvidence(input, 'best_ever');
  assert.match(best, /^# Best iteration so far: 1 — pass@1 66\.7%/);
  assert.match(best, /^passing at the best, failing every attempt now \[1\]: beta-task$/m);
  assert.match(best, /^fewer attempts pass than at the best \[1\]: alpha-task$/m);
  assert.match(best, /^better now than at the best: fixed delta-task; improved –$/m);
  // The loop may name another best (its kept harness); then that one is compared.
  const named = renderEvidence({ ...input, bestIteration: 2 }, 'best_ever');
  assert.match(named, /^# Best iteration so far: 2 \(this one\)/);
});

test('attribution: verdict table, reasons, descriptions, rollbacks, unattributed tasks and run precision/recall', () => {
  const text = renderEvidence(input, 'attribution');
  assert.match(text, /^it1-lesson \| memory \| MIXED \| 2 \| delta-task \| zeta-task \| beta-task$/m);
  assert.match(text, /^it1-tool \| tool_implementation \| INEFFECTIVE \| 1 \| – \| alpha-task \| –$/m);
  assert.match(
    text,
    /- it1-lesson: MIXED — 1 of 2 predicted fix\(es\) happened and 1 risk task\(s\) regressed or worsened\. Change: Lesson: verify outputs against the spec\. ROLLED BACK: MIXED with a realised risk/,
  );
  assert.match(text, /regressed or worsened, listed as a risk by no change: alpha-task/);
  assert.match(text, /fixed or improved, predicted by no change: –/);
  // With one change, the moves it did not predict are still its effect, and the evidence says so.
  const judged = input.attribution!;
  const sole = renderEvidence(
    {
      ...input,
      attribution: {
        ...judged,
        attribution: { ...judged.attribution, changes: judged.attribution.changes.slice(0, 1) },
      },
    },
    'attribution',
  );
  assert.match(
    sole,
    /regressed or worsened, listed as a risk by no change: alpha-task \(unpredicted, but it1-lesson was the only change: its effect\)/,
  );
  assert.match(sole, /fixed or improved, predicted by no change: –$/m);
  assert.match(
    text,
    /precision 33\.3% \(1 of 3 predicted fixes happened\), recall 100\.0% \(1 of 1 fixes were predicted\), over 1 manifest/,
  );
});

test('attribution: changes the review of kept changes rolled back are listed after the verdicts, and alone when nothing was judged', () => {
  const reviewRolledBack = [{ id: 'it0-rush', iteration: 0, reason: 'review of kept changes: estimated +3.0 points' }];
  const withReview = readEvidenceInput(run, 2, { trainTasks: TRAIN, reviewRolledBack });
  const text = renderEvidence(withReview, 'attribution');
  assert.match(text, /^it1-lesson \| memory \| MIXED/m);
  assert.match(
    text,
    /# Earlier changes rolled back by the review of kept changes\n.*\n- it0-rush \(made in iteration 0\): review of kept changes: estimated \+3\.0 points$/,
  );
  assert.doesNotMatch(renderEvidence(input, 'attribution'), /review of kept changes/);
  // Iteration 1 judged nothing (no attribution.json there): the section exists for the review alone.
  const alone = readEvidenceInput(run, 1, { trainTasks: TRAIN, reviewRolledBack });
  assert.ok(listEvidenceSections(alone).includes('attribution'));
  assert.ok(!listEvidenceSections(readEvidenceInput(run, 1, { trainTasks: TRAIN })).includes('attribution'));
  assert.match(renderEvidence(alone, 'attribution'), /^No previous changes to attribute[^\n]*\n\n# Earlier changes/);
});

test('debugger_overview and task_detail come from the debugger output; only training tasks, nothing outside the report directory', () => {
  assert.match(renderEvidence(input, 'debugger_overview'), /pass@1/);
  assert.match(renderEvidence(input, 'task_detail:alpha-task'), /alpha-task/);
  assert.equal(
    renderEvidence(input, 'task_detail:secret-holdout-one'),
    'No task "secret-holdout-one" among the training tasks.',
  );
  assert.equal(renderEvidence(input, 'task_detail:../../stats'), 'No task "../../stats" among the training tasks.');
  assert.match(renderEvidence(input, 'nonsense'), /^No section "nonsense"\. Sections: overview, classification/);
  assert.deepEqual(listEvidenceSections(input), [
    'overview',
    'classification',
    'cross_iteration',
    'trends',
    'best_ever',
    'attribution',
    'debugger_overview',
    'task_detail:<task>',
  ]);
  const bare: EvidenceInput = { ...input, debugDir: undefined, attribution: undefined };
  assert.deepEqual(listEvidenceSections(bare), [
    'overview',
    'classification',
    'cross_iteration',
    'trends',
    'best_ever',
  ]);
  assert.equal(renderEvidence(bare, 'debugger_overview'), 'No debugger report for this iteration.');
});

const allSections = (i: EvidenceInput) =>
  [
    ...listEvidenceSections(i).filter((s) => !s.startsWith('task_detail')),
    ...TRAIN.map((t) => `task_detail:${t}`),
    'debugger_overview',
    'attribution',
  ]
    .map((s) => renderEvidence(i, s))
    .join('\n');

test('held-out results never appear: not the held-out job, not the held-out score in stats.json', () => {
  const text = allSections(input);
  assert.doesNotMatch(text, /secret-holdout/);
  assert.doesNotMatch(text, /97\.3/);
  assert.doesNotMatch(text, /held-out|holdout/i);
});

test('a summary or a debugger report holding other tasks is cut to the training tasks, or not shown', () => {
  // A job summary that (by mistake) mixes held-out tasks in: they are dropped and every number is recomputed.
  const mixed: JobSummary = summaryOf({ ...runs[2]!, 'secret-holdout-one': [1, 1], 'secret-holdout-two': [1, 1] });
  const polluted: EvidenceInput = {
    ...input,
    trainHistory: [...input.trainHistory.slice(0, 2), { iteration: 2, summary: mixed }],
  };
  const text = allSections(polluted);
  assert.doesNotMatch(text, /secret-holdout/);
  assert.match(renderEvidence(polluted, 'overview'), /pass@1 50\.0% .* over 6 tasks/);
  // A debugger report covering a held-out task is refused whole.
  const foreign = debugDirFor(mkdtempSync(join(tmpdir(), 'ahe-debug-')), { ...runs[2]!, 'secret-holdout-one': [1, 0] });
  const withForeign: EvidenceInput = { ...input, debugDir: foreign };
  assert.equal(
    renderEvidence(withForeign, 'debugger_overview'),
    'The debugger report covers 1 task(s) outside the training split; it is not shown.',
  );
  assert.equal(
    renderEvidence(withForeign, 'task_detail:alpha-task'),
    'The debugger report covers 1 task(s) outside the training split; it is not shown.',
  );
  assert.deepEqual(listEvidenceSections(withForeign).includes('debugger_overview'), false);
});

test('every section is bounded by its token budget and says when it was cut', () => {
  const many = Object.fromEntries(
    Array.from({ length: 400 }, (_, i) => [`task-${String(i).padStart(3, '0')}`, [i % 2, 1]]),
  );
  const history = [0, 1, 2].map((iteration) => ({ iteration, summary: summaryOf(many) }));
  const big: EvidenceInput = { iteration: 2, trainTasks: Object.keys(many), trainHistory: history, tokenBudget: 500 };
  for (const section of ['overview', 'classification', 'cross_iteration', 'trends', 'best_ever']) {
    const text = renderEvidence(big, section);
    assert.ok(countTokens(text) <= 500, `${section}: ${countTokens(text)} tokens`);
  }
  const table = renderEvidence(big, 'cross_iteration');
  assert.match(table, /\n\[… section cut to its 500-token budget: \d+ more line\(s\) not shown\]$/);
  assert.match(renderEvidence({ ...big, tokenBudget: 6000 }, 'trends'), /^2 \| /m);
  assert.doesNotMatch(renderEvidence({ ...big, tokenBudget: 6000 }, 'trends'), /section cut/);
});

test('no evaluation yet: sections say so instead of failing', () => {
  const empty: EvidenceInput = { iteration: 0, trainTasks: TRAIN, trainHistory: [] };
  assert.equal(renderEvidence(empty, 'overview'), 'No training evaluation of iteration 0 is available.');
  assert.match(renderEvidence(empty, 'attribution'), /^No previous changes to attribute/);
  const first: EvidenceInput = {
    iteration: 0,
    trainTasks: TRAIN,
    trainHistory: [{ iteration: 0, summary: summaries[0]! }],
  };
  assert.match(renderEvidence(first, 'overview'), /First evaluation: nothing to compare with yet\./);
  assert.match(renderEvidence(first, 'best_ever'), /^# Best iteration so far: 0 \(this one\)/);
});
