// Small pieces the job, trial, debug and index views share: a titled section, a row of labelled facts, a
// status label and a block of long text cut to its first lines with a button that shows the rest. Text
// from the data always goes in as text nodes (dom.ts).
import { type Attrs, h } from './dom.ts';
import { renderMarkdown } from './markdown.ts';

type Child = Node | string | null | undefined | false;

/** A section with a heading (h2) and an optional id to link to. */
export function panel(title: string, attrs: Attrs, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel', ...attrs }, h('h2', {}, title), ...children);
}

/** "label value" pairs in a line; pairs whose value is null are left out. */
export function factLine(entries: [string, Child | number][]): HTMLElement {
  const line = h('dl', { class: 'fact-line' });
  for (const [label, value] of entries) {
    if (value === null || value === undefined || value === false) continue;
    line.append(h('div', {}, h('dt', {}, label), h('dd', {}, typeof value === 'number' ? String(value) : value)));
  }
  return line;
}

/** A status word styled by its class (passed, failed, partial, error, running, …). */
export function statusLabel(status: string): HTMLElement {
  const known = /^(passed|failed|partial|error|running|done|infra)$/.test(status) ? status : 'other';
  return h('span', { class: `status status-${known}` }, status);
}

/** Where a long text is cut: about this many characters or lines. */
export const CUT_CHARS = 2000;
export const CUT_LINES = 40;

/** The first CUT_LINES lines / CUT_CHARS characters of a text, or null when it is short enough. */
export function cutText(text: string): string | null {
  let end = Math.min(text.length, CUT_CHARS);
  let lines = 0;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10 && ++lines >= CUT_LINES) {
      end = i;
      break;
    }
  }
  return end < text.length ? text.slice(0, end) : null;
}

export const lineCount = (text: string): number => (text.length === 0 ? 0 : text.split('\n').length);

/** "1 line", "12 lines". */
export const lines = (text: string): string => {
  const n = lineCount(text);
  return `${n} line${n === 1 ? '' : 's'}`;
};

/** A <pre> of a text, cut when long, with a "show all N lines" button that puts the whole text in. */
export function longText(text: string, className = 'text-block'): HTMLElement {
  const pre = h('pre', { class: className });
  const cut = cutText(text);
  if (cut === null) {
    pre.textContent = text;
    return pre;
  }
  pre.textContent = `${cut}\n…`;
  const button = h(
    'button',
    { type: 'button', class: 'show-all' },
    `show all ${lineCount(text)} lines (${text.length.toLocaleString('en-US')} characters)`,
  );
  button.addEventListener('click', () => {
    pre.textContent = text;
    button.remove();
  });
  return h('div', { class: 'long-text' }, pre, button);
}

/**
 * Markdown (the debugger's overview, details and digests) drawn as its safe subset (markdown.ts), cut like
 * longText when long, with the same "show all" button.
 */
export function markdownText(text: string, className = 'markdown'): HTMLElement {
  const cut = cutText(text);
  if (cut === null) return renderMarkdown(text, `md ${className}`);
  const shown = renderMarkdown(`${cut}\n…`, `md ${className}`);
  const button = h(
    'button',
    { type: 'button', class: 'show-all' },
    `show all ${lineCount(text)} lines (${text.length.toLocaleString('en-US')} characters)`,
  );
  const box = h('div', { class: 'long-text' }, shown, button);
  button.addEventListener('click', () => {
    shown.replaceWith(renderMarkdown(text, `md ${className}`));
    button.remove();
  });
  return box;
}

/** A collapsible block: summary line, then content (closed unless `open`). */
export function collapsible(summary: string, open: boolean, ...children: Child[]): HTMLDetailsElement {
  return h('details', { open }, h('summary', {}, summary), ...children);
}

/** A collapsible whose state survives live re-renders (its name must be unique in the view). */
export function fold(name: string, summary: string, open: boolean, ...children: Child[]): HTMLDetailsElement {
  return h('details', { open, 'data-fold': name }, h('summary', {}, summary), ...children);
}
