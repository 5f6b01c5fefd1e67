// The head of a run's view: what evolved it (method, models, k, iterations), where it is (finished and
// why it stopped, or the iteration and step it is at with its progress, ETA and cost so far), its best
// iteration and what it spent.
import type { RunReport } from '../report-data.ts';
import { duration, h, pct, tokens, usd } from './dom.ts';
import { chip, facts } from './run-labels.ts';

export function renderRunHeader(report: RunReport): HTMLElement {
  const { config, status, progress, best } = report;
  const running = progress ? progress.running : !status.done;
  const evaluated = report.iterations.filter((it) => it.train !== null).length;
  const stateText = status.done
    ? `finished${status.stopped_reason ? `: ${status.stopped_reason}` : ''}`
    : running
      ? `running: iteration ${progress?.iteration ?? status.iteration}, step ${progress?.step ?? status.step}`
      : `stopped at iteration ${status.iteration}, step ${status.step}${status.stopped_reason ? ` (${status.stopped_reason})` : ''}`;
  const bestLink = best
    ? scrollButton(`iteration-${best.iteration}`, `iteration ${best.iteration}: ${pct(best.pass_at_1)} pass@1`)
    : null;
  const problems = report.problems ?? [];
  return h(
    'header',
    { class: 'run-header' },
    h('h2', {}, `Evolve run ${report.name}`, ' ', running ? chip('running') : null),
    h('p', { class: 'path' }, h('code', {}, report.path)),
    facts([
      ['method', report.method || '—'],
      ['model', config.model || '—'],
      ['evolve model', config.evolve_model || '—'],
      ['debug model', config.debug_model],
      ['k', config.k || '—'],
      ['iterations', `${evaluated} evaluated of ${config.iterations + 1} planned (seed + ${config.iterations})`],
      ['status', stateText],
      ['progress', progress && !status.done ? progressElement(progress.done, progress.total) : null],
      ['ETA', progress?.eta_sec ? duration(progress.eta_sec) : null],
      ['cost so far', running && progress && progress.cost_usd !== null ? usd(progress.cost_usd) : null],
      ['best', bestLink],
      [
        'spend',
        `${tokens(report.spend.prompt_tokens + report.spend.completion_tokens)} tokens, ${usd(report.spend.cost_usd)}${running ? ' so far' : ''}`,
      ],
    ]),
    problems.length
      ? h(
          'details',
          { class: 'problems' },
          h('summary', {}, `${problems.length} file problem(s) while loading`),
          h('ul', {}, ...problems.map((p) => h('li', {}, p))),
        )
      : null,
  );
}

function progressElement(done: number, total: number): HTMLElement {
  return h(
    'span',
    {},
    h('progress', { max: Math.max(1, total), value: Math.min(done, total) }),
    ` ${done} of ${total} evaluations`,
  );
}

/** A button that scrolls to an element of the view (not a #fragment link: the page's router owns the URL). */
export function scrollButton(id: string, text: string): HTMLElement {
  const button = h('button', { type: 'button', class: 'link' }, text);
  button.addEventListener('click', () => document.getElementById(id)?.scrollIntoView({ block: 'start' }));
  return button;
}
