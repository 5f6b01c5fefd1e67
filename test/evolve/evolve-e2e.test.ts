// The whole evolution offline, on scripted models and three bundled tasks (examples/evolve-demo):
// the seed fails some tasks; the debugger says why; the evolve agent adds a memory lesson with a
// prediction; the next evaluation flips the predicted task and attribution says EFFECTIVE; a leaking
// change is rejected; a harmful change is detected and rolled back automatically; a crash in the middle
// followed by resume ends in the same final state.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HELPFUL_LESSON, makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { readJobTrials } from '../../src/bench/job-summary.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import type { RunState } from '../../src/evolve/run-state.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-e2e-'));
  const demo = makeDemo(dir);
  const config: EvolveConfig = demoEvolveConfig(demo);
  return { dir, config };
}

/** What must be identical between a run and the same run crashed and resumed. */
function finalState(runDir: string, state: RunState) {
  const git = (args: string[]) => execFileSync('git', args, { cwd: join(runDir, 'harness') }).toString();
  return {
    step: state.step,
    best: state.best && { iteration: state.best.iteration, pass_at_1: state.best.pass_at_1 },
    rollbacks: state.rollbacks.map((r) => [r.iteration, r.change_id, r.reason]),
    history: git(['log', '--format=%s']).trim().split('\n'),
    tags: git(['tag', '--list']).trim().split('\n').sort(),
    memory: git(['ls-tree', '--name-only', '-r', 'HEAD']).trim().split('\n'),
    summary: readJson(join(runDir, 'summary.json')).iterations.map(
      (r: { iteration: number; train: unknown; changes: unknown; verdicts: unknown; rollbacks: unknown }) => [
        r.iteration,
        r.train,
        r.changes,
        r.verdicts,
        r.rollbacks,
      ],
    ),
  };
}

test('three iterations offline: effective lesson kept, leak rejected, harmful change rolled back; a crash and resume end the same', {
  skip,
}, async () => {
  const { dir, config } = setup();
  const runDir = join(dir, 'run');
  const state = await runEvolve({ runDir, config });
  assert.equal(state.step, 'done');
  assert.equal(state.stopped?.reason, 'all 3 iterations done');
  const it = (n: number, file: string) => join(runDir, 'iterations', String(n), file);

  // Iteration 0: the seed fails top-words (and repair-json-config); the debugger says why.
  assert.deepEqual(readJson(it(0, 'job/result.json')).tasks['top-words'].c, 0);
  assert.match(readFileSync(it(0, 'debug/overview.md'), 'utf8'), /top-words/);
  const manifest0 = readJson(it(0, 'change_manifest.json'));
  assert.deepEqual(
    manifest0.changes.map((c: { id: string; component: string; predicted_fixes: string[] }) => [
      c.id,
      c.component,
      c.predicted_fixes,
    ]),
    [['check-stated-rules', 'memory', ['top-words']]],
  );
  assert.match(readFileSync(it(0, 'diff.patch'), 'utf8'), new RegExp(HELPFUL_LESSON.slice(0, 40)));

  // Iteration 1: the lesson is in the coding agent's context, top-words flips, attribution says EFFECTIVE.
  assert.equal(readJson(it(1, 'job/result.json')).tasks['top-words'].c, 1);
  const attribution1 = readJson(it(1, 'attribution.json'));
  assert.deepEqual(
    attribution1.changes.map((c: { id: string; verdict: string; actually_fixed: string[] }) => [
      c.id,
      c.verdict,
      c.actually_fixed,
    ]),
    [['check-stated-rules', 'EFFECTIVE', ['top-words']]],
  );
  // The leaking change was refused before any evaluation, with the finding recorded.
  const leaks = readFileSync(it(1, 'leak-rejections.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(
    leaks.some((l: { findings: { kind: string; task: string }[] }) => l.findings.some((f) => f.task === 'top-words')),
    JSON.stringify(leaks),
  );
  assert.deepEqual(
    readJson(it(1, 'change_manifest.json')).changes.map((c: { id: string }) => c.id),
    ['save-time'],
  );

  // Iteration 2: the harmful lesson made four tasks fail (csv-region-totals among them, its predicted risk);
  // four tasks worse and none better is beyond noise (exact stratified test, one-sided p = 1/16 < 0.1):
  // HARMFUL, rolled back.
  const attribution2 = readJson(it(2, 'attribution.json'));
  assert.deepEqual(
    attribution2.changes.map((c: { id: string; verdict: string; risk_realised: string[] }) => [
      c.id,
      c.verdict,
      c.risk_realised,
    ]),
    [['save-time', 'HARMFUL', ['csv-region-totals']]],
  );
  assert.equal(attribution2.changes[0].harm_test.p_value, 1 / 16);
  const gate2 = readJson(it(2, 'gate.json'));
  assert.equal(gate2.rollbacks[0].test.p_value, 1 / 16);
  assert.match(gate2.rollbacks[0].reason, /exact stratified test, one-sided p = 0\.063 < α = 0\.1/);
  assert.deepEqual(
    state.rollbacks.map((r) => [r.iteration, r.change_id]),
    [[2, 'save-time']],
  );
  assert.equal(existsSync(join(runDir, 'harness', 'memory', 'speed.md')), false);
  assert.ok(existsSync(join(runDir, 'harness', 'memory', 'lessons.md')));

  // Iteration 3 evaluates the rolled-back harness: csv-region-totals passes again. Best-ever is kept.
  assert.equal(readJson(it(3, 'job/result.json')).tasks['csv-region-totals'].c, 1);
  assert.equal(state.best?.iteration, 1);
  assert.match(readFileSync(join(runDir, 'best', 'memory', 'lessons.md'), 'utf8'), /tie-breaking rule/);
  assert.ok(state.ledger.coding.promptTokens > 0 && state.ledger.evolver.promptTokens > 0);
  // Every role's `calls` counts model calls: the coding agent's are its trials' model calls (one per
  // step, as in their traces), not the 24 trials — so the report's and summary's totals add one unit.
  const traces = [0, 1, 2, 3].flatMap((n) => readJobTrials(it(n, 'job')).trials);
  const modelCalls = traces
    .flatMap((t) =>
      readFileSync(join(t.dir, 'agent', 'events.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    )
    .filter((line) => JSON.parse(line).type === 'model_call').length;
  assert.ok(modelCalls > traces.length, `${modelCalls} model calls in ${traces.length} trials`);
  assert.equal(state.ledger.coding.calls, modelCalls);
  const summary = readFileSync(join(runDir, 'summary.md'), 'utf8');
  // The summary says how the run evaluated.
  assert.match(summary, /^Evaluation: --eval-policy fixed, k = 1: every training task once in every iteration\.$/m);
  assert.match(summary, /check-stated-rules EFFECTIVE/);
  assert.match(summary, /save-time HARMFUL \| save-time/);
  assert.match(summary, /precision 50\.0%, recall 100\.0%/);

  // The same run, crashed after the gate of iteration 2 (mid-iteration) and resumed, ends identically.
  const crashed = join(dir, 'crashed');
  await assert.rejects(
    runEvolve({
      runDir: crashed,
      config,
      afterStep: (s) => {
        if (s.iteration === 2 && s.step === 'debug') throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  assert.equal(readJson(join(crashed, 'state.json')).step, 'debug');
  const resumed = await runEvolve({ runDir: crashed });
  assert.deepEqual(finalState(crashed, resumed), finalState(runDir, state));
});

test('the held-out split is scored at 0 and at the end, beside train, and never reaches the evolve agent', {
  skip,
}, async () => {
  const { dir, config } = setup();
  const holdout = join(dir, 'holdout');
  execFileSync('mkdir', ['-p', holdout]);
  execFileSync('cp', ['-r', join(dir, 'tasks', 'repair-json-config'), join(holdout, 'held-config-task')]);
  const runDir = join(dir, 'run');
  const lines: string[] = [];
  const state = await runEvolve({ runDir, config: { ...config, iterations: 1, holdout }, log: (l) => lines.push(l) });
  assert.equal(state.stopped?.reason, 'all 1 iterations done');
  for (const n of [0, 1]) {
    const stats = readJson(join(runDir, 'iterations', String(n), 'stats.json'));
    assert.equal(stats.holdout.n_tasks, 1);
    assert.ok(existsSync(join(runDir, 'iterations', String(n), 'holdout-job', 'result.json')));
  }
  // Nothing the evolve agent saw names the held-out task.
  const transcript = readFileSync(join(runDir, 'iterations', '0', 'evolve', 'session-1', 'events.jsonl'), 'utf8');
  assert.match(transcript, /read_evidence/);
  assert.doesNotMatch(transcript, /held-config-task/);
  // The held-out score comes with its interval (Wilson over its 1 task), in the summary and the progress line.
  const summary = readFileSync(join(runDir, 'summary.md'), 'utf8');
  assert.match(summary, /^\| iter \| train pass@1 \(95% CI\) \| held-out pass@1 \(95% CI\) \|/m);
  assert.match(summary, /^\| 0 \| 66\.7% \(30\.0%–90\.3%\) \| 0\.0% \(0\.0%–79\.3%\) \|/m);
  assert.match(summary, /^\| 1 \| 83\.3% \(43\.6%–97\.0%\) \| 0\.0% \(0\.0%–79\.3%\) \|/m);
  assert.ok(lines.includes('iteration 0: held-out pass@1 0.0% (95% CI 0.0–79.3%)'), lines.join('\n'));
});

test('a token budget stops the run cleanly between steps, with the reason recorded', { skip }, async () => {
  const { dir, config } = setup();
  const runDir = join(dir, 'run');
  const state = await runEvolve({ runDir, config: { ...config, budget_tokens: 100 } });
  assert.equal(state.step, 'done');
  assert.match(state.stopped!.reason, /^token budget reached: \d+ of 100$/);
  assert.equal(state.iteration, 0);
  assert.equal(existsSync(join(runDir, 'iterations', '0', 'evolve')), false); // stopped before the evolve agent ran
  assert.match(readFileSync(join(runDir, 'summary.md'), 'utf8'), /Stopped: token budget reached/);
});

test('the demo under --eval-policy adaptive -k 2 (docs/evolve.md): 28 trials where fixed runs 48, a budget of 24, and a later phase that says why it runs', {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-adaptive-'));
  const config = demoEvolveConfig(makeDemo(dir), { eval_policy: 'adaptive', k: 2 });
  const runDir = join(dir, 'run');
  const lines: string[] = [];
  const state = await runEvolve({ runDir, config, log: (l) => lines.push(l) });
  assert.equal(state.step, 'done');
  const evaluations = [0, 1, 2, 3].map((n) => readJson(join(runDir, 'iterations', String(n), 'evaluation.json')));
  assert.deepEqual(
    evaluations.map((e) => e.rollouts),
    [12, 6, 4, 6],
  );
  // Iteration 3: the surprised tasks got their second attempts; the budget (24, half of 6 × 2 × 4) was
  // spent, so the tasks not yet run got none.
  assert.equal(evaluations[3].phases.length, 2);
  const [first, second] = evaluations[3].phases as Record<string, number>[];
  for (const [task, attempts] of Object.entries(second!))
    if (!first![task]) assert.equal(attempts, 0, `${task} was not run in the first phase`);
  assert.ok(
    lines.some((l) => l === 'iteration 3: phase 2 (a task stable so far came out against its history): 2 more trials'),
  );
  // Iteration 2 (docs/evolve.md): the harmful lesson is judged on the tasks that were due, and kept.
  const attribution = readJson(join(runDir, 'iterations', '2', 'attribution.json'));
  assert.deepEqual(
    attribution.changes.map((c: { id: string; verdict: string }) => [c.id, c.verdict]),
    [['save-time', 'INEFFECTIVE']],
  );
  assert.deepEqual(readJson(join(runDir, 'iterations', '2', 'gate.json')).rollbacks, []);

  // summary.md says the run is adaptive and what each iteration ran; a score that carries earlier outcomes
  // (iteration 2 ran 2 of 6 tasks, its own job scored 0%) is marked, with no interval over all 6 tasks.
  const summary = readFileSync(join(runDir, 'summary.md'), 'utf8');
  assert.match(summary, /^Evaluation: --eval-policy adaptive, k = 2: /m);
  assert.match(summary, /^\| iter \| train pass@1 \(95% CI\) \| run this iteration \| held-out pass@1 \(95% CI\) \|/m);
  assert.match(summary, /^\| 0 \| 66\.7% \(30\.0%–90\.3%\) \| 6 of 6 tasks, 12 rollouts \| - \|/m);
  assert.match(
    summary,
    /^\| 1 \| 83\.3%\* \(1 of 6 tasks carried\) \| 5 of 6 tasks, 6 rollouts: pass@1 100\.0% \| - \|/m,
  );
  assert.match(
    summary,
    /^\| 2 \| 66\.7%\* \(4 of 6 tasks carried\) \| 2 of 6 tasks, 4 rollouts: pass@1 0\.0% \| - \|/m,
  );
  assert.match(
    summary,
    /^\| 3 \| 33\.3%\* \(2 of 6 tasks carried\) \| 4 of 6 tasks, 6 rollouts: pass@1 25\.0% \| - \|/m,
  );
  assert.match(summary, /^\\\* Includes carried outcomes: .* no 95% interval is shown/m);
  const json = readJson(join(runDir, 'summary.json'));
  assert.equal(json.eval_policy, 'adaptive');
  assert.deepEqual(
    json.iterations.map((r: { train: { n_tasks: number; carried_tasks: number } }) => [
      r.train.n_tasks,
      r.train.carried_tasks,
    ]),
    [
      [6, 0],
      [6, 1],
      [6, 4],
      [6, 2],
    ],
  );
  assert.deepEqual(
    json.iterations.map((r: { evaluation: unknown }) => r.evaluation),
    [
      { policy: 'adaptive', tasks_run: 6, rollouts: 12, pass_at_1: 2 / 3 },
      { policy: 'adaptive', tasks_run: 5, rollouts: 6, pass_at_1: 1 },
      { policy: 'adaptive', tasks_run: 2, rollouts: 4, pass_at_1: 0 },
      { policy: 'adaptive', tasks_run: 4, rollouts: 6, pass_at_1: 0.25 },
    ],
  );
});
