// The evolve run report checked against the run directory of the offline demo (3 iterations on scripted
// models, written by the real `ahe evolve`): every number equals the file it comes from, the changes
// carry the next iteration's verdicts and the gate's rollbacks, refs lead to the iterations' trials, the
// static file's budget embeds the latest and best iterations first, a run caught mid-iteration loads,
// and two runs compare.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { embeddedSize } from '../../src/report/load-embedded-trials.ts';
import { loadReport, loadTrialDetail, resolveTrialRef } from '../../src/report/load-report.ts';
import type { CompareRunsReport, RunReport } from '../../src/report/report-data.ts';
import { writeReportFile } from '../../src/report/write-report.ts';
import { copyOf, demoRun, tmp } from './load-fixtures.ts';

const run = demoRun();
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const iterationFile = (n: number, name: string) => join(run, 'iterations', String(n), name);
const numbers = readdirSync(join(run, 'iterations'))
  .map(Number)
  .sort((a, b) => a - b);

test('per iteration: scores, the task matrix, flips and the paired test equal stats.json and the jobs', async () => {
  const report = (await loadReport([run], { embedTrials: false })).payload.report as RunReport;
  assert.equal(report.kind, 'run');
  assert.deepEqual(
    report.iterations.map((i) => i.iteration),
    numbers,
  );
  for (const it of report.iterations) {
    const stats = readJson(iterationFile(it.iteration, 'stats.json'));
    assert.equal(it.train?.pass_at_1, stats.train.pass_at_1, `iteration ${it.iteration} pass@1`);
    assert.deepEqual(it.train?.ci95, stats.train.ci95);
    assert.equal(it.train?.stderr, stats.train.stderr);
    assert.deepEqual(it.fixed, stats.train.vs_previous?.fixed ?? []);
    assert.deepEqual(it.regressed, stats.train.vs_previous?.regressed ?? []);
    assert.equal(it.paired_vs_previous?.p_value, stats.train.vs_previous?.paired.pValue);
    const tasks = readJson(iterationFile(it.iteration, 'job/result.json')).tasks as Record<
      string,
      { n: number; c: number }
    >;
    assert.deepEqual(it.task_pass, Object.fromEntries(Object.entries(tasks).map(([t, s]) => [t, s.c / s.n])));
    assert.equal(it.job?.trials.length, Object.keys(tasks).length);
    const usage = readJson(iterationFile(it.iteration, 'usage.json'));
    for (const [role, spend] of Object.entries(usage as Record<string, { prompt_tokens: number; calls: number }>)) {
      assert.equal(it.usage[role]?.prompt_tokens, spend.prompt_tokens);
      assert.equal(it.usage[role]?.calls, spend.calls);
    }
    let diff: string | null = null;
    try {
      diff = readFileSync(iterationFile(it.iteration, 'diff.patch'), 'utf8');
    } catch {}
    assert.equal(it.diff, diff);
  }
  assert.deepEqual(report.train_tasks, Object.keys(report.iterations[0]!.task_pass).sort());
});

test("changes carry the next iteration's verdict and the gate's rollback; leak refusals, best and prediction quality from their files", async () => {
  const report = (await loadReport([run], { embedTrials: false })).payload.report as RunReport;
  const state = readJson(join(run, 'state.json'));
  for (const it of report.iterations.filter((i) => i.changes.length > 0)) {
    const manifest = readJson(iterationFile(it.iteration, 'change_manifest.json'));
    const attribution = readJson(iterationFile(it.iteration + 1, 'attribution.json'));
    assert.deepEqual(
      it.changes.map((c) => c.id),
      manifest.changes.map((c: { id: string }) => c.id),
    );
    for (const change of it.changes) {
      const judged = attribution.changes.find((c: { id: string }) => c.id === change.id);
      assert.equal(change.verdict, judged.verdict);
      assert.deepEqual(change.actually_fixed, judged.actually_fixed);
      const rollback = state.rollbacks.find((r: { change_id: string }) => r.change_id === change.id);
      assert.equal(change.rolled_back, !!rollback);
      assert.equal(change.rollback_reason, rollback?.reason ?? null);
    }
  }
  // The demo's harmful change is rolled back by the gate of the iteration that measured it.
  const rolledBack = state.rollbacks[0];
  assert.ok(rolledBack, 'the demo rolls one change back');
  const gateIteration = report.iterations.find((i) => i.iteration === rolledBack.iteration)!;
  assert.deepEqual(gateIteration.rollbacks, [{ change_id: rolledBack.change_id, reason: rolledBack.reason }]);
  assert.equal(gateIteration.gate_reason, readJson(iterationFile(rolledBack.iteration, 'gate.json')).reason);
  const leakLines = numbers.flatMap((n) => {
    try {
      return readFileSync(iterationFile(n, 'leak-rejections.jsonl'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  });
  assert.ok(leakLines.length > 0, 'the demo has a leak refusal');
  assert.equal(report.iterations.flatMap((i) => i.leak_rejections).length, leakLines.length);
  assert.match(report.iterations.flatMap((i) => i.leak_rejections)[0]!.findings[0]!, /task-name "top-words"/);
  assert.deepEqual(report.best, { iteration: state.best.iteration, pass_at_1: state.best.pass_at_1 });
  const judged = numbers.filter((n) => existsSync(iterationFile(n, 'attribution.json')));
  const last = readJson(iterationFile(Math.max(...judged), 'attribution.json'));
  assert.deepEqual(report.prediction_quality, {
    precision: last.run_prediction_quality.precision,
    recall: last.run_prediction_quality.recall,
  });
  assert.deepEqual(report.status, {
    iteration: state.iteration,
    step: 'done',
    done: true,
    stopped_reason: state.stopped.reason,
  });
  assert.equal(report.progress, undefined, 'a finished run has no progress');
  const ledger = Object.values(state.ledger) as { prompt_tokens: number }[];
  assert.equal(
    report.spend.prompt_tokens,
    ledger.reduce((n, r) => n + r.prompt_tokens, 0),
  );
});

test("an adaptive run whose predictions were mostly wrong carries summary.md's advice; the demo's none", async () => {
  const plain = (await loadReport([run], { embedTrials: false })).payload.report as RunReport;
  assert.equal(plain.eval_policy_advice, null);
  const copy = copyOf(run);
  const stateFile = join(copy, 'state.json');
  const state = readJson(stateFile);
  writeFileSync(stateFile, JSON.stringify({ ...state, config: { ...state.config, eval_policy: 'adaptive' } }));
  const judged = numbers.filter((n) => existsSync(iterationFile(n, 'attribution.json')));
  const lastFile = join(copy, 'iterations', String(Math.max(...judged)), 'attribution.json');
  const last = readJson(lastFile);
  const poor = { ...last.run_prediction_quality, precision: 0.1, predicted: 10, actually_fixed: 1 };
  writeFileSync(lastFile, JSON.stringify({ ...last, run_prediction_quality: poor }));
  const report = (await loadReport([copy], { embedTrials: false })).payload.report as RunReport;
  assert.match(report.eval_policy_advice ?? '', /^the evolve agent's predicted fixes came true for 1 of 10 \(10%\)\./);
});

test('what each iteration ran, from evaluation.json; under adaptive a train score that carries earlier outcomes says how many', async () => {
  const plain = (await loadReport([run], { embedTrials: false })).payload.report as RunReport;
  assert.equal(plain.config.eval_policy, 'fixed');
  for (const it of plain.iterations) {
    const evaluation = readJson(iterationFile(it.iteration, 'evaluation.json'));
    assert.deepEqual(it.evaluation, {
      policy: 'fixed',
      tasks_run: Object.keys(evaluation.attempts).length,
      rollouts: evaluation.rollouts,
      pass_at_1: it.job!.score.pass_at_1,
    });
    assert.equal(it.train?.carried_tasks, undefined, 'a fixed run carries nothing');
  }
  // The same run as if adaptive, iteration 2 having run 2 of its 6 tasks (the others carried).
  const copy = copyOf(run, 'adaptive-run');
  const stateFile = join(copy, 'state.json');
  const state = readJson(stateFile);
  writeFileSync(stateFile, JSON.stringify({ ...state, config: { ...state.config, eval_policy: 'adaptive' } }));
  for (const n of numbers) {
    const file = join(copy, 'iterations', String(n), 'evaluation.json');
    const evaluation = readJson(file);
    const attempts = n === 2 ? { 'csv-region-totals': 1, 'top-words': 1 } : evaluation.attempts;
    const rollouts = n === 2 ? 2 : evaluation.rollouts;
    writeFileSync(file, JSON.stringify({ ...evaluation, policy: 'adaptive', attempts, rollouts }));
  }
  const report = (await loadReport([copy], { embedTrials: false })).payload.report as RunReport;
  assert.equal(report.config.eval_policy, 'adaptive');
  const it2 = report.iterations.find((i) => i.iteration === 2)!;
  assert.deepEqual(it2.evaluation, {
    policy: 'adaptive',
    tasks_run: 2,
    rollouts: 2,
    pass_at_1: it2.job!.score.pass_at_1,
  });
  assert.equal(it2.train?.n_tasks, 6);
  assert.equal(it2.train?.carried_tasks, 4);
  for (const it of report.iterations.filter((i) => i.iteration !== 2))
    assert.equal(it.train?.carried_tasks, undefined, `iteration ${it.iteration} ran every task`);
});

test("refs lead to each iteration's trials; over the byte budget the latest and best iterations are embedded first", async () => {
  const all = await loadReport([run]);
  const report = all.payload.report as RunReport;
  const refs = report.iterations.flatMap((i) => i.job!.trials.map((t) => t.detail_ref));
  assert.deepEqual(Object.keys(all.trials).sort(), [...refs].sort(), 'a small run embeds every detail');
  for (const ref of refs) {
    assert.match(ref, /^iterations\/\d+\/job#/);
    const { jobDir, trialId } = resolveTrialRef(run, ref);
    assert.deepEqual(await loadTrialDetail(jobDir, trialId), all.trials[ref]);
  }
  // A budget for about three details: the latest and the best iteration's failing trials come first.
  const sizes = Object.values(all.trials).map(embeddedSize);
  const budget = Math.max(...sizes) * 3 + 200;
  const some = await loadReport([run], { maxEmbeddedBytes: budget });
  const embedded = Object.keys(some.trials);
  const info = some.payload.embedded_trials!;
  assert.ok(embedded.length > 0 && embedded.length < refs.length, `${embedded.length} of ${refs.length} embedded`);
  assert.equal(info.embedded, embedded.length);
  assert.equal(info.total, refs.length);
  assert.deepEqual([...info.left_out, ...embedded].sort(), [...refs].sort());
  assert.match(info.reason ?? '', /ahe serve/);
  const latest = Math.max(...numbers);
  const best = report.best!.iteration;
  const first = new Set([latest, best]);
  assert.ok(
    embedded.every((ref) => first.has(Number(/^iterations\/(\d+)\//.exec(ref)![1]))),
    `only the latest (${latest}) and best (${best}) iterations fit: ${embedded.join(', ')}`,
  );
  const failing = report.iterations
    .filter((i) => first.has(i.iteration))
    .flatMap((i) => i.job!.trials.filter((t) => !t.passed).map((t) => t.detail_ref));
  assert.ok(failing.length > 0 && failing.every((ref) => embedded.includes(ref)), 'failing trials before passing ones');
});

test('a run caught mid-iteration loads: no score yet for the current iteration, progress while fresh', async () => {
  const copy = copyOf(run, 'running-run');
  const state = readJson(join(copy, 'state.json'));
  const current = Math.max(...numbers);
  writeFileSync(
    join(copy, 'state.json'),
    JSON.stringify({ ...state, step: 'stats', iteration: current, stopped: undefined }),
  );
  for (const name of ['stats.json', 'gate.json', 'usage.json'])
    rmSync(join(copy, 'iterations', String(current), name), { force: true });
  writeFileSync(join(copy, 'iterations', String(current), 'attribution.json'), '{"iteration": 2, "chan');
  const report = (await loadReport([copy], { embedTrials: false })).payload.report as RunReport;
  const it = report.iterations.at(-1)!;
  assert.equal(it.iteration, current);
  assert.equal(it.train, null);
  assert.ok(it.job, 'its job is there');
  assert.deepEqual(it.usage, {});
  assert.ok(
    report.problems?.some((p) => p.includes('attribution.json')),
    'the torn file is named',
  );
  assert.equal(report.status.done, false);
  assert.deepEqual(
    [report.progress?.running, report.progress?.iteration, report.progress?.step, report.progress?.done],
    [true, current, 'stats', current],
  );
  assert.equal(report.progress?.total, state.config.iterations + 1);
});

test('two runs compared: each run whole, refs prefixed by the index of their run', async () => {
  const other = copyOf(run, 'other-run');
  const { payload, trials } = await loadReport([run, other]);
  const report = payload.report as CompareRunsReport;
  assert.equal(report.kind, 'compare-runs');
  assert.equal(report.runs.length, 2);
  assert.deepEqual(
    report.runs[1]!.iterations.map((i) => i.train?.pass_at_1),
    report.runs[0]!.iterations.map((i) => i.train?.pass_at_1),
  );
  const ref = report.runs[1]!.iterations[0]!.job!.trials[0]!.detail_ref;
  assert.match(ref, /^1:iterations\/0\/job#/);
  assert.ok(resolveTrialRef([run, other], ref).jobDir.startsWith(other));
  assert.ok(Object.keys(trials).some((r) => r.startsWith('0:')) && Object.keys(trials).some((r) => r.startsWith('1:')));
});

test('the written file stays under its byte budget; the details left out are named in its data', async () => {
  const out = join(tmp('write'), 'run.html');
  const full = await writeReportFile([run], out);
  assert.equal(full.embedded, full.total);
  const maxFileBytes = full.bytes - 2500;
  const small = await writeReportFile([run], out, { maxFileBytes });
  assert.ok(small.bytes <= maxFileBytes, `${small.bytes} ≤ ${maxFileBytes}`);
  assert.ok(small.embedded > 0 && small.embedded < small.total, `${small.embedded} of ${small.total}`);
  const html = readFileSync(out, 'utf8');
  assert.equal(Buffer.byteLength(html), small.bytes);
  const data = /<script type="application\/json" id="ahe-report-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  const info = JSON.parse(data).embedded_trials;
  assert.equal(info.left_out.length, small.total - small.embedded);
});
