// Comparisons. Jobs (`ahe report JOB_A JOB_B …`): each job's pass@1 with its CI and its paired test
// against the first job, then every task side by side with what changed from the first job (fixed,
// regressed, improved, worsened). Runs (`ahe report RUN_A RUN_B …`, e.g. one task set evolved by
// different methods): their train and held-out curves overlaid with CI bands and a table of their final
// scores, spend and method; a click on a run shows its own view under the comparison.
import type { CompareJobsReport, CompareRunsReport, JobReport, RunReport, ScoreView } from '../report-data.ts';
import { type ScoreCurve, scoreChartOption } from './chart-scores.ts';
import { type ChartOption, disposeCharts, PALETTE, plain, renderChart } from './charts.ts';
import { clear, h, pct, tokens, usd } from './dom.ts';
import { chip } from './run-labels.ts';
import { scoreText } from './run-timeline.ts';
import { renderRunView } from './run-view.ts';
import { type Column, renderTable } from './table.ts';
import type { ViewContext } from './view-context.ts';
import { panel } from './view-parts.ts';

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${pct(Math.abs(x))}`;

/** A forest plot: each job's pass@1 as a point and its 95% CI as a bar. */
function jobsForestOption(jobs: JobReport[]): ChartOption {
  const labels = jobs.map((j, i) => `${i + 1}. ${j.name}`);
  return {
    grid: {
      left: Math.min(260, Math.max(80, Math.max(...labels.map((l) => l.length)) * 6.5 + 16)),
      right: 32,
      top: 16,
      bottom: 44,
    },
    tooltip: {
      formatter: (p: { dataIndex?: number }) => {
        const job = jobs[p.dataIndex ?? 0];
        return job ? `${plain(job.name)}\npass@1 ${scoreText(job.score)}` : '';
      },
    },
    xAxis: {
      type: 'value',
      name: 'pass@1',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      max: 1,
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    yAxis: { type: 'category', inverse: true, data: labels, axisLabel: { width: 250, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        stack: 'ci',
        silent: true,
        itemStyle: { color: 'transparent' },
        data: jobs.map((j) => j.score.ci95[0]),
      },
      {
        type: 'bar',
        name: '95% CI',
        stack: 'ci',
        barWidth: 8,
        itemStyle: { color: '#56B4E9' },
        data: jobs.map((j) => Math.max(0, j.score.ci95[1] - j.score.ci95[0])),
      },
      {
        type: 'scatter',
        name: 'pass@1',
        symbol: 'diamond',
        symbolSize: 14,
        itemStyle: { color: '#0072B2', borderColor: '#000' },
        data: jobs.map((j, i) => [j.score.pass_at_1, i]),
      },
    ],
  };
}

interface JobRow {
  index: number;
  job: JobReport;
}

export function renderCompareJobsView(root: HTMLElement, report: CompareJobsReport, ctx: ViewContext): void {
  disposeCharts(root);
  clear(root);
  const jobs = report.jobs;
  root.append(h('h2', {}, `Comparison of ${jobs.length} jobs`));
  if (!jobs.length) {
    root.append(h('p', { class: 'empty' }, 'No job to compare.'));
    return;
  }
  const counts = (index: number, kind: string) => report.tasks.filter((t) => t.change[index] === kind).length;
  const columns: Column<JobRow>[] = [
    { key: 'index', label: '#', value: (r) => r.index + 1, numeric: true },
    { key: 'name', label: 'job', value: (r) => r.job.name },
    { key: 'model', label: 'model', value: (r) => r.job.model },
    { key: 'harness', label: 'harness', value: (r) => r.job.harness },
    {
      key: 'pass_at_1',
      label: 'pass@1 (95% CI)',
      value: (r) => r.job.score.pass_at_1,
      render: (r) => scoreText(r.job.score),
      numeric: true,
    },
    {
      key: 'paired',
      label: 'vs job 1 (paired)',
      value: (r) => report.paired[r.index]?.mean_difference ?? null,
      render: (r) => {
        const p = report.paired[r.index];
        if (r.index === 0) return 'baseline';
        return p
          ? `${signed(p.mean_difference)} (95% CI ${signed(p.ci95[0])} to ${signed(p.ci95[1])}, p = ${p.p_value.toPrecision(2)}, ${p.n_tasks} tasks)`
          : '—';
      },
      numeric: true,
    },
    { key: 'fixed', label: 'fixed', value: (r) => (r.index ? counts(r.index, 'fixed') : null), numeric: true },
    {
      key: 'regressed',
      label: 'regressed',
      value: (r) => (r.index ? counts(r.index, 'regressed') : null),
      numeric: true,
    },
    { key: 'trials', label: 'trials', value: (r) => r.job.n_trials, numeric: true },
    {
      key: 'tokens',
      label: 'tokens',
      value: (r) => r.job.spend.prompt_tokens + r.job.spend.completion_tokens,
      render: (r) => tokens(r.job.spend.prompt_tokens + r.job.spend.completion_tokens),
      numeric: true,
    },
    {
      key: 'cost',
      label: 'cost',
      value: (r) => r.job.spend.cost_usd,
      render: (r) => usd(r.job.spend.cost_usd),
      numeric: true,
    },
  ];
  root.append(
    panel(
      'Jobs',
      { id: 'compare-jobs' },
      renderTable<JobRow>({
        columns,
        rows: jobs.map((job, index) => ({ index, job })),
        filename: 'compare-jobs.csv',
        onRowClick: (r) => ctx.openJob(r.job, r.job.name),
      }),
      h('p', { class: 'note' }, 'Click a job for its tasks and trials.'),
      renderChart({
        name: 'jobs-pass-at-1',
        title: 'pass@1 per job with 95% confidence intervals',
        height: 80 + jobs.length * 36,
        option: jobsForestOption(jobs),
      }),
    ),
    panel('Tasks side by side', { id: 'compare-tasks' }, renderTaskTable(report, ctx)),
  );
}

type TaskEntry = CompareJobsReport['tasks'][number];

function renderTaskTable(report: CompareJobsReport, ctx: ViewContext): HTMLElement {
  const jobs = report.jobs;
  const columns: Column<TaskEntry>[] = [{ key: 'task', label: 'task', value: (t) => t.task }];
  jobs.forEach((job, j) => {
    columns.push({
      key: `job${j}`,
      label: `${j + 1}. ${job.name}`,
      value: (t) => t.pass[j] ?? null,
      render: (t) => passCell(t, j, job, ctx),
      numeric: true,
    });
  });
  if (jobs.length > 1) {
    columns.push({
      key: 'change',
      label: 'change vs job 1',
      value: (t) =>
        t.change
          .map((c, j) => (j > 0 && c !== 'same' ? `${j + 1}: ${c}` : ''))
          .filter(Boolean)
          .join(', ') || 'same',
    });
  }
  const changed = (kind: string) => (t: TaskEntry) => t.change.some((c, j) => j > 0 && c === kind);
  return renderTable<TaskEntry>({
    columns,
    rows: report.tasks,
    filename: 'compare-tasks.csv',
    search: (t) => t.task,
    filters: [
      { label: 'changed', test: (t) => t.change.some((c, j) => j > 0 && c !== 'same') },
      { label: 'fixed', test: changed('fixed') },
      { label: 'regressed', test: changed('regressed') },
      { label: 'improved', test: changed('improved') },
      { label: 'worsened', test: changed('worsened') },
      { label: 'missing in a job', test: changed('missing') },
    ],
    pageSize: 200,
  });
}

/** A task's pass fraction in one job with what changed from the first; a button opening its first trial. */
function passCell(t: TaskEntry, j: number, job: JobReport, ctx: ViewContext): Node {
  const change = j > 0 ? t.change[j] : undefined;
  const cell = h('span', { class: 'pass-cell' });
  const trial = firstTrial(job, t.task);
  const text = pct(t.pass[j] ?? null);
  if (trial) {
    const button = h('button', { type: 'button', class: 'link', title: 'open the trial' }, text);
    button.addEventListener('click', (event) => {
      event.stopPropagation();
      ctx.openTrial(trial, `${t.task} · ${job.name}`);
    });
    cell.append(button);
  } else {
    cell.append(text);
  }
  if (change && change !== 'same') cell.append(' ', chip(change));
  return cell;
}

/** The task's first failing trial in a job, else its first trial. */
function firstTrial(job: JobReport, task: string): string | null {
  const ids = new Set(job.tasks.find((t) => t.task === task)?.trials ?? []);
  const trials = job.trials.filter((r) => r.task === task || ids.has(r.id));
  return (trials.find((r) => !r.passed) ?? trials[0])?.detail_ref ?? null;
}

// ---- runs ----

/** The last scored iteration's score of a split. */
function finalScore(run: RunReport, split: 'train' | 'holdout'): { iteration: number; score: ScoreView } | null {
  const scored = [...run.iterations].sort((a, b) => b.iteration - a.iteration).find((it) => it[split]);
  return scored?.[split] ? { iteration: scored.iteration, score: scored[split] } : null;
}

export function renderCompareRunsView(root: HTMLElement, report: CompareRunsReport, ctx: ViewContext): void {
  disposeCharts(root);
  clear(root);
  const runs = report.runs;
  root.append(h('h2', {}, `Comparison of ${runs.length} runs`));
  if (!runs.length) {
    root.append(h('p', { class: 'empty' }, 'No run to compare.'));
    return;
  }
  const detail = h('div', { class: 'compared-run', 'data-compared-run': '' });
  root.append(
    panel('pass@1 per iteration', { id: 'compare-curves' }, renderRunCurves(runs)),
    panel(
      'Runs',
      { id: 'compare-runs' },
      renderRunsTable(runs, (run) => showRun(detail, run, ctx)),
      h('p', { class: 'note' }, 'Click a run for its own view below.'),
    ),
    detail,
  );
  const chosen = runs.find((r) => r.path === detailPath.get(root));
  if (chosen) showRun(detail, chosen, ctx);
}

/** The run shown below a comparison, by root, so a live re-render shows it again. */
const detailPath = new WeakMap<HTMLElement, string>();

/** One compared run's own view, under the comparison. */
function showRun(detail: HTMLElement, run: RunReport, ctx: ViewContext): void {
  const root = detail.parentElement;
  if (root) detailPath.set(root, run.path);
  renderRunView(detail, run, ctx);
  detail.scrollIntoView({ block: 'start' });
}

function renderRunCurves(runs: RunReport[]): HTMLElement {
  const numbers = [...new Set(runs.flatMap((r) => r.iterations.map((it) => it.iteration)))].sort((a, b) => a - b);
  if (!runs.some((r) => r.iterations.some((it) => it.train || it.holdout)))
    return h('p', { class: 'empty' }, 'No run has a scored iteration yet.');
  const curves: ScoreCurve[] = [];
  runs.forEach((run, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const at = (split: 'train' | 'holdout') =>
      numbers.map((n) => run.iterations.find((it) => it.iteration === n)?.[split] ?? null);
    const label = `${i + 1}. ${run.name}${run.method ? ` (${run.method})` : ''}`;
    const best = run.best ? numbers.indexOf(run.best.iteration) : -1;
    const bandOpacity = runs.length > 1 ? 0.1 : 0.2;
    curves.push({
      name: `${label} train`,
      color,
      dashed: false,
      points: at('train'),
      best: best >= 0 ? best : null,
      bandOpacity,
    });
    if (run.iterations.some((it) => it.holdout))
      curves.push({
        name: `${label} held-out`,
        color,
        dashed: true,
        points: at('holdout'),
        bandOpacity: bandOpacity / 2,
      });
  });
  return renderChart({
    name: 'runs-pass-at-1',
    title: 'pass@1 per iteration of each run (solid: train, dashed: held-out)',
    height: 380,
    option: scoreChartOption(
      numbers.map((n) => String(n)),
      curves,
    ),
    caption: 'Bands: 95% CI. ◆ each run’s best iteration. Click a legend entry to hide a curve.',
  });
}

function renderRunsTable(runs: RunReport[], open: (run: RunReport) => void): HTMLElement {
  type Row = { index: number; run: RunReport };
  const final = (split: 'train' | 'holdout') => (r: Row) => finalScore(r.run, split)?.score.pass_at_1 ?? null;
  const finalText = (split: 'train' | 'holdout') => (r: Row) => {
    const f = finalScore(r.run, split);
    return f ? `${scoreText(f.score)} at iteration ${f.iteration}` : '—';
  };
  const columns: Column<Row>[] = [
    { key: 'index', label: '#', value: (r) => r.index + 1, numeric: true },
    { key: 'name', label: 'run', value: (r) => r.run.name },
    { key: 'method', label: 'method', value: (r) => r.run.method },
    { key: 'model', label: 'model', value: (r) => r.run.config.model },
    {
      key: 'iterations',
      label: 'iterations',
      value: (r) => r.run.iterations.filter((it) => it.train).length,
      numeric: true,
    },
    { key: 'train', label: 'final train pass@1', value: final('train'), render: finalText('train'), numeric: true },
    {
      key: 'holdout',
      label: 'final held-out pass@1',
      value: final('holdout'),
      render: finalText('holdout'),
      numeric: true,
    },
    {
      key: 'best',
      label: 'best',
      value: (r) => r.run.best?.pass_at_1 ?? null,
      render: (r) => (r.run.best ? `${pct(r.run.best.pass_at_1)} at iteration ${r.run.best.iteration}` : '—'),
      numeric: true,
    },
    {
      key: 'tokens',
      label: 'tokens',
      value: (r) => r.run.spend.prompt_tokens + r.run.spend.completion_tokens,
      render: (r) => tokens(r.run.spend.prompt_tokens + r.run.spend.completion_tokens),
      numeric: true,
    },
    {
      key: 'cost',
      label: 'cost',
      value: (r) => r.run.spend.cost_usd,
      render: (r) => usd(r.run.spend.cost_usd),
      numeric: true,
    },
    {
      key: 'status',
      label: 'status',
      value: (r) => (r.run.status.done ? 'finished' : r.run.progress?.running ? 'running' : 'stopped'),
    },
  ];
  return renderTable<Row>({
    columns,
    rows: runs.map((run, index) => ({ index, run })),
    filename: 'compare-runs.csv',
    onRowClick: (r) => open(r.run),
  });
}
