// Building the page's DOM safely. Every string shown in a report may come from agent output, task files
// or model text, so nothing here ever parses a string as HTML: text goes through text nodes, attributes
// through setAttribute with a fixed allow-list of names (no event handlers, no style, no href with a
// script: URL). innerHTML, insertAdjacentHTML and document.write are never used by the page.

type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

const ALLOWED_ATTR =
  /^(class|id|title|role|colspan|rowspan|type|value|placeholder|checked|disabled|selected|open|tabindex|for|name|min|max|step|download|href|target|rel|width|height|viewBox|d|x|y|fill|stroke)$|^(aria|data)-[a-z-]+$/;

/** Whether a URL may go into href: only fragments, relative paths, http(s), blob: and data: of images/CSV. */
export function safeHref(url: string): boolean {
  const u = url.trim().toLowerCase();
  if (u.startsWith('#') || u.startsWith('?') || u.startsWith('/') || u.startsWith('./')) return true;
  return /^(https?:|blob:|data:(image\/(png|svg\+xml)|text\/csv)[;,])/.test(u);
}

/** An element with attributes and children; strings become text nodes (never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (!ALLOWED_ATTR.test(name)) throw new Error(`attribute ${name} is not allowed on report elements`);
    if (name === 'href' && !safeHref(String(value))) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children; strings and numbers as text. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    );
  }
}

/** Removes every child of an element. */
export function clear(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

/** A rate as a percentage with one decimal (`—` for null). */
export const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`;

/** US dollars (`—` for null/unknown). */
export const usd = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : x < 0.01 && x > 0 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;

/** A token count, short (12.3k, 4.1M). */
export const tokens = (n: number | null | undefined): string =>
  n === null || n === undefined
    ? '—'
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)}M`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)}k`
        : String(n);

/** Seconds as 1h 02m / 3m 04s / 5.2s. */
export function duration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined) return '—';
  if (sec < 60) return `${sec.toFixed(1)}s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m}m ${String(Math.round(sec % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Offers a string as a file download (CSV, SVG) through a blob: URL. */
export function download(filename: string, content: string | Blob, type = 'text/plain'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
