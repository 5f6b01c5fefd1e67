// The view of an `ahe evolve` run: its header, then the train and held-out pass@1 curves with their CIs,
// the table of iterations, the task × iteration heatmap, the timeline of changes with their verdicts and diffs, the spend per role
// and the prediction quality. Rendering again into the same root (a live run under `ahe serve`) keeps the
// harness diffs that were open and the heatmap cell that was chosen.
import type { RunReport } from '../report-data.ts';
import { type ScoreCurve, scoreChartOption } from './chart-scores.ts';
import { disposeCharts, PALETTE, renderChart } from './charts.ts';
import { append, clear, h } from './dom.ts';
import { renderAttribution } from './run-attribution.ts';
import { renderRunHeader } from './run-header.ts';
import { renderRunHeatmap, showCellTrials } from './run-heatmap.ts';
import { renderIterationsTable } from './run-iterations.ts';
import { renderRunSpend } from './run-spend.ts';
import { renderRunTimeline } from './run-timeline.ts';
import type { ViewContext } from './view-context.ts';
import { panel } from './view-parts.ts';

export function renderRunView(root: HTMLElement, report: RunReport, ctx: ViewContext): void {
  const kept = keepState(root, report, ctx);
  disposeCharts(root);
  clear(root);
  append(
    root,
    renderRunHeader(report),
    panel('pass@1 per iteration', { id: 'run-scores' }, renderScores(report)),
    report.iterations.length ? panel('Iterations', { id: 'run-iterations' }, renderIterationsTable(report)) : null,
    panel('Tasks × iterations', { id: 'run-heatmap' }, renderRunHeatmap(report, ctx)),
    panel('Changes, verdicts and diffs', { id: 'run-timeline' }, renderRunTimeline(report)),
    panel('Tokens and cost per role', { id: 'run-spend' }, renderRunSpend(report)),
    panel('Prediction quality (attribution)', { id: 'run-attribution' }, renderAttribution(report)),
  );
  kept();
}

function renderScores(report: RunReport): HTMLElement {
  const iterations = [...report.iterations].sort((a, b) => a.iteration - b.iteration);
  if (!iterations.some((it) => it.train || it.holdout))
    return h('p', { class: 'empty' }, 'No iteration has been scored yet.');
  // While the run goes, the axis already spans the planned iterations, so it does not rescale at each one.
  const last = iterations.at(-1)?.iteration ?? 0;
  const planned = report.status.done ? last : Math.max(last, report.config.iterations);
  const xLabels = [...iterations.map((it) => String(it.iteration))];
  for (let n = last + 1; n <= planned; n++) xLabels.push(String(n));
  const bestIndex = report.best ? iterations.findIndex((it) => it.iteration === report.best?.iteration) : -1;
  const curves: ScoreCurve[] = [
    {
      name: 'train',
      color: PALETTE[0]!,
      dashed: false,
      points: iterations.map((it) => it.train),
      best: bestIndex >= 0 ? bestIndex : null,
      bestLine: true,
    },
  ];
  if (iterations.some((it) => it.holdout)) {
    curves.push({
      name: 'held-out',
      color: PALETTE[5]!,
      dashed: true,
      points: iterations.map((it) => it.holdout),
      bandOpacity: 0.12,
    });
  }
  return renderChart({
    name: 'pass-at-1',
    title: 'Train and held-out pass@1 with 95% confidence intervals',
    height: 340,
    option: scoreChartOption(xLabels, curves),
    caption:
      'Bands: 95% CI. ◆ best iteration (chosen by its pass rate estimated over every evaluation, not by its point alone). Click a point for that iteration’s changes.',
    onClick: (event) => {
      const it = iterations[event.dataIndex];
      if (it) document.getElementById(`iteration-${it.iteration}`)?.scrollIntoView({ block: 'start' });
    },
  });
}

/**
 * Notes which harness diffs are open and which heatmap cell is shown before a re-render, and returns the
 * function that restores them afterwards (a live run re-renders whenever a trial finishes).
 */
function keepState(root: HTMLElement, report: RunReport, ctx: ViewContext): () => void {
  const key = (d: Element) => `${d.closest('article')?.id}/${d.className}`;
  const open = new Set([...root.querySelectorAll('article.iteration details[open]')].map(key));
  const cell = root.querySelector('[data-cell-trials]');
  const cellIteration = cell?.getAttribute('data-iteration');
  const cellTask = cell?.getAttribute('data-task');
  return () => {
    for (const details of root.querySelectorAll<HTMLDetailsElement>('article.iteration details')) {
      if (open.has(key(details))) details.open = true;
    }
    const panel = root.querySelector<HTMLElement>('[data-cell-trials]');
    const it = report.iterations.find((i) => String(i.iteration) === cellIteration);
    if (panel && it && cellTask) showCellTrials(panel, it, cellTask, ctx);
  };
}
