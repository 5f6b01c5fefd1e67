// The job report as `ahe report` and `ahe serve` build it, checked against the files it comes from: an
// oracle job written by `ahe eval` and debugged by `ahe debug`, a Harbor job of another agent, a job
// caught while it is written, a comparison of two jobs, and paths that are no job at all.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { compareJobs } from '../../src/bench/compare-jobs.ts';
import { UserError } from '../../src/errors.ts';
import { distinctNames, jobName, runName } from '../../src/report/load-job.ts';
import { detectEntryKind, loadReport, loadTrialDetail, resolveTrialRef } from '../../src/report/load-report.ts';
import type { CompareJobsReport, DebugReport, JobReport } from '../../src/report/report-data.ts';
import { ahe, copyOf, evalJob, ROOT, tmp } from './load-fixtures.ts';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const oracle = evalJob('oracle');
ahe(['debug', oracle, '--no-llm', '--quiet']);
const noop = evalJob('noop');
const HARBOR = join(ROOT, 'test/fixtures/runs/harbor-gemini-cli-dialogue-parser');

test("an ahe eval job: the score, tasks and trials are the job's own numbers, the debugger's findings beside them", async () => {
  const { payload, trials } = await loadReport([oracle]);
  const job = payload.report as JobReport;
  const result = readJson(join(oracle, 'result.json'));
  assert.equal(job.kind, 'job');
  assert.equal(job.agent, 'oracle');
  assert.equal(job.score.pass_at_1, result.pass_at_1);
  assert.deepEqual(job.score.ci95, result.ci95);
  assert.equal(job.score.n_tasks, result.n_tasks);
  assert.deepEqual(job.score.pass_at_k, result.pass_at_k);
  assert.equal(job.n_trials, 2);
  assert.deepEqual(
    job.tasks.map((t) => [t.task, t.status, t.passes, t.n]),
    Object.entries(result.tasks as Record<string, { n: number; c: number }>).map(([task, t]) => [
      task,
      'passed',
      t.c,
      t.n,
    ]),
  );
  assert.equal(job.progress, undefined, 'a finished job has no progress');
  assert.equal(job.debug_overview, readFileSync(join(oracle, 'debug', 'overview.md'), 'utf8'));
  assert.ok(job.tasks.every((t) => t.debug?.summary?.startsWith('All 1 attempts passed')));
  // Every trial's detail is embedded under its ref, and the ref leads back to it.
  for (const row of job.trials) {
    assert.equal(row.detail_ref, `.#${row.id}`);
    assert.equal(trials[row.detail_ref]?.id, row.id);
    const { jobDir, trialId } = resolveTrialRef(oracle, row.detail_ref);
    assert.equal((await loadTrialDetail(jobDir, trialId)).verifier_output, trials[row.detail_ref]!.verifier_output);
    assert.match(trials[row.detail_ref]!.verifier_output ?? '', /checks passed/);
    assert.match(trials[row.detail_ref]!.digest ?? '', new RegExp(`^## Attempt ${row.id} — PASSED`));
  }
  assert.deepEqual(payload.embedded_trials, { total: 2, embedded: 2, left_out: [], reason: null });
});

test("a Harbor job of another agent (gemini-cli, no job files): agent, model, tokens and reward from its trial's result.json", async () => {
  const { payload, trials } = await loadReport([HARBOR]);
  const job = payload.report as JobReport;
  const trial = readJson(join(HARBOR, 'dialogue-parser__rwnM43w', 'result.json'));
  assert.equal(job.agent, trial.agent_info.name);
  assert.equal(job.model, trial.agent_info.model_info.name);
  const row = job.trials[0]!;
  assert.equal(row.reward, trial.verifier_result.rewards.reward);
  assert.equal(row.passed, false, 'a partial reward is not a pass');
  assert.equal(row.spend.prompt_tokens, trial.agent_result.n_input_tokens);
  assert.equal(row.spend.completion_tokens, trial.agent_result.n_output_tokens);
  assert.equal(job.tasks[0]!.status, 'failed');
  const detail = trials[row.detail_ref]!;
  const trajectory = readJson(join(HARBOR, 'dialogue-parser__rwnM43w', 'agent', 'trajectory.json'));
  assert.equal(detail.steps.length, trajectory.steps.length);
  assert.ok(detail.instruction?.startsWith('You will implement a dialogue parser'));
  assert.equal(
    detail.verifier_output,
    readFileSync(join(HARBOR, 'dialogue-parser__rwnM43w', 'verifier', 'test-stdout.txt'), 'utf8'),
  );
  const call = detail.steps.find((s) => s.tool_calls.length > 0)!;
  assert.ok(call.observations.length > 0, 'tool results are attached to their step');
});

test('a job being written loads: unfinished trials, a result caught mid-write skipped and named, progress while fresh', async () => {
  const job = copyOf(oracle, 'running');
  const result = readJson(join(job, 'result.json'));
  writeFileSync(join(job, 'result.json'), JSON.stringify({ ...result, finished_at: null }));
  const [first, second] = (readJson(join(oracle, 'config.json')).task_names as string[]).map((t) => `${t}__1`);
  rmSync(join(job, second!, 'result.json'));
  mkdirSync(join(job, 'torn__1'));
  writeFileSync(join(job, 'torn__1', 'result.json'), '{"task_name": "torn", "trial_na');
  const report = (await loadReport([job])).payload.report as JobReport;
  assert.deepEqual(
    report.trials.map((t) => t.id),
    [first],
  );
  assert.deepEqual(report.unfinished, [second]);
  assert.ok(report.problems?.some((p) => p.includes(join('torn__1', 'result.json'))));
  assert.equal(report.progress?.done, 1);
  assert.equal(report.progress?.total, 2);
  assert.equal(report.progress?.running, true);
  // Nothing written for longer than the running window: a job that stopped, not one that runs.
  const old = new Date(Date.now() - 60 * 60 * 1000);
  for (const path of [
    job,
    join(job, 'result.json'),
    join(job, 'job.log'),
    join(job, second!),
    join(job, second!, 'trial.log'),
  ])
    utimesSync(path, old, old);
  const stale = (await loadReport([job])).payload.report as JobReport;
  assert.equal(stale.progress?.running, false);
  assert.equal(stale.progress?.eta_sec, null);
});

test('two jobs compared: fixed tasks and the paired test are those of ahe compare', async () => {
  const { payload, trials } = await loadReport([noop, oracle]);
  const report = payload.report as CompareJobsReport;
  assert.equal(report.kind, 'compare-jobs');
  const summary = (dir: string) => readJson(join(dir, 'result.json')).tasks;
  const expected = compareJobs(summary(noop), summary(oracle));
  assert.deepEqual(
    report.tasks.map((t) => [t.task, t.change[1]]),
    expected.tasks.map((t) => [t.task, t.change]),
  );
  assert.ok(report.tasks.every((t) => t.change[1] === 'fixed' && t.pass[0] === 0 && t.pass[1] === 1));
  assert.equal(report.paired[0], null);
  assert.equal(report.paired[1]?.mean_difference, expected.paired.meanDifference);
  assert.deepEqual(report.paired[1]?.ci95, expected.paired.ci95);
  assert.equal(report.paired[1]?.p_value, expected.paired.pValue);
  // Both directories are called job: each is labelled with its parent, and the title says which is which.
  assert.deepEqual(
    report.jobs.map((j) => j.name),
    [noop, oracle].map((d) => `${basename(dirname(d))}/job`),
  );
  assert.equal(payload.title, `Comparison of 2 jobs: ${report.jobs[0]!.name} vs ${report.jobs[1]!.name}`);
  // Each side's refs carry its index and resolve inside that side.
  for (const [i, job] of report.jobs.entries())
    for (const row of job.trials) {
      assert.ok(row.detail_ref.startsWith(`${i}:.#`));
      assert.equal(resolveTrialRef([noop, oracle], row.detail_ref).jobDir, realpathSync([noop, oracle][i]!));
      assert.ok(trials[row.detail_ref]);
    }
});

test('a debug output: its overview and tasks, and the job it analysed with refs that lead back to that job', async () => {
  const debugDir = join(oracle, 'debug');
  assert.equal(detectEntryKind(debugDir), 'debug');
  const { payload } = await loadReport([debugDir]);
  const report = payload.report as DebugReport;
  assert.equal(report.kind, 'debug');
  assert.equal(report.overview, readFileSync(join(debugDir, 'overview.md'), 'utf8'));
  assert.deepEqual(
    report.tasks.map((t) => t.status),
    ['passed', 'passed'],
  );
  assert.ok(report.tasks[0]!.detail.startsWith(`# ${report.tasks[0]!.task}`));
  const row = report.job!.trials[0]!;
  assert.equal(row.detail_ref, `..#${row.id}`);
  assert.deepEqual(resolveTrialRef(debugDir, row.detail_ref), {
    jobDir: realpathSync(oracle),
    trialId: row.id,
    debugDir: realpathSync(debugDir),
  });
});

test('what a directory is; a path of no supported kind is a UserError naming it and what was expected', async () => {
  assert.equal(detectEntryKind(oracle), 'job');
  assert.equal(detectEntryKind(HARBOR), 'job');
  assert.equal(detectEntryKind(join(oracle, readdirTrial(oracle))), null, 'a trial directory is not a job');
  assert.equal(detectEntryKind(join(ROOT, 'tasks', 'train')), null);
  assert.equal(detectEntryKind(join(oracle, 'result.json')), null);
  const empty = tmp('empty');
  await assert.rejects(
    loadReport([empty]),
    (e: Error) => e instanceof UserError && e.message.includes(empty) && /expected an `ahe eval` job/.test(e.message),
  );
  await assert.rejects(
    loadReport([oracle, join(oracle, 'debug')]),
    (e: Error) => e instanceof UserError && /compare jobs with jobs or runs with runs/.test(e.message),
  );
});

function readdirTrial(job: string): string {
  return `${(readJson(join(job, 'config.json')).task_names as string[])[0]}__1`;
}

test('a debug output written elsewhere (--out): its job found through report.json; refs reach that job and nothing else', async () => {
  const out = join(tmp('debug-out'), 'analysis');
  ahe(['debug', oracle, '--no-llm', '--quiet', '--out', out]);
  const report = (await loadReport([out], { embedTrials: false })).payload.report as DebugReport;
  assert.equal(report.name, 'analysis');
  const row = report.job!.trials[0]!;
  assert.ok(row.detail_ref.endsWith(`#${row.id}`) && row.detail_ref.includes('..'));
  const resolved = resolveTrialRef(out, row.detail_ref);
  assert.deepEqual(resolved, { jobDir: realpathSync(oracle), trialId: row.id, debugDir: realpathSync(out) });
  assert.throws(() => resolveTrialRef(out, `..#${row.id}`), /leads outside/);
  // The trial's digest is this output's (the job itself has its own debug/ too: both hold one).
  const detail = await loadTrialDetail(resolved.jobDir, resolved.trialId, resolved.debugDir);
  assert.match(detail.digest ?? '', new RegExp(`^## Attempt ${row.id} `));
});

test('a job or run directory with a generic name is named by where it is; shared names get a distinguishing path suffix', async () => {
  assert.equal(jobName('/w/jobs/2026-11-26__10-00-00'), '2026-11-26__10-00-00');
  assert.equal(jobName('/w/seed/job', 'job'), 'seed/job');
  assert.equal(jobName('/w/x/job', 'my-job'), 'my-job');
  assert.equal(jobName('/w/runs/first/iterations/3/job', 'job'), 'first · iteration 3 · train');
  assert.equal(jobName('/w/demo/run/iterations/0/holdout-job'), 'demo/run · iteration 0 · held-out');
  assert.equal(runName('/w/runs/evolve-demo/run'), 'evolve-demo/run');
  assert.equal(runName('/w/runs/first'), 'first');
  assert.deepEqual(distinctNames(['seed/job', 'seed/job', 'other'], ['/a/x/seed/job', '/b/x/seed/job', '/c/other']), [
    'a/x/seed/job',
    'b/x/seed/job',
    'other',
  ]);
  assert.deepEqual(distinctNames(['job', 'job'], ['/runs/a/job', '/runs/b/job']), ['a/job', 'b/job']);
  // A job directory given alone: its page is titled by its name, never "Job job".
  const { payload } = await loadReport([oracle], { embedTrials: false });
  assert.equal(payload.title, `Job ${basename(dirname(oracle))}/job`);
});
