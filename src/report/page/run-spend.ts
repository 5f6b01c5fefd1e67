// Where a run's tokens and money went: per iteration, stacked by role (coding agent, debugger, evolve
// agent), and the totals per role. Costs are drawn only when some price was known.
import type { RunReport, SpendView } from '../report-data.ts';
import { type ChartOption, PALETTE, plain, renderChart } from './charts.ts';
import { h, tokens, usd } from './dom.ts';

const ROLE_ORDER = ['coding', 'debugger', 'evolver'];

/** The roles present in a run's usage, in the order coding, debugger, evolver, then any other. */
export function spendRoles(report: RunReport): string[] {
  const roles = new Set(report.iterations.flatMap((it) => Object.keys(it.usage)));
  return [...ROLE_ORDER.filter((r) => roles.has(r)), ...[...roles].filter((r) => !ROLE_ORDER.includes(r)).sort()];
}

const totalTokens = (s: SpendView | undefined) => (s ? s.prompt_tokens + s.completion_tokens : 0);

function stackedOption(
  xLabels: string[],
  roles: string[],
  values: (role: string, x: number) => number | null,
  format: (v: number) => string,
  axisName: string,
): ChartOption {
  return {
    grid: { left: 64, right: 24, top: 40, bottom: 44 },
    legend: { top: 4 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : []) as { dataIndex: number }[];
        const x = list[0]?.dataIndex ?? 0;
        const lines = roles.map((role) => {
          const v = values(role, x);
          return `${plain(role)}: ${v === null ? '—' : format(v)}`;
        });
        const sum = roles.reduce((n, role) => n + (values(role, x) ?? 0), 0);
        return [`iteration ${plain(xLabels[x] ?? '')}`, ...lines, `total: ${format(sum)}`].join('\n');
      },
    },
    xAxis: { type: 'category', name: 'iteration', nameLocation: 'middle', nameGap: 28, data: xLabels },
    yAxis: { type: 'value', name: axisName, axisLabel: { formatter: format } },
    series: roles.map((role, i) => ({
      type: 'bar',
      name: role,
      stack: 'roles',
      color: PALETTE[i % PALETTE.length],
      barMaxWidth: 48,
      data: xLabels.map((_, x) => values(role, x) ?? '-'),
    })),
  };
}

export function renderRunSpend(report: RunReport): HTMLElement {
  const iterations = [...report.iterations].sort((a, b) => a.iteration - b.iteration);
  const roles = spendRoles(report);
  const root = h('div', { class: 'run-spend' });
  if (!iterations.length || !roles.length) {
    root.append(h('p', { class: 'empty' }, 'No usage recorded yet.'), totals(report, roles));
    return root;
  }
  const xLabels = iterations.map((it) => String(it.iteration));
  root.append(
    renderChart({
      name: 'tokens-per-role',
      title: 'Tokens (prompt + completion) per role and iteration',
      height: 300,
      option: stackedOption(
        xLabels,
        roles,
        (role, x) => {
          const s = iterations[x]?.usage[role];
          return s ? totalTokens(s) : null;
        },
        (v) => tokens(v),
        'tokens',
      ),
    }),
  );
  // Scripted and unpriced models cost nothing known: a chart of zeros would say nothing.
  const priced = iterations.some((it) => Object.values(it.usage).some((s) => (s.cost_usd ?? 0) > 0));
  if (priced) {
    root.append(
      renderChart({
        name: 'cost-per-role',
        title: 'Cost per role and iteration',
        height: 300,
        caption: 'A role whose price was unknown in an iteration is left out of that bar.',
        option: stackedOption(xLabels, roles, (role, x) => iterations[x]?.usage[role]?.cost_usd ?? null, usd, 'USD'),
      }),
    );
  } else {
    root.append(h('p', { class: 'note' }, 'No cost chart: no role had a known, non-zero cost.'));
  }
  root.append(totals(report, roles));
  return root;
}

/**
 * Per role: tokens, model calls and cost summed over the iterations, and the run's own total. Every role
 * counts model calls (the coding agent's: its steps over every trial), so the total adds one unit.
 */
function totals(report: RunReport, roles: string[]): HTMLElement {
  const rows = roles.map((role) => {
    const sum: SpendView = { prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_usd: 0, calls: 0 };
    for (const it of report.iterations) {
      const s = it.usage[role];
      if (!s) continue;
      sum.prompt_tokens += s.prompt_tokens;
      sum.completion_tokens += s.completion_tokens;
      sum.cached_tokens += s.cached_tokens;
      sum.calls = (sum.calls ?? 0) + (s.calls ?? 0);
      sum.cost_usd = sum.cost_usd === null || s.cost_usd === null ? null : sum.cost_usd + s.cost_usd;
    }
    return [role, sum] as const;
  });
  const row = (label: string, s: SpendView, strong = false) => {
    const cells = [
      label,
      tokens(s.prompt_tokens),
      tokens(s.completion_tokens),
      tokens(s.cached_tokens),
      s.calls === undefined ? '—' : String(s.calls),
      usd(s.cost_usd),
    ];
    return h('tr', { class: strong ? 'total' : null }, ...cells.map((c, i) => h(i ? 'td' : 'th', {}, c)));
  };
  return h(
    'table',
    { class: 'spend-totals', 'data-table': 'spend-totals' },
    h(
      'thead',
      {},
      h('tr', {}, ...['role', 'prompt', 'completion', 'cached', 'model calls', 'cost'].map((c) => h('th', {}, c))),
    ),
    h('tbody', {}, ...rows.map(([role, s]) => row(role, s)), row('run total', report.spend, true)),
  );
}
