// How well the evolve agent predicted what its changes would do. The run's precision and recall come from
// its last attribution (src/evolve/attribution.ts: precision = predicted fixes that happened / predicted
// fixes; recall = fixed or improved tasks some change predicted / fixed or improved tasks). Per iteration
// the page derives the same ratios from the judged changes, with recall over the tasks the next iteration
// fixed (improved tasks are not in the report per iteration), and says so under the chart.
import type { RunIteration, RunReport } from '../report-data.ts';
import { type ChartOption, renderChart } from './charts.ts';
import { h, pct } from './dom.ts';
import { facts } from './run-labels.ts';

export interface IterationPrediction {
  /** The iteration whose changes were judged (by the next one). */
  iteration: number;
  predicted: number;
  happened: number;
  precision: number | null;
  fixedNext: number;
  credited: number;
  recall: number | null;
}

/** Per iteration with judged changes: its changes' predictions against what the next iteration measured. */
export function predictionsPerIteration(report: RunReport): IterationPrediction[] {
  const byNumber = new Map(report.iterations.map((it) => [it.iteration, it]));
  const out: IterationPrediction[] = [];
  for (const it of [...report.iterations].sort((a, b) => a.iteration - b.iteration)) {
    const judged = it.changes.filter((c) => c.verdict !== null);
    if (!judged.length) continue;
    const predicted = judged.reduce((n, c) => n + c.predicted_fixes.length, 0);
    const happened = judged.reduce((n, c) => n + c.actually_fixed.length, 0);
    const next: RunIteration | undefined = byNumber.get(it.iteration + 1);
    const predictedSet = new Set(judged.flatMap((c) => c.predicted_fixes));
    const fixedNext = next?.fixed.length ?? 0;
    const credited = next ? next.fixed.filter((t) => predictedSet.has(t)).length : 0;
    out.push({
      iteration: it.iteration,
      predicted,
      happened,
      precision: predicted ? happened / predicted : null,
      fixedNext,
      credited,
      recall: fixedNext ? credited / fixedNext : null,
    });
  }
  return out;
}

/**
 * The iterations the chart can show a bar for: an iteration whose changes predicted no fix, after which
 * the next iteration fixed no task, has neither ratio (a bar of 0% there would claim a measurement).
 */
export function scoredPredictions(rows: IterationPrediction[]): IterationPrediction[] {
  return rows.filter((r) => r.precision !== null || r.recall !== null);
}

function option(rows: IterationPrediction[]): ChartOption {
  return {
    grid: { left: 56, right: 24, top: 40, bottom: 44 },
    legend: { top: 4 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const x = (Array.isArray(params) ? (params[0] as { dataIndex?: number }) : undefined)?.dataIndex ?? 0;
        const r = rows[x];
        if (!r) return '';
        return [
          `changes of iteration ${r.iteration}`,
          `precision ${pct(r.precision)}: ${r.happened} of ${r.predicted} predicted fixes happened`,
          `recall ${pct(r.recall)}: ${r.credited} of ${r.fixedNext} tasks fixed next were predicted`,
        ].join('\n');
      },
    },
    xAxis: {
      type: 'category',
      name: 'iteration of the changes',
      nameLocation: 'middle',
      nameGap: 28,
      data: rows.map((r) => String(r.iteration)),
    },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: (['precision', 'recall'] as const).map((name) => ({
      type: 'bar',
      name,
      barMaxWidth: 32,
      // A value label, so a 0% bar (nothing predicted happened) reads differently from no bar (nothing to count).
      label: {
        show: true,
        position: 'top',
        fontSize: 10,
        formatter: (p: { value: unknown }) => (typeof p.value === 'number' ? `${Math.round(p.value * 100)}%` : ''),
      },
      data: rows.map((r) => r[name] ?? '-'),
    })),
  };
}

export function renderAttribution(report: RunReport): HTMLElement {
  const quality = report.prediction_quality;
  const judged = predictionsPerIteration(report);
  const rows = scoredPredictions(judged);
  const root = h(
    'div',
    { class: 'run-attribution' },
    facts([
      ['precision', quality ? pct(quality.precision) : '—'],
      ['recall', quality ? pct(quality.recall) : '—'],
    ]),
  );
  if (report.eval_policy_advice)
    root.append(h('p', { class: 'notice' }, `Evaluation policy: ${report.eval_policy_advice}`));
  if (!judged.length) {
    root.append(h('p', { class: 'empty' }, 'No change has been judged yet.'));
    return root;
  }
  if (!rows.length) {
    root.append(
      h(
        'p',
        { class: 'empty' },
        'No predictions to score: the judged changes predicted no fixes, and the iterations after them fixed no task.',
      ),
    );
    return root;
  }
  root.append(
    renderChart({
      name: 'attribution',
      title: 'Prediction precision and recall per iteration',
      height: 260,
      option: option(rows),
      caption:
        'Per iteration: precision = predicted fixes that happened / predicted fixes; recall = tasks the next iteration fixed that a change predicted / tasks it fixed. The run’s figures above also count improved tasks.',
    }),
  );
  return root;
}
