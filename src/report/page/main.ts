// The report page's entry point (bundled by scripts/bundle-report-page.mjs): picks the data source (the
// embedded blocks of a static file, or `ahe serve`'s API), draws the header and breadcrumb, and shows the
// view the location asks for — the served directory's index, a job, a debug output, an evolve run, a
// comparison, a job inside one of them, or a trial. A live page (ahe serve) re-renders the open view in
// place when the data changed, keeping the scroll position, the tables' sort and filters and what views
// keep themselves.
//
// Hooks the browser tests rely on (keep them stable): #view (the open view), .breadcrumb, .live (live
// header); job view: #job-tasks / #job-trials with rows tr.clickable, .task-panel[data-task], and
// [data-progress="done/total"] while live; trial view: .steps > .step[data-step], .trial-nav; tables:
// [data-table="<csv name>"], .filter-chip, .table-search, .csv-export; index: [data-table="ahe-index.csv"].
// Routes: #job=<key>&trial=<detail_ref> (router.ts).
import type { AnyReport, ReportPayload } from '../report-data.ts';
import { disposeCharts } from './charts.ts';
import { renderCompareJobsView, renderCompareRunsView } from './compare-view.ts';
import { renderDebugView } from './debug-view.ts';
import { clear, h } from './dom.ts';
import { renderIndexView } from './index-view.ts';
import { renderJobView } from './job-view.ts';
import { findTrial, formatRoute, jobsOf, parseRoute, type Route } from './router.ts';
import { renderRunView } from './run-view.ts';
import { renderHeader } from './shell-header.ts';
import { pathsQuery, pickSource } from './source.ts';
import { renderTrialView } from './trial-view.ts';
import type { ViewContext } from './view-context.ts';

const KIND_NAMES: Record<AnyReport['kind'], string> = {
  job: 'job',
  debug: 'debug output',
  run: 'evolve run',
  'compare-jobs': 'job comparison',
  'compare-runs': 'run comparison',
  index: 'served directory',
};

async function boot(app: HTMLElement): Promise<void> {
  const { source, live } = pickSource();
  let payload: ReportPayload = await source.load();
  let updatedAt = new Date();
  const header = h('header', { class: 'page-header' });
  const crumbs = h('nav', { class: 'breadcrumb', 'aria-label': 'breadcrumb' });
  const view = h('main', { class: 'view', id: 'view' });
  clear(app);
  app.append(header, crumbs, view);

  /** Labels of trials opened from a view, for the breadcrumb. */
  const trialLabels = new Map<string, string>();
  /** Scroll positions of the views left, by location, restored by the back button. */
  const scrolls = new Map<string, number>();
  let shownHash = location.hash;
  let shownTrial: string | null = null;

  const navigate = (route: Route) => {
    scrolls.set(shownHash, window.scrollY);
    location.hash = formatRoute(route);
  };

  const ctx: ViewContext = {
    source,
    live,
    openTrial(ref, label) {
      trialLabels.set(ref, label);
      const current = parseRoute(location.hash);
      navigate({ job: current.job ?? findTrial(payload.report, ref)?.key, trial: ref });
    },
    openJob(job, _label) {
      const entry = jobsOf(payload.report).find((e) => e.job === job || e.job.path === job.path);
      if (entry) navigate({ job: entry.key });
    },
    openEntry: live
      ? (path) => {
          location.assign(`?${pathsQuery([path])}`);
        }
      : undefined,
  };

  const renderCrumbs = (route: Route) => {
    clear(crumbs);
    const report = payload.report;
    const parts: (HTMLElement | string)[] = [];
    const link = (text: string, target: Route | string) => {
      const a = h('a', { href: typeof target === 'string' ? target : formatRoute(target) }, text);
      return a;
    };
    if (live && report.kind !== 'index') parts.push(link('index', '?'));
    const job = route.job ? jobsOf(report).find((e) => e.key === route.job) : undefined;
    const atRoot = !route.job && !route.trial;
    const title = report.kind === 'index' ? report.root : payload.title;
    parts.push(atRoot ? h('span', {}, title) : link(title, {}));
    const jobIsRoot = report.kind === 'job' && route.job === 'job';
    if (job && !jobIsRoot) parts.push(route.trial ? link(job.label, { job: job.key }) : h('span', {}, job.label));
    if (route.trial) {
      const row = findTrial(report, route.trial)?.row;
      parts.push(h('span', {}, trialLabels.get(route.trial) ?? (row ? `${row.task} · ${row.id}` : route.trial)));
    }
    // At the report's own view the header says it all.
    crumbs.hidden = parts.length < 2;
    parts.forEach((part, i) => {
      if (i > 0) crumbs.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
      crumbs.append(part);
    });
  };

  const renderView = (route: Route) => {
    const report = payload.report;
    if (route.trial) {
      disposeCharts(view);
      renderTrialView(view, route.trial, ctx, payload);
      return;
    }
    if (route.job) {
      const entry = jobsOf(report).find((e) => e.key === route.job);
      disposeCharts(view);
      if (entry) renderJobView(view, entry.job, ctx);
      else {
        clear(view);
        view.append(h('p', { class: 'empty' }, `This report has no job "${route.job}" (any more).`));
      }
      return;
    }
    switch (report.kind) {
      case 'index':
        return renderIndexView(view, report, ctx);
      case 'job':
        disposeCharts(view);
        return renderJobView(view, report, ctx);
      case 'debug':
        disposeCharts(view);
        return renderDebugView(view, report, ctx);
      case 'run':
        return renderRunView(view, report, ctx);
      case 'compare-jobs':
        return renderCompareJobsView(view, report, ctx);
      case 'compare-runs':
        return renderCompareRunsView(view, report, ctx);
    }
  };

  const render = (reason: 'navigate' | 'update') => {
    const route = parseRoute(location.hash);
    renderHeader(header, payload, { live, updatedAt, kindName: KIND_NAMES[payload.report.kind] });
    renderCrumbs(route);
    document.title = route.trial
      ? `${findTrial(payload.report, route.trial)?.row.task ?? 'trial'} · ${payload.title}`
      : payload.title;
    // A trial's detail does not change once it is written: a live update leaves its view (and what the
    // reader expanded in it) alone.
    if (reason === 'update' && route.trial && route.trial === shownTrial) return;
    const scroll = reason === 'update' ? window.scrollY : (scrolls.get(location.hash) ?? 0);
    const kept = reason === 'update' ? keepReaderState(view) : () => {};
    renderView(route);
    kept();
    shownTrial = route.trial ?? null;
    shownHash = location.hash;
    window.scrollTo(0, scroll);
  };

  window.addEventListener('hashchange', () => render('navigate'));
  render('navigate');
  if (live && source.watch) {
    source.watch((next) => {
      payload = next;
      updatedAt = new Date();
      render('update');
    });
  }
}

/**
 * What a live re-render would lose and the reader was using: the search box being typed in (tables keep
 * their query themselves) and the folds opened or closed. Returns the function that puts them back.
 */
function keepReaderState(view: HTMLElement): () => void {
  const active = document.activeElement;
  const table =
    active instanceof HTMLInputElement && active.classList.contains('table-search')
      ? active.closest('[data-table]')?.getAttribute('data-table')
      : null;
  const caret = active instanceof HTMLInputElement ? active.selectionStart : null;
  const folds = new Map<string, boolean>();
  for (const d of view.querySelectorAll<HTMLDetailsElement>('details[data-fold]'))
    folds.set(d.getAttribute('data-fold') ?? '', d.open);
  return () => {
    for (const d of view.querySelectorAll<HTMLDetailsElement>('details[data-fold]')) {
      const open = folds.get(d.getAttribute('data-fold') ?? '');
      if (open !== undefined) d.open = open;
    }
    if (!table) return;
    const input = [...view.querySelectorAll<HTMLElement>('[data-table]')]
      .find((e) => e.getAttribute('data-table') === table)
      ?.querySelector<HTMLInputElement>('.table-search');
    if (!input) return;
    input.focus();
    if (caret !== null) input.setSelectionRange(caret, caret);
  };
}

function fail(app: HTMLElement, error: unknown): void {
  clear(app);
  app.append(h('div', { class: 'fatal' }, h('h1', {}, 'The report could not be shown'), h('pre', {}, String(error))));
  console.error(error);
}

const app = document.getElementById('app');
if (app) boot(app).catch((error: unknown) => fail(app, error));
