// A unified diff (an iteration's diff.patch) shown readably: one collapsible block per file with its
// added and removed line counts, lines coloured by kind (+ added, − removed, @@ hunk header). Text only:
// every line goes into a text node, so a diff of hostile content shows as that content.
import { h } from './dom.ts';

export type DiffLineKind = 'add' | 'del' | 'hunk' | 'context' | 'meta';

export interface DiffFile {
  path: string;
  added: number;
  removed: number;
  lines: { kind: DiffLineKind; text: string }[];
}

/** Splits a unified diff (git's or plain `diff -u`) into files; text before the first file is kept as one. */
export function parseUnifiedDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let inHunk = false;
  const start = (path: string): DiffFile => {
    const next: DiffFile = { path, added: 0, removed: 0, lines: [] };
    files.push(next);
    file = next;
    inHunk = false;
    return next;
  };
  const lines = diff.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('diff --git ')) {
      const m = / b\/(.+)$/.exec(line);
      start(m?.[1] ?? line.slice('diff --git '.length)).lines.push({ kind: 'meta', text: line });
      continue;
    }
    // A plain `diff -u` file starts at a "--- " line followed by "+++ " (and, after a hunk, by "@@").
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ') && (!inHunk || lines[i + 2]?.startsWith('@@'))) {
      const open = file as DiffFile | null; // assigned inside start(), which narrowing does not follow
      const current = open && !open.lines.some((l) => l.kind === 'hunk') ? open : start('');
      const target = pathOf(lines[i + 1] ?? '');
      current.path = target === '/dev/null' ? pathOf(line) : target;
      current.lines.push({ kind: 'meta', text: line }, { kind: 'meta', text: lines[i + 1] ?? '' });
      i++;
      continue;
    }
    const current = (file as DiffFile | null) ?? start('(diff)');
    if (line.startsWith('@@')) {
      inHunk = true;
      current.lines.push({ kind: 'hunk', text: line });
    } else if (inHunk && line.startsWith('+')) {
      current.added++;
      current.lines.push({ kind: 'add', text: line });
    } else if (inHunk && line.startsWith('-')) {
      current.removed++;
      current.lines.push({ kind: 'del', text: line });
    } else {
      current.lines.push({ kind: inHunk ? 'context' : 'meta', text: line });
    }
  }
  return files;
}

function pathOf(header: string): string {
  const path = header.slice(4).split('\t')[0]?.trim() ?? '';
  return path.replace(/^[ab]\//, '');
}

const LINE_BACKGROUND: Record<DiffLineKind, string> = {
  add: '#e6ffec',
  del: '#ffebe9',
  hunk: '#ddf4ff',
  context: '',
  meta: '',
};

/** Lines drawn at first per file; the rest behind a button (a diff may rewrite a whole prompt). */
const FIRST_LINES = 400;

/** The diff as collapsible files; files are open when the whole diff is short. */
export function renderDiff(diff: string): HTMLElement {
  const files = parseUnifiedDiff(diff);
  const root = h('div', { class: 'diff' });
  if (!files.length) {
    root.append(h('p', { class: 'empty' }, 'Empty diff.'));
    return root;
  }
  const total = files.reduce((n, f) => n + f.lines.length, 0);
  for (const file of files) {
    const body = h('pre', { class: 'diff-lines' });
    body.style.margin = '0';
    body.style.overflowX = 'auto';
    appendLines(body, file.lines.slice(0, FIRST_LINES));
    if (file.lines.length > FIRST_LINES) {
      const more = h('button', { type: 'button', class: 'link' }, `show ${file.lines.length - FIRST_LINES} more lines`);
      more.addEventListener('click', () => {
        more.remove();
        appendLines(body, file.lines.slice(FIRST_LINES));
      });
      body.append(more);
    }
    root.append(
      h(
        'details',
        { class: 'diff-file', open: total <= 300 },
        h(
          'summary',
          {},
          h('code', {}, file.path || '(unnamed)'),
          ' ',
          h('span', { class: 'diff-added' }, `+${file.added}`),
          ' ',
          h('span', { class: 'diff-removed' }, `−${file.removed}`),
        ),
        body,
      ),
    );
  }
  for (const [selector, colour] of [
    ['.diff-added', '#1a7f37'],
    ['.diff-removed', '#cf222e'],
  ] as const) {
    for (const span of root.querySelectorAll<HTMLElement>(selector)) span.style.color = colour;
  }
  return root;
}

function appendLines(pre: HTMLElement, lines: DiffFile['lines']): void {
  for (const line of lines) {
    const span = h('span', { class: `diff-${line.kind}` }, `${line.text}\n`);
    span.style.display = 'block';
    const background = LINE_BACKGROUND[line.kind];
    if (background) {
      span.style.background = background;
      span.style.color = '#1f2328';
    }
    if (line.kind === 'meta') span.style.fontWeight = 'bold';
    pre.append(span);
  }
}
