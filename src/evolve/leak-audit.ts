// The anti-leak audit: a harness change must teach the coding agent something general, never carry a
// training task's name, instruction, tests, expected outputs or solution into the harness — that is
// how an evolver overfits (the AHE paper's "task-specific hacks"). Only the lines a change adds are
// read; the rules are in docs/evolve.md ("Anti-leak audit") and in leak-index.ts / leak-patterns.ts.
import type { Task } from '../bench/task.ts';
import { type AddedLine, addedLines } from './added-lines.ts';
import { buildLeakIndex, LEAK_KINDS, type LeakIndex, type LeakKind, NGRAM } from './leak-index.ts';
import { normalise, numbersIn, wordsOf } from './leak-patterns.ts';

export type { LeakKind } from './leak-index.ts';

export interface ChangedFile {
  /** Harness-relative path. */
  path: string;
  /** Content before the change; null for a new file. */
  before: string | null;
  after: string;
}

export interface LeakFinding {
  file: string;
  /** 1-based line of the new content. */
  line: number;
  kind: LeakKind;
  /** What matched: the task name as written, or the task's string (normalised: lowercase, single spaces). */
  match: string;
  /** The task it comes from (the first by name when several share it). */
  task: string;
}

export interface LeakAudit {
  ok: boolean;
  /** Sorted by file, line, kind (task-name first), match. */
  findings: LeakFinding[];
}

export interface AuditChangeInput {
  files: readonly ChangedFile[];
  /** The training tasks (held-out ones may be added: what leaks from them is as bad). */
  tasks: readonly Task[];
  /** A prebuilt index of `tasks`, to audit many changes without re-reading the tasks. */
  index?: LeakIndex;
}

/** An added line is searched for inside a test or solution line only from this length and five words on (shorter is too generic). */
const MIN_REVERSE_LINE = 32;

const isWordChar = (c: string | undefined) => c !== undefined && /[a-z0-9_]/i.test(c);

/** `needle` in `hay` (both normalised) with no letter, digit or underscore glued to either end. */
function containsToken(hay: string, needle: string): boolean {
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
    const before = hay[at - 1];
    const after = hay[at + needle.length];
    if ((!isWordChar(needle[0]) || !isWordChar(before)) && (!isWordChar(needle.at(-1)) || !isWordChar(after)))
      return true;
  }
  return false;
}

function lineFindings(index: LeakIndex, file: string, added: AddedLine): LeakFinding[] {
  const out: LeakFinding[] = [];
  const push = (kind: LeakKind, match: string, task: string) => out.push({ file, line: added.line, kind, match, task });
  for (const { task, pattern } of index.names) {
    const m = added.text.match(pattern);
    if (m) push('task-name', m[0], task);
  }
  const text = normalise(added.text);
  const reverse = text.length >= MIN_REVERSE_LINE && (text.match(/[a-z0-9_]+/g)?.length ?? 0) >= 5;
  for (const item of index.items) {
    const hit =
      item.shape === 'line'
        ? text.includes(item.text) || (reverse && item.text.includes(text))
        : containsToken(text, item.text);
    if (hit) push(item.kind, item.text, item.tasks[0]!);
  }
  for (const n of numbersIn(added.text)) {
    const item = index.numbers.get(n);
    if (item) push(item.kind, n, item.tasks[0]!);
  }
  return out;
}

/** Word 8-grams of the instruction, searched across runs of consecutive added lines (a quoted sentence may wrap). */
function ngramFindings(index: LeakIndex, file: string, lines: readonly AddedLine[]): LeakFinding[] {
  const out: LeakFinding[] = [];
  let run: { word: string; line: number }[] = [];
  const flush = () => {
    let i = 0;
    while (i + NGRAM <= run.length) {
      const tasks = index.ngrams.get(
        run
          .slice(i, i + NGRAM)
          .map((w) => w.word)
          .join(' '),
      );
      if (!tasks) {
        i++;
        continue;
      }
      // Extend over the following 8-grams of the same task: one finding per copied passage.
      let end = i + NGRAM;
      while (
        end < run.length &&
        index.ngrams
          .get(
            run
              .slice(end - NGRAM + 1, end + 1)
              .map((w) => w.word)
              .join(' '),
          )
          ?.includes(tasks[0]!)
      )
        end++;
      out.push({
        file,
        line: run[i]!.line,
        kind: 'instruction-text',
        match: run
          .slice(i, end)
          .map((w) => w.word)
          .join(' '),
        task: tasks[0]!,
      });
      i = end;
    }
    run = [];
  };
  lines.forEach((l, k) => {
    if (k > 0 && l.line !== lines[k - 1]!.line + 1) flush();
    for (const word of wordsOf(l.text)) run.push({ word, line: l.line });
  });
  flush();
  return out;
}

const order = (a: LeakFinding, b: LeakFinding) =>
  a.file.localeCompare(b.file) ||
  a.line - b.line ||
  LEAK_KINDS.indexOf(a.kind) - LEAK_KINDS.indexOf(b.kind) ||
  a.match.localeCompare(b.match);

/**
 * One finding per string: on a line, a match contained in a longer match of the same line is dropped
 * (`/app/region_totals.csv` hides `region_totals.csv` and `region_totals`), and of equal matches the
 * first kind in LEAK_KINDS order is kept.
 */
function dedupe(findings: LeakFinding[]): LeakFinding[] {
  const sorted = [...findings].sort(order);
  return sorted.filter((f, i) => {
    const m = f.match.toLowerCase();
    return !sorted.some(
      (g, j) =>
        j !== i &&
        g.file === f.file &&
        g.line === f.line &&
        (() => {
          const n = g.match.toLowerCase();
          return n.length > m.length ? n.includes(m) : n === m && j < i;
        })(),
    );
  });
}

// The loop audits every change against the same task list: its index is built once per list.
const indexes = new WeakMap<readonly Task[], LeakIndex>();
function indexOf(tasks: readonly Task[]): LeakIndex {
  let index = indexes.get(tasks);
  if (!index) indexes.set(tasks, (index = buildLeakIndex(tasks)));
  return index;
}

/** Audits the lines a change adds to harness files against the tasks. Deterministic. */
export function auditChange(input: AuditChangeInput): LeakAudit {
  const index = input.index ?? indexOf(input.tasks);
  const findings: LeakFinding[] = [];
  for (const file of input.files) {
    const lines = addedLines(file.before, file.after);
    for (const l of lines) findings.push(...lineFindings(index, file.path, l));
    findings.push(...ngramFindings(index, file.path, lines));
  }
  const out = dedupe(findings);
  return { ok: out.length === 0, findings: out };
}

/** The findings as lines for the evolve agent: `memory/x.md:3 task-name "csv-region-totals" (task csv-region-totals)`. */
export function formatLeakFindings(audit: LeakAudit): string {
  if (audit.ok) return 'no task-specific content found';
  return audit.findings
    .map((f) => `${f.file}:${f.line} ${f.kind} ${JSON.stringify(f.match)} (task ${f.task})`)
    .join('\n');
}
