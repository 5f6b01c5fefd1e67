// The pass@1 curves of runs: one line per curve (a run's training or held-out split) with its 95% CI as a
// band, over iterations. Used by the run view (train and held-out of one run) and the runs comparison
// (the curves of several runs overlaid). The band is the usual ECharts construction: an invisible line
// at the lower bound and a stacked area of (upper − lower) on top of it.
import type { ScoreView } from '../report-data.ts';
import { type ChartOption, plain } from './charts.ts';
import { pct } from './dom.ts';

export interface ScoreCurve {
  /** Legend name (a run's name may come from the data: it is escaped in tooltips). */
  name: string;
  color: string;
  dashed: boolean;
  /** One score per x position (null: not measured there). */
  points: (ScoreView | null)[];
  /** x position of the best iteration, marked on this curve (a diamond). */
  best?: number | null;
  /** Also a vertical line at the best iteration (one run's chart; too busy when runs are overlaid). */
  bestLine?: boolean;
  /** Opacity of the CI band (lower when several curves overlap). */
  bandOpacity?: number;
}

const missing = '-'; // ECharts' "no value here"

/**
 * An adaptive run's train score that carries earlier outcomes (ScoreView.carried_tasks): what stands in
 * for its interval, which would count the carried tasks as measured. Null for any other score.
 */
export function carriedNote(score: ScoreView): string | null {
  return score.carried_tasks
    ? `${score.carried_tasks} of ${score.n_tasks} tasks carried from earlier iterations, no interval`
    : null;
}

/** The option of a pass@1 chart; xLabels are the iterations ("0", "1", …). */
export function scoreChartOption(xLabels: string[], curves: ScoreCurve[]): ChartOption {
  const series: unknown[] = [];
  curves.forEach((curve, i) => {
    const values = curve.points.map((p) => (p ? p.pass_at_1 : missing));
    // No band where a score carries earlier outcomes: its interval would count them as measured.
    const lows = curve.points.map((p) => (p && !p.carried_tasks ? p.ci95[0] : missing));
    const widths = curve.points.map((p) => (p && !p.carried_tasks ? Math.max(0, p.ci95[1] - p.ci95[0]) : missing));
    const best = curve.best ?? null;
    // The three series share the curve's name, so its legend entry shows and hides line and band together.
    series.push({
      type: 'line',
      name: curve.name,
      z: 3,
      color: curve.color,
      symbolSize: 6,
      connectNulls: true, // an iteration without this split (held-out measured every few) is bridged
      lineStyle: { width: 2, type: curve.dashed ? 'dashed' : 'solid' },
      data: values.map((v, x) =>
        x === best && v !== missing
          ? { value: v, symbol: 'diamond', symbolSize: 14, itemStyle: { borderColor: '#000' } }
          : v,
      ),
      markLine:
        curve.bestLine && best !== null && best < xLabels.length
          ? {
              silent: true,
              symbol: 'none',
              lineStyle: { color: curve.color, type: 'dotted', width: 1.5 },
              label: { formatter: 'best', position: 'end', color: '#333' },
              data: [{ xAxis: xLabels[best] }],
            }
          : undefined,
    });
    series.push({
      type: 'line',
      name: curve.name,
      stack: `ci-${i}`,
      color: curve.color,
      symbol: 'none',
      silent: true,
      connectNulls: true,
      lineStyle: { opacity: 0 },
      data: lows,
    });
    series.push({
      type: 'line',
      name: curve.name,
      stack: `ci-${i}`,
      color: curve.color,
      symbol: 'none',
      silent: true,
      connectNulls: true,
      lineStyle: { opacity: 0 },
      areaStyle: { color: curve.color, opacity: curve.bandOpacity ?? 0.2 },
      data: widths,
    });
  });

  return {
    grid: { left: 56, right: 24, top: 40, bottom: 44 },
    legend: { top: 4, type: 'scroll', data: curves.map((c) => c.name) },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const first = Array.isArray(params) ? (params[0] as { dataIndex?: number } | undefined) : undefined;
        const x = first?.dataIndex ?? 0;
        const lines = curves.flatMap((c) => {
          const p = c.points[x];
          return p
            ? [
                `${plain(c.name)}: ${pct(p.pass_at_1)} (${carriedNote(p) ?? `95% CI ${pct(p.ci95[0])}–${pct(p.ci95[1])}, ${p.n_tasks} tasks`})${c.best === x ? ' — best' : ''}`,
              ]
            : [];
        });
        return [`iteration ${plain(xLabels[x] ?? '')}`, ...(lines.length ? lines : ['not measured'])].join('\n');
      },
    },
    xAxis: {
      type: 'category',
      name: 'iteration',
      nameLocation: 'middle',
      nameGap: 28,
      boundaryGap: false,
      data: xLabels,
    },
    yAxis: {
      type: 'value',
      name: 'pass@1',
      min: 0,
      max: 1,
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    series,
  };
}
