// A trial's detail (the trial view's data) from what real writers leave: ahe's harness agent with hostile
// markup in every field, a multi-step task, Terminus-2 and OpenHands ATIF trajectories; texts kept whole
// up to the cap, then head and tail with a note. And the refs the page sends back: anything leading out
// of the report's directory is refused.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { MAX_FIELD_CHARS } from '../../src/report/load-file.ts';
import { loadReport, loadTrialDetail, resolveTrialRef } from '../../src/report/load-report.ts';
import type { JobReport } from '../../src/report/report-data.ts';
import { copyOf, HOSTILE, hostileJob, multiStepJob, ROOT, tmp } from './load-fixtures.ts';

const hostile = hostileJob();
const multiStep = multiStepJob();
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('a harness trial: every step of its ATIF trajectory, hostile markup passed on as the trace wrote it', async () => {
  const detail = await loadTrialDetail(hostile, 'csv-region-totals__1');
  const trajectory = readJson(join(hostile, 'csv-region-totals__1', 'agent', 'trajectory.json'));
  assert.equal(detail.steps.length, trajectory.steps.length);
  assert.deepEqual(
    detail.steps.map((s) => s.source),
    trajectory.steps.map((s: { source: string }) => s.source),
  );
  const agent = detail.steps.filter((s) => s.source === 'agent');
  assert.equal(agent[0]!.text, HOSTILE.text);
  assert.equal(agent[0]!.reasoning, HOSTILE.reasoning);
  assert.equal(agent[0]!.tool_calls[0]!.name, 'run_shell_command');
  assert.deepEqual(JSON.parse(agent[0]!.tool_calls[0]!.arguments), { command: `echo '${HOSTILE.output}'` });
  assert.equal(agent[0]!.observations[0]!.call_id, agent[0]!.tool_calls[0]!.id);
  assert.ok(agent[0]!.observations[0]!.content.startsWith(HOSTILE.output));
  assert.equal(agent.at(-1)!.text, HOSTILE.final);
  assert.equal(detail.instruction, readFileSync(join(ROOT, 'tasks/train/csv-region-totals/instruction.md'), 'utf8'));
  assert.ok(agent[0]!.tokens && agent[0]!.tokens.prompt! > 0);
  assert.match(detail.verifier_output ?? '', /checks passed/);
  assert.equal(detail.reward, 0);
  // The job's row says the same, with the steps the agent took.
  const job = (await loadReport([hostile], { embedTrials: false })).payload.report as JobReport;
  assert.equal(job.trials[0]!.steps, readJson(join(hostile, 'csv-region-totals__1', 'result.json')).ahe.steps);
  assert.equal(job.tasks[0]!.status, 'failed');
  assert.equal(job.harness, 'seed', "the harness by its name (config.json's agent.harness)");
});

test("a multi-step trial: each step's trajectory and reward in order, every step's verifier output", async () => {
  const detail = await loadTrialDetail(multiStep, 'greet__1');
  const result = readJson(join(multiStep, 'greet__1', 'result.json'));
  assert.deepEqual(
    detail.task_steps?.map((s) => [s.name, s.reward]),
    result.step_results.map((s: { step_name: string; verifier_result: { rewards: { reward: number } } }) => [
      s.step_name,
      s.verifier_result.rewards.reward,
    ]),
  );
  assert.deepEqual(detail.steps, []);
  const outputs = (result.step_results as { step_name: string }[]).flatMap((step) => {
    const out = readFileSync(
      join(multiStep, 'greet__1', 'steps', step.step_name, 'verifier', 'test-stdout.txt'),
      'utf8',
    );
    return out.trim() ? [`── step ${step.step_name} ──\n${out}`] : [];
  });
  assert.equal(detail.verifier_output, outputs.length ? outputs.join('\n\n') : null);
});

test("other writers' ATIF (Terminus-2, OpenHands): calls, results without ids, sub-trajectories named", async () => {
  const job = tmp('atif');
  for (const [name, fixture] of [
    ['hello__timeout', 'atif-terminus2-timeout'],
    ['hello__summary', 'atif-terminus2-summarization'],
    ['hello__openhands', 'atif-openhands-hello-world'],
  ] as const)
    cpSync(join(ROOT, 'test/fixtures/runs', fixture), join(job, name), { recursive: true });
  for (const name of ['hello__timeout', 'hello__openhands']) {
    const detail = await loadTrialDetail(job, name);
    const trajectory = readJson(join(job, name, 'agent', 'trajectory.json'));
    assert.equal(detail.steps.length, trajectory.steps.length, name);
    assert.equal(detail.reward, null, 'no result.json: no reward');
    assert.ok(
      detail.steps.some((s) => s.tool_calls.length > 0 && s.observations.length > 0),
      name,
    );
  }
  const summary = await loadTrialDetail(job, 'hello__summary');
  assert.equal(summary.steps.length, readJson(join(job, 'hello__summary', 'agent', 'trajectory.json')).steps.length);
  assert.ok(
    summary.steps.some((s) =>
      s.observations.some((o) => /^\[sub-agent .*trajectory\.summarization-1-summary\.json\]/m.test(o.content)),
    ),
    'a sub-trajectory is named where it is referenced',
  );
  // A job of trials without result.json still loads: they are its unfinished trials.
  const report = (await loadReport([job], { embedTrials: false })).payload.report as JobReport;
  assert.deepEqual(report.unfinished?.sort(), ['hello__openhands', 'hello__summary', 'hello__timeout']);
});

test('a field over the cap keeps its head and tail and says so; the rest stays whole', async () => {
  const job = copyOf(hostile, 'huge');
  const file = join(job, 'csv-region-totals__1', 'agent', 'trajectory.json');
  const trajectory = readJson(file);
  const agent = trajectory.steps.find((s: { tool_calls?: unknown[] }) => s.tool_calls?.length);
  const huge = `HEAD${'x'.repeat(MAX_FIELD_CHARS * 2)}TAIL`;
  agent.observation.results[0].content = huge;
  writeFileSync(file, JSON.stringify(trajectory));
  const detail = await loadTrialDetail(job, 'csv-region-totals__1');
  const content = detail.steps.find((s) => s.observations.length)!.observations[0]!.content;
  assert.ok(content.length < MAX_FIELD_CHARS + 200 && content.length > MAX_FIELD_CHARS - 200);
  assert.ok(content.startsWith('HEAD') && content.endsWith('TAIL'));
  assert.match(content, /characters left out/);
  assert.ok(detail.notes.some((n) => /observation: \d+ characters; the middle \d+ were left out/.test(n)));
  assert.equal(detail.steps.find((s) => s.source === 'agent')!.text, HOSTILE.text);
});

test('refs: a trial of the report resolves; paths out of it, absolute paths, bad names and symlinks out are refused', () => {
  const root = copyOf(hostile, 'refs');
  assert.deepEqual(resolveTrialRef(root, '.#csv-region-totals__1').trialId, 'csv-region-totals__1');
  const outside = copyOf(hostile, 'outside');
  mkdirSync(join(root, 'nested'));
  symlinkSync(outside, join(root, 'nested', 'link'));
  symlinkSync(join(outside, 'csv-region-totals__1'), join(root, 'escape__1'));
  const refused = [
    '../outside#csv-region-totals__1',
    `${outside}#csv-region-totals__1`,
    '.#../csv-region-totals__1',
    '.#..',
    '.#',
    'nested/link#csv-region-totals__1',
    '.#escape__1',
    '1:.#csv-region-totals__1',
    'no-hash',
  ];
  for (const ref of refused)
    assert.throws(
      () => resolveTrialRef(root, ref),
      (e: Error) => e instanceof UserError,
      `refused: ${ref}`,
    );
  assert.throws(() => resolveTrialRef(root, 'nested/link#csv-region-totals__1'), /leads outside/);
});
