// The task × iteration heatmap of a run: one row per training task, one column per iteration, the cell's
// colour its pass fraction; triangles mark the flips against the previous iteration (▲ fixed, ▼ regressed).
// Clicking a cell lists that iteration's trials of that task below the chart, each opening its trial view
// (or says the iteration's job is not in the report). Rows as listed, hardest first or most flips first.
// Drawn on canvas: 100 tasks × 20 iterations are 2,000 rectangles, well within one frame.
import type { JobReport, RunIteration, RunReport, TrialRow } from '../report-data.ts';
import { type ChartClick, type ChartOption, disposeCharts, plain, renderChart } from './charts.ts';
import { clear, h, pct } from './dom.ts';
import type { ViewContext } from './view-context.ts';

/** Rows of the heatmap: the run's training tasks, then any task measured but not listed. */
export function heatmapTasks(report: RunReport): string[] {
  const tasks = [...report.train_tasks];
  const seen = new Set(tasks);
  for (const it of report.iterations) {
    for (const task of Object.keys(it.task_pass)) {
      if (!seen.has(task)) {
        seen.add(task);
        tasks.push(task);
      }
    }
  }
  return tasks;
}

/** Marker shapes: an upward and a downward triangle (legend icons do not rotate, so both are paths). */
const FIXED = 'path://M5,0 L10,10 L0,10 Z';
const REGRESSED = 'path://M0,0 L10,0 L5,10 Z';

interface Grid {
  tasks: string[];
  iterations: RunIteration[];
  row: Map<string, number>;
}

function heatmapOption(grid: Grid): ChartOption {
  const { tasks, iterations, row } = grid;
  const cells: [number, number, number][] = [];
  const unmeasured: [number, number, number][] = [];
  const fixed: [number, number][] = [];
  const regressed: [number, number][] = [];
  iterations.forEach((it, x) => {
    tasks.forEach((task, y) => {
      const v = it.task_pass[task];
      if (v === null || v === undefined) unmeasured.push([x, y, 0]);
      else cells.push([x, y, v]);
    });
    for (const task of it.fixed) if (row.has(task)) fixed.push([x, row.get(task)!]);
    for (const task of it.regressed) if (row.has(task)) regressed.push([x, row.get(task)!]);
  });
  const longest = tasks.reduce((m, t) => Math.max(m, t.length), 0);
  const cell = cellHeight(tasks.length);
  const marker = Math.max(6, Math.min(12, cell - 2));
  return {
    grid: { left: Math.min(230, Math.max(60, longest * 6.5 + 16)), right: 24, top: 48, bottom: 44 },
    legend: {
      top: 4,
      left: 0,
      data: [
        { name: 'fixed', icon: FIXED },
        { name: 'regressed', icon: REGRESSED },
        { name: 'not measured', icon: 'rect' },
      ],
    },
    tooltip: {
      formatter: (p: { data?: unknown; seriesName?: string }) => {
        const [x, y] = (Array.isArray(p.data) ? p.data : [0, 0]) as [number, number];
        const it = iterations[x];
        const task = tasks[y] ?? '';
        if (!it) return '';
        const v = it.task_pass[task];
        const flip = it.fixed.includes(task) ? ' — fixed' : it.regressed.includes(task) ? ' — regressed' : '';
        return `${plain(task)}\niteration ${it.iteration}: ${v === null || v === undefined ? 'not measured' : `pass ${pct(v)}`}${flip}\nclick for its trials`;
      },
    },
    visualMap: {
      type: 'continuous',
      min: 0,
      max: 1,
      seriesIndex: 0, // the other series keep their own colours
      orient: 'horizontal',
      top: 4,
      right: 24,
      itemHeight: 120,
      itemWidth: 12,
      text: ['pass 100%', '0%'],
      inRange: { color: ['#eff3ff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] },
    },
    xAxis: {
      type: 'category',
      name: 'iteration',
      nameLocation: 'middle',
      nameGap: 28,
      data: iterations.map((it) => String(it.iteration)),
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: tasks,
      axisLabel: { width: 220, overflow: 'truncate', fontSize: cell < 14 ? 10 : 12 },
    },
    series: [
      {
        type: 'heatmap',
        name: 'pass fraction',
        data: cells,
        itemStyle: { borderColor: '#ffffff', borderWidth: cell < 14 ? 0.5 : 1 },
        emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } },
      },
      {
        type: 'heatmap',
        name: 'not measured',
        data: unmeasured,
        color: '#bdbdbd',
        itemStyle: { color: '#bdbdbd', borderColor: '#ffffff', borderWidth: cell < 14 ? 0.5 : 1 },
      },
      {
        type: 'scatter',
        name: 'fixed',
        symbol: FIXED,
        symbolSize: marker,
        color: '#F0E442',
        itemStyle: { borderColor: '#000', borderWidth: 1 },
        data: fixed,
      },
      {
        type: 'scatter',
        name: 'regressed',
        symbol: REGRESSED,
        symbolSize: marker,
        color: '#D55E00',
        itemStyle: { borderColor: '#000', borderWidth: 1 },
        data: regressed,
      },
    ],
  };
}

function cellHeight(rows: number): number {
  return Math.max(10, Math.min(22, Math.floor(900 / Math.max(1, rows))));
}

/** The heatmap figure and the panel its clicks fill. */
export type HeatmapOrder = 'listed' | 'hardest' | 'flips';

const ORDERS: [HeatmapOrder, string][] = [
  ['listed', 'as listed'],
  ['hardest', 'lowest mean pass first'],
  ['flips', 'most flips first'],
];

/** The order the reader chose, kept for the page's lifetime (a live re-render keeps it). */
let chosenOrder: HeatmapOrder = 'listed';

/** The rows in an order: as listed, by mean pass fraction (lowest first), or by flips (most first). */
export function orderTasks(tasks: string[], iterations: RunIteration[], order: HeatmapOrder): string[] {
  if (order === 'listed') return tasks;
  const key = new Map<string, number>();
  for (const task of tasks) {
    if (order === 'hardest') {
      const values = iterations.map((it) => it.task_pass[task]).filter((v): v is number => typeof v === 'number');
      key.set(task, values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.POSITIVE_INFINITY);
    } else {
      key.set(task, -iterations.filter((it) => it.fixed.includes(task) || it.regressed.includes(task)).length);
    }
  }
  // Stable: equal keys keep the listed order.
  return tasks
    .map((task, i) => ({ task, i }))
    .sort((a, b) => key.get(a.task)! - key.get(b.task)! || a.i - b.i)
    .map((e) => e.task);
}

/** The heatmap figure, a choice of row order, and the panel its clicks fill. */
export function renderRunHeatmap(report: RunReport, ctx: ViewContext): HTMLElement {
  const listed = heatmapTasks(report);
  const iterations = [...report.iterations].sort((a, b) => a.iteration - b.iteration);
  if (!listed.length || !iterations.length) return h('p', { class: 'empty' }, 'No task has been measured yet.');
  const panel = h('div', { class: 'cell-trials', 'data-cell-trials': '' });
  const holder = h('div', {});
  const draw = () => {
    const tasks = orderTasks(listed, iterations, chosenOrder);
    const grid: Grid = { tasks, iterations, row: new Map(tasks.map((t, i) => [t, i])) };
    disposeCharts(holder);
    clear(holder);
    holder.append(
      renderChart({
        name: 'task-heatmap',
        title: 'Pass fraction per training task and iteration',
        option: heatmapOption(grid),
        height: tasks.length * cellHeight(tasks.length) + 100,
        caption: '▲ fixed and ▼ regressed against the previous iteration. Click a cell for its trials.',
        onClick: (event: ChartClick) => {
          const [x, y] = (Array.isArray(event.data) ? event.data : []) as number[];
          const it = x === undefined ? undefined : iterations[x];
          const task = y === undefined ? undefined : tasks[y];
          if (it && task) showCellTrials(panel, it, task, ctx);
        },
      }),
    );
  };
  const select = h(
    'select',
    { class: 'heatmap-order', 'aria-label': 'order of the tasks' },
    ...ORDERS.map(([value, label]) => h('option', { value, selected: value === chosenOrder }, label)),
  );
  select.addEventListener('change', () => {
    chosenOrder = select.value as HeatmapOrder;
    draw();
  });
  draw();
  return h('div', { class: 'run-heatmap' }, h('label', {}, 'Tasks: ', select), holder, panel);
}

/** Lists an iteration's trials of one task, each opening its trial view. */
export function showCellTrials(panel: HTMLElement, it: RunIteration, task: string, ctx: ViewContext): void {
  clear(panel);
  panel.setAttribute('data-iteration', String(it.iteration));
  panel.setAttribute('data-task', task);
  const title = h('h4', {}, `${task} — iteration ${it.iteration}`);
  const job = it.job;
  if (!job) {
    panel.append(title, h('p', {}, `The trials of iteration ${it.iteration} are not in this report (no job found).`));
    return;
  }
  const trials = trialsOf(job, task);
  const list = h('ul', { class: 'trial-links' });
  for (const trial of trials) {
    const label = `${task} · iteration ${it.iteration} · ${trial.id}`;
    const button = h(
      'button',
      { type: 'button', class: 'link', 'data-trial': trial.id },
      `${trial.id}: ${trial.passed ? 'passed' : trial.exception ? trial.exception : 'failed'}`,
      trial.reward === null ? '' : ` (reward ${trial.reward})`,
    );
    button.addEventListener('click', () => ctx.openTrial(trial.detail_ref, label));
    list.append(h('li', {}, button));
  }
  const openJob = h('button', { type: 'button', class: 'link' }, `open iteration ${it.iteration}'s job`);
  openJob.addEventListener('click', () => ctx.openJob(job, `iteration ${it.iteration}`));
  panel.append(
    title,
    trials.length ? list : h('p', {}, `Iteration ${it.iteration}'s job has no trial of this task.`),
    h('p', {}, openJob),
  );
}

function trialsOf(job: JobReport, task: string): TrialRow[] {
  const ids = job.tasks.find((t) => t.task === task)?.trials;
  const byId = new Map(job.trials.map((t) => [t.id, t]));
  if (ids) return ids.flatMap((id) => byId.get(id) ?? []);
  return job.trials.filter((t) => t.task === task);
}
