// The view of one job (an `ahe eval` job or any Harbor job, alone or inside a run, a comparison or a
// debug output): its score line (pass@1 with its 95% CI, pass@k, trials, infrastructure errors, tokens,
// cost, wall time), its progress while it runs, the per-task table (filters by status and exception type;
// a click shows the task's trials) and the per-trial table (a click opens the trial's trajectory).
// Rendering again into the same root (a live job) keeps the task that was open.
import type { JobReport, TaskRow, TrialRow } from '../report-data.ts';
import { append, clear, duration, h, pct, tokens, usd } from './dom.ts';
import { type Column, renderTable } from './table.ts';
import type { ViewContext } from './view-context.ts';
import { factLine, fold, markdownText, panel, statusLabel } from './view-parts.ts';

/** The task whose trials are shown, per job path: kept across live re-renders. */
const openTasks = new Map<string, string>();

const trialTokens = (t: TrialRow) => t.spend.prompt_tokens + t.spend.completion_tokens;

function scoreLine(job: JobReport): HTMLElement {
  const { score } = job;
  const passAtK = Object.entries(score.pass_at_k)
    .filter(([k]) => k !== '1')
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, v]): [string, string] => [`pass@${k}`, pct(v)]);
  const spend = job.spend;
  return factLine([
    ['pass@1', h('strong', { class: 'score' }, pct(score.pass_at_1))],
    ['95% CI', `${pct(score.ci95[0])} – ${pct(score.ci95[1])}`],
    ...passAtK,
    ['tasks', score.n_tasks],
    ['trials', job.n_trials],
    ['k', job.k],
    ['infra errors', job.n_infrastructure_errors],
    [
      'tokens',
      `${tokens(spend.prompt_tokens + spend.completion_tokens)}${spend.cached_tokens ? ` (${tokens(spend.cached_tokens)} cached)` : ''}`,
    ],
    ['cost', usd(spend.cost_usd)],
    ['wall', duration(job.wall_sec)],
  ]);
}

function progressBlock(job: JobReport): HTMLElement | null {
  const p = job.progress;
  if (!p) return null;
  return h(
    'div',
    { class: `progress-block${p.running ? ' running' : ''}`, 'data-progress': `${p.done}/${p.total}` },
    p.running ? statusLabel('running') : statusLabel('done'),
    h('progress', { max: Math.max(p.total, 1), value: p.done }),
    factLine([
      ['done', `${p.done} / ${p.total} trials`],
      ['ETA', p.running && p.eta_sec !== null ? duration(p.eta_sec) : null],
      ['cost so far', usd(p.cost_usd)],
    ]),
  );
}

function exceptionFilters<T>(exceptions: string[], of: (row: T) => string[]) {
  return exceptions.map((type) => ({ label: type, test: (row: T) => of(row).includes(type) }));
}

function tasksTable(job: JobReport, onTask: (task: TaskRow) => void): HTMLElement {
  const hasDebug = job.tasks.some((t) => t.debug);
  const columns: Column<TaskRow>[] = [
    { key: 'task', label: 'task', value: (t) => t.task },
    { key: 'status', label: 'status', value: (t) => t.status, render: (t) => statusLabel(t.status) },
    { key: 'passes', label: 'passes', value: (t) => t.passes, render: (t) => `${t.passes} / ${t.n}`, numeric: true },
    {
      key: 'pass',
      label: 'pass fraction',
      value: (t) => t.pass_fraction,
      render: (t) => pct(t.pass_fraction),
      numeric: true,
    },
    { key: 'trials', label: 'trials', value: (t) => t.trials.length, numeric: true },
    { key: 'exceptions', label: 'exceptions', value: (t) => t.exceptions.join(' ') || null },
  ];
  if (hasDebug) {
    columns.push(
      { key: 'classification', label: 'debugger', value: (t) => t.debug?.classification ?? null },
      { key: 'signatures', label: 'signatures', value: (t) => t.debug?.signatures.join('; ') || null },
    );
  }
  const exceptions = Object.keys(job.exceptions).sort();
  return renderTable<TaskRow>({
    columns,
    rows: job.tasks,
    filename: `${job.name}-tasks.csv`,
    filters: [
      { label: 'passed', test: (t) => t.status === 'passed' },
      { label: 'failed', test: (t) => t.status === 'failed' },
      { label: 'partial', test: (t) => t.status === 'partial' },
      { label: 'errors', test: (t) => t.status === 'error' || t.exceptions.length > 0 },
      ...exceptionFilters<TaskRow>(exceptions, (t) => t.exceptions),
    ],
    search: (t) => [t.task, ...t.exceptions, t.debug?.summary ?? '', ...(t.debug?.signatures ?? [])].join(' '),
    onRowClick: onTask,
  });
}

function trialColumns(showTask: boolean): Column<TrialRow>[] {
  const columns: Column<TrialRow>[] = [
    { key: 'id', label: 'trial', value: (t) => t.id },
    { key: 'task', label: 'task', value: (t) => t.task },
    {
      key: 'result',
      label: 'result',
      value: (t) => (t.passed ? 'passed' : t.exception ? 'error' : 'failed'),
      render: (t) => statusLabel(t.passed ? 'passed' : t.exception ? 'error' : 'failed'),
    },
    { key: 'reward', label: 'reward', value: (t) => t.reward, numeric: true },
    { key: 'exception', label: 'exception', value: (t) => t.exception },
    { key: 'tokens', label: 'tokens', value: trialTokens, render: (t) => tokens(trialTokens(t)), numeric: true },
    {
      key: 'prompt',
      label: 'prompt',
      value: (t) => t.spend.prompt_tokens,
      render: (t) => tokens(t.spend.prompt_tokens),
      numeric: true,
    },
    {
      key: 'completion',
      label: 'completion',
      value: (t) => t.spend.completion_tokens,
      render: (t) => tokens(t.spend.completion_tokens),
      numeric: true,
    },
    { key: 'cost', label: 'cost', value: (t) => t.spend.cost_usd, render: (t) => usd(t.spend.cost_usd), numeric: true },
    {
      key: 'time',
      label: 'time',
      value: (t) => t.duration_sec,
      render: (t) => duration(t.duration_sec),
      numeric: true,
    },
    { key: 'steps', label: 'steps', value: (t) => t.steps, numeric: true },
  ];
  return showTask ? columns : columns.filter((c) => c.key !== 'task');
}

function trialsTable(rows: TrialRow[], filename: string, ctx: ViewContext, showTask: boolean) {
  const exceptions = [...new Set(rows.map((t) => t.exception).filter((e): e is string => e !== null))].sort();
  return renderTable<TrialRow>({
    columns: trialColumns(showTask),
    rows,
    filename,
    filters: [
      { label: 'passed', test: (t) => t.passed },
      { label: 'failed', test: (t) => !t.passed },
      ...exceptionFilters<TrialRow>(exceptions, (t) => (t.exception ? [t.exception] : [])),
    ],
    search: (t) => `${t.id} ${t.task} ${t.exception ?? ''}`,
    onRowClick: (t) => ctx.openTrial(t.detail_ref, `${t.task} · ${t.id}`),
    pageSize: 100,
  });
}

function taskPanel(job: JobReport, task: TaskRow, ctx: ViewContext, close: () => void): HTMLElement {
  const byId = new Map(job.trials.map((t) => [t.id, t]));
  const rows = task.trials.map((id) => byId.get(id)).filter((t): t is TrialRow => t !== undefined);
  const closeButton = h('button', { type: 'button', class: 'close' }, 'close');
  closeButton.addEventListener('click', close);
  return h(
    'div',
    { class: 'task-panel', 'data-task': task.task },
    h('h3', {}, 'Trials of ', h('code', {}, task.task), ' ', statusLabel(task.status), ' ', closeButton),
    task.debug?.summary ? h('p', { class: 'debug-summary' }, task.debug.summary) : null,
    task.debug?.signatures.length
      ? h('ul', { class: 'signatures' }, ...task.debug.signatures.map((s) => h('li', {}, h('code', {}, s))))
      : null,
    trialsTable(rows, `${job.name}-${task.task}-trials.csv`, ctx, false),
  );
}

export function renderJobView(root: HTMLElement, job: JobReport, ctx: ViewContext): void {
  clear(root);
  const taskSlot = h('div', { class: 'task-slot' });
  const showTask = (task: TaskRow | undefined, scroll: boolean) => {
    clear(taskSlot);
    if (!task) {
      openTasks.delete(job.path);
      return;
    }
    openTasks.set(job.path, task.task);
    taskSlot.append(taskPanel(job, task, ctx, () => showTask(undefined, false)));
    if (scroll) taskSlot.scrollIntoView({ block: 'nearest' });
  };
  const unfinished = job.unfinished ?? [];
  const problems = job.problems ?? [];
  append(
    root,
    h(
      'div',
      { class: 'view-head' },
      h('h2', {}, job.name),
      factLine([
        ['path', h('code', {}, job.path)],
        ['agent', job.agent],
        ['model', job.model],
        ['harness', job.harness],
      ]),
      scoreLine(job),
      progressBlock(job),
      Object.keys(job.exceptions).length
        ? factLine(Object.entries(job.exceptions).map(([type, n]): [string, string] => [type, `${n}×`]))
        : null,
      unfinished.length
        ? fold('unfinished', `${unfinished.length} trial(s) not finished`, false, h('p', {}, unfinished.join(', ')))
        : null,
      problems.length
        ? fold(
            'problems',
            `${problems.length} file problem(s) while loading`,
            false,
            h('ul', {}, ...problems.map((p) => h('li', {}, p))),
          )
        : null,
    ),
    job.debug_overview
      ? fold('debug-overview', "Debugger's overview", false, markdownText(job.debug_overview, 'markdown'))
      : null,
    panel(
      'Tasks',
      { id: 'job-tasks' },
      tasksTable(job, (task) => showTask(task, true)),
      taskSlot,
    ),
    panel('Trials', { id: 'job-trials' }, trialsTable(job.trials, `${job.name}-trials.csv`, ctx, true)),
  );
  const open = openTasks.get(job.path);
  if (open)
    showTask(
      job.tasks.find((t) => t.task === open),
      false,
    );
}
