// The debugger's Markdown (its overview, each task's detail, a trial's digest) drawn as a small safe subset:
// headings, bullet and numbered lists, fenced code, block quotes, tables kept as preformatted text, and
// paragraphs; inline `code` and **bold**; a link shows its text only (its target, a file of the debug
// output, is not in the page). Every piece of the text becomes a text node (dom.ts): nothing is ever
// parsed as HTML, so markup in the Markdown is shown as the characters it is.
import { append, h } from './dom.ts';

type Inline = Node | string;

/** `code`, **bold**, [text](target) → its text alone (the target goes nowhere); everything else as text. */
export function inlineMarkdown(text: string): Inline[] {
  const out: Inline[] = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\([^)\s]*\)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(h('code', {}, m[1]));
    else if (m[2] !== undefined) out.push(h('strong', {}, m[2]));
    else out.push(h('span', { class: 'md-link' }, m[3] ?? ''));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const HEADING = /^(#{1,6})\s+(.*)$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const NUMBERED = /^(\s*)\d+[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const QUOTE = /^\s*>\s?(.*)$/;
const TABLE = /^\s*\|/;

/** Headings of the text sit under the page's section headings (h2): # → h3 … ### and below → h5/h6. */
const headingTag = (level: number) => (['h3', 'h4', 'h5', 'h6'] as const)[Math.min(level, 4) - 1]!;

interface ListFrame {
  indent: number;
  list: HTMLElement;
  item: HTMLElement | null;
}

/** The Markdown text as DOM (a <div class="md">), built from text nodes only. */
export function renderMarkdown(text: string, className = 'md'): HTMLElement {
  const root = h('div', { class: className });
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let lists: ListFrame[] = [];

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const p = h('p', {});
    paragraph.forEach((line, i) => {
      if (i > 0) p.append(h('br', {}));
      append(p, ...inlineMarkdown(line));
    });
    root.append(p);
    paragraph = [];
  };
  const closeLists = () => {
    lists = [];
  };
  const flush = () => {
    flushParagraph();
    closeLists();
  };

  const listItem = (indent: number, ordered: boolean, content: string) => {
    flushParagraph();
    const tag = ordered ? 'ol' : 'ul';
    while (lists.length && lists[lists.length - 1]!.indent > indent) lists.pop();
    let top = lists[lists.length - 1];
    if (!top || top.indent < indent) {
      const list = h(tag, {});
      if (top?.item) top.item.append(list);
      else root.append(list);
      top = { indent, list, item: null };
      lists.push(top);
    } else if (top.list.tagName.toLowerCase() !== tag) {
      // The same level, the other kind of list: a new list beside it.
      const list = h(tag, {});
      top.list.after(list);
      top.list = list;
    }
    const item = h('li', {}, ...inlineMarkdown(content));
    top.list.append(item);
    top.item = item;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) {
      flush();
      const fence = FENCE.exec(line)![1]!;
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence); i++) body.push(lines[i]!);
      root.append(h('pre', { class: 'md-code' }, h('code', {}, body.join('\n'))));
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      // A blank line inside a list keeps the list open only when the next line goes on with it.
      const next = lines[i + 1] ?? '';
      if (!BULLET.test(next) && !NUMBERED.test(next) && !/^\s{2,}\S/.test(next)) closeLists();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      root.append(h(headingTag(heading[1]!.length), {}, ...inlineMarkdown(heading[2]!.replace(/\s+#+\s*$/, ''))));
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const m = (bullet ?? numbered)!;
      listItem(m[1]!.length, Boolean(numbered), m[2]!);
      continue;
    }
    if (TABLE.test(line)) {
      flush();
      const rows = [line];
      while (i + 1 < lines.length && TABLE.test(lines[i + 1]!)) rows.push(lines[++i]!);
      root.append(h('pre', { class: 'md-table' }, rows.join('\n')));
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      flush();
      const quoted = [quote[1]!];
      while (i + 1 < lines.length && QUOTE.test(lines[i + 1]!)) quoted.push(QUOTE.exec(lines[++i]!)![1]!);
      const block = h('blockquote', {});
      quoted.forEach((q, j) => {
        if (j > 0) block.append(h('br', {}));
        append(block, ...inlineMarkdown(q));
      });
      root.append(block);
      continue;
    }
    // A line indented under a list item goes on with that item.
    const top = lists[lists.length - 1];
    if (top?.item && /^\s+\S/.test(line)) {
      top.item.append(h('br', {}));
      append(top.item, ...inlineMarkdown(line.trim()));
      continue;
    }
    closeLists();
    paragraph.push(line);
  }
  flushParagraph();
  return root;
}
