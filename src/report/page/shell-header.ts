// The page's header: the report's title, what it is, when it was generated and by which ahe, whether it
// is live (ahe serve, polling) or a static file, and — for a static file — how many trial details it
// carries and why the others were left out.
import type { ReportPayload } from '../report-data.ts';
import { clear, h } from './dom.ts';

export interface HeaderState {
  live: boolean;
  updatedAt: Date;
  kindName: string;
}

/** A timestamp in the reader's local time, to the second (the ISO text when it does not parse). */
export function localTime(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

export function renderHeader(header: HTMLElement, payload: ReportPayload, state: HeaderState): void {
  clear(header);
  const meta = h(
    'p',
    { class: 'page-meta' },
    h('span', { class: 'kind' }, state.kindName),
    h('span', {}, `generated ${localTime(payload.generated_at)}`),
    h('span', {}, `ahe ${payload.ahe_version}`),
    state.live
      ? h(
          'span',
          { class: 'live', title: 'ahe serve: the page follows the files as they are written' },
          h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
          `live · updated ${localTime(state.updatedAt)}`,
        )
      : h('span', { class: 'static' }, 'static file'),
  );
  header.append(h('h1', {}, payload.title), meta);
  const embedded = payload.embedded_trials;
  if (embedded && embedded.embedded < embedded.total) {
    header.append(
      h(
        'p',
        { class: 'notice' },
        `${embedded.embedded} of ${embedded.total} trial details are in this file`,
        embedded.reason ? ` (${embedded.reason})` : '',
        '; open the directory with `ahe serve` to see the others.',
      ),
    );
  }
}
