// The data side of the report page's run and comparison views, in node (the drawing is checked in the
// browser tests): diffs split into files, the heatmap's rows, the CI bands' series, the per-iteration
// prediction quality, and the tooltip safety of every chart option.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { scoreChartOption } from '../../src/report/page/chart-scores.ts';
import { plain, prepareOption } from '../../src/report/page/charts.ts';
import { parseUnifiedDiff } from '../../src/report/page/diff-view.ts';
import { predictionsPerIteration, scoredPredictions } from '../../src/report/page/run-attribution.ts';
import { heatmapTasks, orderTasks } from '../../src/report/page/run-heatmap.ts';
import { spendRoles } from '../../src/report/page/run-spend.ts';
import { evaluationText, scoreText } from '../../src/report/page/run-timeline.ts';
import type { CompareRunsReport, ReportPayload, RunReport, ScoreView } from '../../src/report/report-data.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')) as ReportPayload;
const sampleRun = () => fixture('run-sample.json').report as RunReport;

const score = (p: number, lo: number, hi: number): ScoreView => ({
  pass_at_1: p,
  ci95: [lo, hi],
  stderr: 0.1,
  n_tasks: 10,
  pass_at_k: {},
});

describe('parseUnifiedDiff', () => {
  it('splits a git diff into files with their added and removed counts', () => {
    const files = parseUnifiedDiff(
      [
        'diff --git a/prompts/system.md b/prompts/system.md',
        '--- a/prompts/system.md',
        '+++ b/prompts/system.md',
        '@@ -1,3 +1,3 @@',
        ' keep',
        '-old <script>alert(1)</script>',
        '+new',
        '+another',
        '-- a removed line starting with dashes',
        'diff --git a/tools/new.yaml b/tools/new.yaml',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/tools/new.yaml',
        '@@ -0,0 +1 @@',
        '+name: new',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      files.map((f) => [f.path, f.added, f.removed]),
      [
        ['prompts/system.md', 2, 2],
        ['tools/new.yaml', 1, 0],
      ],
    );
    assert.ok(files[0]!.lines.some((l) => l.kind === 'del' && l.text === '-old <script>alert(1)</script>'));
    assert.equal(files[0]!.lines.find((l) => l.kind === 'hunk')?.text, '@@ -1,3 +1,3 @@');
  });

  it('reads a plain diff -u with several files, and a deleted file by its old path', () => {
    const files = parseUnifiedDiff(
      [
        '--- a/one.md\t2026-01-01',
        '+++ b/one.md\t2026-01-02',
        '@@ -1 +1 @@',
        '-a',
        '+b',
        '--- a/gone.md',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-bye',
      ].join('\n'),
    );
    assert.deepEqual(
      files.map((f) => [f.path, f.added, f.removed]),
      [
        ['one.md', 1, 1],
        ['gone.md', 0, 1],
      ],
    );
  });

  it('returns no file for an empty diff', () => {
    assert.deepEqual(parseUnifiedDiff(''), []);
  });
});

describe('run view data', () => {
  it('heatmap rows: the training tasks in order, then tasks measured but not listed', () => {
    const run = sampleRun();
    const extra = { ...run, train_tasks: run.train_tasks.slice(1) };
    const rows = heatmapTasks(extra);
    assert.deepEqual(rows.slice(0, -1), run.train_tasks.slice(1));
    assert.equal(rows.at(-1), run.train_tasks[0]);
    assert.deepEqual(heatmapTasks({ ...run, train_tasks: [], iterations: [] }), []);
  });

  it('heatmap rows can be ordered by lowest mean pass or by most flips, ties kept in the listed order', () => {
    const base = sampleRun().iterations[0]!;
    const iterations = [
      { ...base, task_pass: { a: 1, b: 0, c: 0.5, d: null }, fixed: [], regressed: [] },
      { ...base, task_pass: { a: 0, b: 0, c: 0.5, d: null }, fixed: [], regressed: ['a'] },
      { ...base, task_pass: { a: 1, b: 0.5, c: 0.5, d: null }, fixed: ['a', 'b'], regressed: [] },
    ];
    const tasks = ['a', 'b', 'c', 'd'];
    assert.deepEqual(orderTasks(tasks, iterations, 'listed'), tasks);
    // means: a 2/3, b 1/6, c 1/2, d never measured (last)
    assert.deepEqual(orderTasks(tasks, iterations, 'hardest'), ['b', 'c', 'a', 'd']);
    assert.deepEqual(orderTasks(tasks, iterations, 'flips'), ['a', 'b', 'c', 'd']);
  });

  it('spend roles come in the order coding, debugger, evolver, then others', () => {
    const run = sampleRun();
    const iterations = run.iterations.map((it, i) =>
      i === 0 ? { ...it, usage: { ...it.usage, 'best-of-n': it.usage.coding! } } : it,
    );
    assert.deepEqual(spendRoles({ ...run, iterations }), ['coding', 'debugger', 'evolver', 'best-of-n']);
  });

  it('per-iteration precision and recall count the judged changes against the next iteration', () => {
    const run = sampleRun();
    const base = run.iterations[0]!;
    const change = (predicted: string[], fixed: string[], verdict: string | null) => ({
      ...base.changes[0]!,
      predicted_fixes: predicted,
      actually_fixed: fixed,
      verdict,
    });
    const iterations = [
      {
        ...base,
        iteration: 0,
        changes: [change(['a', 'b'], ['a'], 'PARTIALLY_EFFECTIVE'), change(['c'], [], 'INEFFECTIVE')],
      },
      { ...base, iteration: 1, fixed: ['a', 'd'], changes: [change(['x'], [], null)] },
    ];
    const rows = predictionsPerIteration({ ...run, iterations });
    assert.equal(rows.length, 1, 'iteration 1 has no judged change yet');
    assert.deepEqual(rows[0], {
      iteration: 0,
      predicted: 3,
      happened: 1,
      precision: 1 / 3,
      fixedNext: 2,
      credited: 1,
      recall: 1 / 2,
    });
  });

  it('an iteration with neither ratio (nothing predicted, nothing fixed next) gets no bar: no "0%" over nothing', () => {
    const run = sampleRun();
    const base = run.iterations[0]!;
    const change = { ...base.changes[0]!, predicted_fixes: [], actually_fixed: [], verdict: 'INEFFECTIVE' };
    const iterations = [
      { ...base, iteration: 0, changes: [change] },
      { ...base, iteration: 1, fixed: [], changes: [] },
    ];
    const rows = predictionsPerIteration({ ...run, iterations });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.precision, null);
    assert.equal(rows[0]!.recall, null);
    assert.deepEqual(scoredPredictions(rows), []);
    const zero = { ...rows[0]!, predicted: 2, happened: 0, precision: 0 };
    assert.deepEqual(scoredPredictions([zero, rows[0]!]), [zero], 'a measured 0% stays');
  });
});

describe('pass@1 chart option', () => {
  it('draws each curve as a line and a CI band stacked on its lower bound, with gaps where not measured', () => {
    const option = scoreChartOption(
      ['0', '1', '2'],
      [
        {
          name: 'train',
          color: '#0072B2',
          dashed: false,
          points: [score(0.3, 0.1, 0.5), null, score(0.6, 0.4, 0.8)],
          best: 2,
        },
      ],
    );
    const series = option.series as { data: unknown[]; stack?: string; areaStyle?: unknown }[];
    assert.equal(series.length, 3);
    const [line, low, band] = series;
    assert.equal(low!.stack, band!.stack);
    assert.ok(band!.areaStyle && !low!.areaStyle);
    assert.deepEqual(low!.data, [0.1, '-', 0.4]);
    assert.deepEqual(
      (band!.data as (number | string)[]).map((v) => (typeof v === 'number' ? Number(v.toFixed(6)) : v)),
      [0.4, '-', 0.4],
    );
    assert.equal(line!.data[0], 0.3);
    assert.equal((line!.data[2] as { symbol?: string }).symbol, 'diamond', 'the best iteration is marked');
  });

  it("draws no band for an adaptive run's train score that carries earlier outcomes, and its tooltip says why", () => {
    const carried: ScoreView = { ...score(0.667, 0.3, 0.903), n_tasks: 6, carried_tasks: 4 };
    const option = scoreChartOption(
      ['0', '1'],
      [{ name: 'train', color: '#0072B2', dashed: false, points: [score(0.5, 0.2, 0.8), carried] }],
    );
    const [line, low, band] = option.series as { data: unknown[] }[];
    assert.equal(line!.data[1], 0.667, 'the score is drawn');
    assert.deepEqual(low!.data, [0.2, '-']);
    assert.equal(band!.data[1], '-');
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter;
    assert.match(
      formatter([{ dataIndex: 1 }]),
      /train: 66\.7% \(4 of 6 tasks carried from earlier iterations, no interval\)/,
    );
    assert.doesNotMatch(formatter([{ dataIndex: 1 }]), /95% CI/);
    assert.equal(scoreText(carried), '66.7% (4 of 6 tasks carried from earlier iterations, no interval)');
    assert.equal(
      evaluationText({ train: carried, evaluation: { policy: 'adaptive', tasks_run: 2, rollouts: 4, pass_at_1: 0 } }),
      '2 of 6 tasks, 4 rollouts (pass@1 0.0% over them)',
    );
  });

  it('its tooltip shows names from the data as plain text, with rich-text braces neutralised', () => {
    const option = scoreChartOption(
      ['0'],
      [{ name: '<img src=x onerror=alert(1)> {a|b}', color: '#000', dashed: false, points: [score(0.5, 0.2, 0.8)] }],
    );
    const formatter = (option.tooltip as { formatter: (p: unknown) => string }).formatter;
    const text = formatter([{ dataIndex: 0 }]);
    assert.match(text, /<img src=x onerror=alert\(1\)> ｛a\|b｝: 50\.0%/);
    assert.equal(plain('{x}'), '｛x｝');
  });
});

describe('chart options', () => {
  it('every tooltip is drawn as canvas text, even when a view asks for HTML', () => {
    const option = prepareOption({ tooltip: { renderMode: 'html', trigger: 'axis' } });
    const tooltip = option.tooltip as { renderMode: string; trigger: string };
    assert.equal(tooltip.renderMode, 'richText');
    assert.equal(tooltip.trigger, 'axis');
    assert.equal((prepareOption({}).tooltip as { renderMode: string }).renderMode, 'richText');
  });

  it('the sample payloads are the kinds the views take', () => {
    assert.equal(fixture('run-sample.json').report.kind, 'run');
    assert.equal(fixture('run-sample-running.json').report.kind, 'run');
    const runs = fixture('run-sample-compare.json').report as CompareRunsReport;
    assert.equal(runs.kind, 'compare-runs');
    assert.ok(
      runs.runs.some((r) => r.iterations.length === 0),
      'a run with no iteration is among them',
    );
    assert.equal(fixture('compare-jobs-sample.json').report.kind, 'compare-jobs');
  });
});
