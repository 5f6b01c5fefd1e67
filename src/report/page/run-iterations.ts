// A run's iterations as one table (sortable, CSV export): scores with CIs, the paired test against the
// previous iteration, flips, changes and their verdicts, rollbacks, tokens and cost. A row click scrolls
// to that iteration in the timeline.
import type { RunIteration, RunReport } from '../report-data.ts';
import { carriedNote } from './chart-scores.ts';
import { pct, tokens, usd } from './dom.ts';
import { evaluationText } from './run-timeline.ts';
import { type Column, renderTable } from './table.ts';

const spendOf = (it: RunIteration) => {
  const all = Object.values(it.usage);
  return {
    tokens: all.reduce((n, s) => n + s.prompt_tokens + s.completion_tokens, 0),
    cost: all.some((s) => s.cost_usd === null) ? null : all.reduce((n, s) => n + (s.cost_usd ?? 0), 0),
  };
};

const ci = (score: RunIteration['train']) =>
  score ? (carriedNote(score) ?? `${pct(score.ci95[0])}–${pct(score.ci95[1])}`) : '—';

export function renderIterationsTable(report: RunReport): HTMLElement {
  const columns: Column<RunIteration>[] = [
    { key: 'iteration', label: 'iteration', value: (it) => it.iteration, numeric: true },
    {
      key: 'train',
      label: 'train pass@1',
      value: (it) => it.train?.pass_at_1 ?? null,
      render: (it) => pct(it.train?.pass_at_1),
      numeric: true,
    },
    { key: 'train_ci', label: 'train 95% CI', value: (it) => ci(it.train) },
    // Under adaptive: what each iteration ran (the train score is over every task, some carried).
    ...(report.iterations.some((it) => it.evaluation?.policy === 'adaptive')
      ? [{ key: 'run', label: 'run this iteration', value: (it: RunIteration) => evaluationText(it) ?? '—' }]
      : []),
    {
      key: 'holdout',
      label: 'held-out pass@1',
      value: (it) => it.holdout?.pass_at_1 ?? null,
      render: (it) => pct(it.holdout?.pass_at_1),
      numeric: true,
    },
    { key: 'holdout_ci', label: 'held-out 95% CI', value: (it) => ci(it.holdout) },
    {
      key: 'difference',
      label: 'vs previous',
      value: (it) => it.paired_vs_previous?.mean_difference ?? null,
      render: (it) => {
        const d = it.paired_vs_previous?.mean_difference;
        return d === undefined ? '—' : `${d >= 0 ? '+' : '−'}${pct(Math.abs(d))}`;
      },
      numeric: true,
    },
    {
      key: 'p',
      label: 'p',
      value: (it) => it.paired_vs_previous?.p_value ?? null,
      render: (it) => it.paired_vs_previous?.p_value.toPrecision(2) ?? '—',
      numeric: true,
    },
    { key: 'fixed', label: 'fixed', value: (it) => it.fixed.length, numeric: true },
    { key: 'regressed', label: 'regressed', value: (it) => it.regressed.length, numeric: true },
    {
      key: 'changes',
      label: 'changes (verdict)',
      value: (it) =>
        it.skipped !== null
          ? `skipped: ${it.skipped}`
          : it.changes.map((c) => `${c.id} ${c.component}${c.verdict ? ` (${c.verdict})` : ''}`).join(', '),
    },
    {
      key: 'rollbacks',
      label: 'rolled back',
      value: (it) => (it.iteration_rollback ? 'whole iteration' : it.rollbacks.map((r) => r.change_id).join(', ')),
    },
    {
      key: 'tokens',
      label: 'tokens',
      value: (it) => spendOf(it).tokens,
      render: (it) => tokens(spendOf(it).tokens),
      numeric: true,
    },
    {
      key: 'cost',
      label: 'cost',
      value: (it) => spendOf(it).cost,
      render: (it) => usd(spendOf(it).cost),
      numeric: true,
    },
  ];
  return renderTable<RunIteration>({
    columns,
    rows: [...report.iterations].sort((a, b) => a.iteration - b.iteration),
    filename: `${report.name}-iterations.csv`,
    onRowClick: (it) => document.getElementById(`iteration-${it.iteration}`)?.scrollIntoView({ block: 'start' }),
  });
}
