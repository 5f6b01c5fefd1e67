// What `ahe serve` lists: the jobs, runs and debug outputs under its directory, newest first, with their
// state (running or not) and pass@1. A click opens one; ticking two or more jobs (or runs) opens their
// comparison.
import type { IndexReport } from '../report-data.ts';
import { append, clear, h, pct } from './dom.ts';
import { localTime } from './shell-header.ts';
import { pathsQuery } from './source.ts';
import { type Column, renderTable } from './table.ts';
import type { ViewContext } from './view-context.ts';
import { panel, statusLabel } from './view-parts.ts';

type Entry = IndexReport['entries'][number];

/** Ticked entries, kept across live re-renders. */
const picked = new Set<string>();

export function renderIndexView(root: HTMLElement, report: IndexReport, ctx: ViewContext): void {
  clear(root);
  for (const path of picked) if (!report.entries.some((e) => e.path === path)) picked.delete(path);
  const compare = h('button', { type: 'button', class: 'compare' });
  const updateCompare = () => {
    const kinds = new Set(report.entries.filter((e) => picked.has(e.path)).map((e) => e.kind));
    const ok = picked.size >= 2 && kinds.size === 1 && !kinds.has('debug');
    compare.textContent = `compare ${picked.size} selected`;
    compare.disabled = !ok;
    compare.title = ok ? '' : 'tick two or more jobs, or two or more runs';
  };
  compare.addEventListener('click', () => location.assign(`?${pathsQuery([...picked])}`));
  const open = (entry: Entry) => {
    if (ctx.openEntry) ctx.openEntry(entry.path);
    else location.assign(`?${pathsQuery([entry.path])}`);
  };
  const columns: Column<Entry>[] = [
    {
      key: 'pick',
      label: '',
      value: (e) => (picked.has(e.path) ? 1 : 0),
      render: (e) => {
        const box = h('input', { type: 'checkbox', 'aria-label': `select ${e.path}` });
        box.checked = picked.has(e.path);
        box.addEventListener('change', () => {
          if (box.checked) picked.add(e.path);
          else picked.delete(e.path);
          updateCompare();
        });
        return box;
      },
    },
    { key: 'path', label: 'path', value: (e) => e.path, render: (e) => h('code', {}, e.path || '.') },
    { key: 'kind', label: 'kind', value: (e) => e.kind },
    { key: 'name', label: 'name', value: (e) => e.name },
    {
      key: 'state',
      label: 'state',
      value: (e) => (e.running ? 'running' : 'done'),
      render: (e) => statusLabel(e.running ? 'running' : 'done'),
    },
    { key: 'pass', label: 'pass@1', value: (e) => e.pass_at_1, render: (e) => pct(e.pass_at_1), numeric: true },
    {
      key: 'updated',
      label: 'updated',
      value: (e) => e.updated_at,
      render: (e) => (e.updated_at ? localTime(e.updated_at) : '—'),
    },
  ];
  const rows = [...report.entries].sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? ''));
  updateCompare();
  append(
    root,
    panel(
      `${report.entries.length} entries under ${report.root}`,
      { id: 'index' },
      report.entries.length
        ? renderTable<Entry>({
            columns,
            rows,
            filename: 'ahe-index.csv',
            filters: [
              { label: 'jobs', test: (e) => e.kind === 'job' },
              { label: 'runs', test: (e) => e.kind === 'run' },
              { label: 'debug outputs', test: (e) => e.kind === 'debug' },
              { label: 'running', test: (e) => e.running },
            ],
            search: (e) => `${e.path} ${e.name} ${e.kind}`,
            onRowClick: open,
          })
        : h(
            'p',
            { class: 'empty' },
            'No job, run or debug output was found here (yet): this list follows the directory.',
          ),
      h('p', {}, compare),
    ),
  );
}
