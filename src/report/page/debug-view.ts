// The view of an `ahe debug` output: the debugger's overview (Markdown, drawn as its safe subset: markdown.ts), then each task's
// classification, detail and failure signatures; a click on a task shows its detail in full and, when the
// analysed job is still there, its trials to open. A link leads to that job's own view.
import type { DebugReport, JobReport } from '../report-data.ts';
import { append, clear, h } from './dom.ts';
import { type Column, renderTable } from './table.ts';
import type { ViewContext } from './view-context.ts';
import { factLine, markdownText, panel, statusLabel } from './view-parts.ts';

type DebugTask = DebugReport['tasks'][number];

/** The open task per debug output path: kept across live re-renders. */
const openTasks = new Map<string, string>();

function taskDetail(task: DebugTask, job: JobReport | null, ctx: ViewContext): HTMLElement {
  const row = job?.tasks.find((t) => t.task === task.task);
  const trials = row ? (job?.trials.filter((t) => row.trials.includes(t.id)) ?? []) : [];
  return h(
    'div',
    { class: 'task-panel', 'data-task': task.task },
    h('h3', {}, h('code', {}, task.task), ' ', statusLabel(task.status)),
    task.signatures.length
      ? h('ul', { class: 'signatures' }, ...task.signatures.map((s) => h('li', {}, h('code', {}, s))))
      : null,
    task.detail ? markdownText(task.detail, 'markdown') : null,
    trials.length
      ? h(
          'p',
          { class: 'trial-links' },
          'trials: ',
          ...trials.map((t) => {
            const button = h(
              'button',
              { type: 'button', class: `link ${t.passed ? 'passed' : 'failed'}` },
              `${t.id}${t.passed ? ' ✓' : ' ✗'}`,
            );
            button.addEventListener('click', () => ctx.openTrial(t.detail_ref, `${t.task} · ${t.id}`));
            return button;
          }),
        )
      : null,
  );
}

export function renderDebugView(root: HTMLElement, report: DebugReport, ctx: ViewContext): void {
  clear(root);
  const slot = h('div', { class: 'task-slot' });
  const show = (task: DebugTask | undefined, scroll: boolean) => {
    clear(slot);
    if (!task) return;
    openTasks.set(report.path, task.task);
    slot.append(taskDetail(task, report.job, ctx));
    if (scroll) slot.scrollIntoView({ block: 'nearest' });
  };
  const statuses = [...new Set(report.tasks.map((t) => t.status))].sort();
  const columns: Column<DebugTask>[] = [
    { key: 'task', label: 'task', value: (t) => t.task },
    { key: 'status', label: 'status', value: (t) => t.status, render: (t) => statusLabel(t.status) },
    { key: 'signatures', label: 'signatures', value: (t) => t.signatures.join('; ') || null },
    {
      key: 'detail',
      label: 'detail',
      value: (t) => t.detail,
      render: (t) => (t.detail.length > 160 ? `${t.detail.slice(0, 160)}…` : t.detail),
    },
  ];
  const jobButton = report.job ? h('button', { type: 'button', class: 'open-job' }, 'open the job view') : null;
  const job = report.job;
  if (jobButton && job) jobButton.addEventListener('click', () => ctx.openJob(job, job.name));
  append(
    root,
    h(
      'div',
      { class: 'view-head' },
      h('h2', {}, report.name),
      factLine([
        ['path', h('code', {}, report.path)],
        ['tasks', report.tasks.length],
        [
          'job',
          job ? h('span', {}, h('code', {}, job.path), ' ', jobButton) : 'not found (only the analysis is shown)',
        ],
      ]),
    ),
    panel(
      'Overview',
      { id: 'debug-overview' },
      report.overview ? markdownText(report.overview, 'markdown') : h('p', { class: 'empty' }, 'No overview.'),
    ),
    panel(
      'Tasks',
      { id: 'debug-tasks' },
      renderTable<DebugTask>({
        columns,
        rows: report.tasks,
        filename: `${report.name}-debug-tasks.csv`,
        filters: statuses.map((s) => ({ label: s, test: (t: DebugTask) => t.status === s })),
        search: (t) => [t.task, t.status, t.detail, ...t.signatures].join(' '),
        onRowClick: (t) => show(t, true),
      }),
      slot,
    ),
  );
  const open = openTasks.get(report.path);
  if (open)
    show(
      report.tasks.find((t) => t.task === open),
      false,
    );
}
