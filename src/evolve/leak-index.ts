// What the leak audit looks for, built once from the training tasks: each task's name, its instruction's
// word 8-grams and literals, its tests' distinctive lines and literals, its solution's lines and
// literals. Anything several tasks share is a convention of the suite (the verifier boilerplate,
// /app/repo, port 8080), not a task's content, and is dropped (SHARED_BY).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Task } from '../bench/task.ts';
import {
  FILE_EXTENSIONS,
  isCommandLike,
  isContentWord,
  isDistinctiveNumber,
  isGenericFilename,
  isGenericPath,
  isGenericToken,
  normalise,
  numbersIn,
  wordsOf,
} from './leak-patterns.ts';

export type LeakKind = 'task-name' | 'instruction-text' | 'test-content' | 'expected-output' | 'solution-content';
/** Priority when one string is found in several places: the first kind wins. */
export const LEAK_KINDS: readonly LeakKind[] = [
  'task-name',
  'instruction-text',
  'test-content',
  'expected-output',
  'solution-content',
];

/** How a string is matched in an added line. */
export type ItemShape = 'token' | 'phrase' | 'line';

export interface LeakItem {
  kind: LeakKind;
  shape: ItemShape;
  /** Normalised (lowercase, whitespace collapsed): what is searched for. */
  text: string;
  /** Tasks it comes from, sorted. */
  tasks: string[];
}

export interface LeakIndex {
  names: { task: string; pattern: RegExp }[];
  /** Tokens, phrases and lines, longest first. */
  items: LeakItem[];
  /** Number literal (separators removed) → item. */
  numbers: Map<string, LeakItem>;
  /** Instruction word 8-gram (words joined by a space) → tasks. */
  ngrams: Map<string, string[]>;
}

export const NGRAM = 8;
/**
 * Shared by this many tasks or more: a convention of the suite, not a task's content. Lines, phrases and
 * 8-grams are long: two tasks with the same one share a template (the verifier's check runner, "do not
 * modify, skip or delete any test"). Tokens and numbers are short: two tasks may share real content
 * (a column name), so it takes three.
 */
export const SHARED_BY = { token: 3, phrase: 2, line: 2, ngram: 2 } as const;
const MIN_LINE_CHARS = 32;
const MIN_LINE_WORDS = 4;
const MAX_FILE_BYTES = 512 * 1024;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The task name as a whole token, case-insensitive, its parts joined by `-`, `_` or spaces in any mix
 * (`csv-region-totals`, `CSV_Region_Totals`, `csv region totals`). A one-part name of at most four
 * letters (`sort`, `grep`) is an everyday word: no pattern.
 */
export function taskNamePattern(name: string): RegExp | undefined {
  const parts = name.split(/[-_\s]+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  if (parts.length === 1 && /^[A-Za-z]{1,4}$/.test(parts[0]!)) return undefined;
  return new RegExp(`(?<![A-Za-z0-9])${parts.map(escapeRegExp).join('[-_\\s]+')}(?![A-Za-z0-9])`, 'i');
}

type Found = { kind: LeakKind; shape: ItemShape; text: string };

const trimPunct = (s: string) => s.replace(/^[\s"'`([{<?&]+/, '').replace(/[\s"'`)\]}>.,:;!?]+$/, '');

/**
 * Data, not code or a format: separators (`,` `=` `:` `@`) between letters or digits, at least two
 * letters, six characters or more; not a time or date format (HH:MM:SS), not a call or keyword argument
 * (`print(x, flush=True)`, `key=lambda`).
 */
function isDataToken(t: string): boolean {
  if (t.length < 6 || !/[A-Za-z0-9][,=:@][A-Za-z0-9]/.test(t) || (t.match(/[A-Za-z]/g)?.length ?? 0) < 2) return false;
  if (t.startsWith('/') || /[()]/.test(t) || /^[A-Za-z_][\w.]*=[A-Za-z_]\w*$/.test(t)) return false;
  return !/^[HMSYDhmsydT%:./\-\d]+$/.test(t) && !isGenericToken(t);
}

/**
 * Paths (not generic ones), URLs (not local ones), file names (known extension, not generic names),
 * snake_case identifiers and data tokens (`region,revenue`, `host=db1.internal`) of a text; with
 * `locationsOnly`, paths, URLs and file names only (for code, whose identifiers are mostly the language's).
 */
export function dataTokens(text: string, locationsOnly = false): string[] {
  const out: string[] = [];
  const urls = [...text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>)\]]+/gi)].map((m) => trimPunct(m[0]));
  for (const url of urls)
    if (!/^[a-z+.-]+:\/\/(localhost|127\.0\.0\.1|0\.0\.0\.0|example\.(com|org))(:\d+)?\/?$/i.test(url)) out.push(url);
  const withoutUrls = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>)\]]+/gi, ' ');
  for (const m of withoutUrls.matchAll(/(?<![\w.~/-])\/[A-Za-z0-9_.@%+-]+(?:\/[A-Za-z0-9_.@%+-]+)*\/?/g)) {
    const path = trimPunct(m[0]).replace(/\/+$/, '');
    // `/g` of a sed command or a regex is no path: a path has a component of two or more characters with a letter.
    if (!path.split('/').some((c) => c.length >= 2 && /[A-Za-z]/.test(c)) || isGenericPath(path)) continue;
    out.push(path);
    const base = basename(path);
    if (new RegExp(`\\.(${FILE_EXTENSIONS})$`, 'i').test(base) && !isGenericFilename(base)) out.push(base);
  }
  for (const m of withoutUrls.matchAll(
    new RegExp(`(?<![\\w./-])[A-Za-z0-9_][\\w.-]*\\.(?:${FILE_EXTENSIONS})(?![\\w-])`, 'gi'),
  )) {
    if (m[0].length >= 4 && !isGenericFilename(m[0])) out.push(m[0]);
  }
  if (locationsOnly) return out;
  for (const m of withoutUrls.matchAll(/(?<![\w./-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w/-])/g)) {
    if (m[0].length >= 5 && !isGenericToken(m[0])) out.push(m[0]);
  }
  for (const chunk of withoutUrls.split(/\s+/)) {
    const t = trimPunct(chunk);
    if (isDataToken(t)) out.push(t);
  }
  return out;
}

/** Quoted spans of a text: `code`, "double" and 'single' quotes (not apostrophes), f-string pieces split at {…}. */
export function quotedStrings(text: string): string[] {
  const spans = [
    ...[...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!),
    ...[...text.matchAll(/"([^"\n]{2,300})"/g)].map((m) => m[1]!),
    ...[...text.matchAll(/(?<![A-Za-z0-9])'([^'\n]{2,300})'(?![A-Za-z0-9])/g)].map((m) => m[1]!),
  ];
  return spans
    .flatMap((s) => s.split(/\{[^{}]*\}/))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Lines inside ``` fences of a markdown text. */
const fencedLines = (md: string) => [...md.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));

/**
 * The prose of a markdown instruction, cut at code: fenced blocks and `inline code` end a passage, so an
 * 8-gram never spans a command or a path (those are checked as literals, and commands are how-to).
 */
export const prosePassages = (md: string) => md.replace(/```[\s\S]*?```/g, '\0').split(/`[^`\n]*`|\0/);

/** A quoted prose string worth matching whole: enough words, not a command. */
function phraseOf(s: string, minWords: number): string | undefined {
  const n = normalise(s);
  if (n.length < 12 || n.split(' ').length < minWords || isCommandLike(n)) return undefined;
  return n;
}

/**
 * A line of a test or solution file worth matching: 32+ characters, 4+ words, not an import, shebang or
 * `set -e`. A line of program code (`isCode`) must also hold a quoted string with three letters: lines
 * of pure code (`capture_output=True, text=True, timeout=10)`) are the language's, not the task's.
 */
export function distinctiveLine(line: string, isCode = false): string | undefined {
  const n = normalise(line);
  if (n.length < MIN_LINE_CHARS || (n.match(/[a-z0-9_]+/g)?.length ?? 0) < MIN_LINE_WORDS) return undefined;
  if (isCode && !quotedStrings(line).some((q) => (q.match(/[A-Za-z]/g)?.length ?? 0) >= 3)) return undefined;
  if (/^(import |from \S+ import |#include|#!|using |set -|require\(|\/\/ *$|# *$)/.test(n)) return undefined;
  return n;
}

function readTextFile(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) return undefined;
    const buf = readFileSync(path);
    return buf.includes(0) ? undefined : buf.toString('utf8');
  } catch {
    return undefined;
  }
}

function filesUnder(dir: string | undefined): string[] {
  if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

const isShell = (path: string, text: string) => /\.(sh|bash)$/.test(path) || /^#!.*\b(ba)?sh\b/.test(text);
/** Program source other than shell: its lines need a string to count (see distinctiveLine). */
const isCode = (path: string, text: string) =>
  !isShell(path, text) &&
  (/\.(py|js|mjs|cjs|ts|c|h|cc|cpp|hpp|go|rs|rb|java|pl|php)$/.test(path) ||
    /^#!.*\b(python3?|node|perl|ruby)\b/.test(text));

/** Literals of a test or solution file: data tokens of its strings, and the paths and file names of a shell script. */
function fileLiterals(
  path: string,
  text: string,
  kind: LeakKind,
  minPhraseWords: number,
  proseKind: LeakKind,
): Found[] {
  const found: Found[] = [];
  const strings = quotedStrings(text);
  const tokens = [...strings.flatMap((s) => dataTokens(s)), ...(isShell(path, text) ? dataTokens(text, true) : [])];
  for (const t of tokens) found.push({ kind, shape: 'token', text: normalise(t) });
  for (const s of strings) {
    const p = phraseOf(s, minPhraseWords);
    if (p) found.push({ kind: proseKind, shape: 'phrase', text: p });
  }
  return found;
}

interface TaskSources {
  instruction: string;
  tests: { path: string; text: string }[];
  solution: { path: string; text: string }[];
}

function taskSources(task: Task): TaskSources {
  const testFiles = filesUnder(task.testsDir);
  if (task.testScript && !testFiles.includes(task.testScript)) testFiles.push(task.testScript);
  const solutionFiles = task.solutionScript
    ? basename(dirname(task.solutionScript)) === 'solution'
      ? filesUnder(dirname(task.solutionScript))
      : [task.solutionScript]
    : [];
  const read = (paths: string[]) =>
    paths.flatMap((path) => {
      const text = readTextFile(path);
      return text === undefined ? [] : [{ path, text }];
    });
  return {
    instruction: [task.instruction, ...task.steps.map((s) => s.instruction)].join('\n\n'),
    tests: read(testFiles),
    solution: read(solutionFiles),
  };
}

/** Everything one task contributes, before the cross-task frequency filter. */
function taskFindings(src: TaskSources): {
  found: Found[];
  numbers: { kind: LeakKind; n: string }[];
  ngrams: Set<string>;
} {
  const found: Found[] = [];
  const numbers: { kind: LeakKind; n: string }[] = [];
  // Instruction: data tokens anywhere in it, quoted or fenced phrases of 3+ words, numbers, 8-grams.
  for (const t of dataTokens(src.instruction))
    found.push({ kind: 'instruction-text', shape: 'token', text: normalise(t) });
  for (const s of [...quotedStrings(src.instruction), ...fencedLines(src.instruction)]) {
    const p = phraseOf(s, 3);
    if (p) found.push({ kind: 'instruction-text', shape: 'phrase', text: p });
  }
  for (const n of numbersIn(src.instruction)) numbers.push({ kind: 'instruction-text', n });
  const ngrams = new Set<string>();
  for (const passage of prosePassages(src.instruction)) {
    const words = wordsOf(passage);
    for (let i = 0; i + NGRAM <= words.length; i++) {
      const gram = words.slice(i, i + NGRAM);
      if (new Set(gram.filter(isContentWord)).size >= 3) ngrams.add(gram.join(' '));
    }
  }
  // Tests, then the solution: distinctive lines, literals (expected outputs), prose strings of 5+ words.
  for (const [files, lineKind] of [
    [src.tests, 'test-content'],
    [src.solution, 'solution-content'],
  ] as const) {
    for (const { path, text } of files) {
      const code = isCode(path, text);
      for (const line of text.split('\n')) {
        const l = distinctiveLine(line, code);
        if (l) found.push({ kind: lineKind, shape: 'line', text: l });
      }
      found.push(...fileLiterals(path, text, 'expected-output', 5, lineKind));
      for (const n of numbersIn(text)) numbers.push({ kind: 'expected-output', n });
    }
  }
  return { found, numbers, ngrams };
}

const firstKind = (a: LeakKind, b: LeakKind) => (LEAK_KINDS.indexOf(a) <= LEAK_KINDS.indexOf(b) ? a : b);

/** The leak index of a set of tasks (the training split). Deterministic: tasks are taken in name order. */
export function buildLeakIndex(tasks: readonly Task[]): LeakIndex {
  const sortedTasks = [...tasks].sort((a, b) => a.name.localeCompare(b.name));
  const items = new Map<string, { kind: LeakKind; shape: ItemShape; text: string; tasks: Set<string> }>();
  const numbers = new Map<string, { kind: LeakKind; tasks: Set<string> }>();
  const ngrams = new Map<string, Set<string>>();
  const names: LeakIndex['names'] = [];
  for (const task of sortedTasks) {
    const pattern = taskNamePattern(task.name);
    if (pattern) names.push({ task: task.name, pattern });
    const { found, numbers: nums, ngrams: grams } = taskFindings(taskSources(task));
    for (const f of found) {
      const key = `${f.shape}\0${f.text}`;
      const item = items.get(key) ?? { ...f, tasks: new Set<string>() };
      item.kind = firstKind(item.kind, f.kind);
      item.tasks.add(task.name);
      items.set(key, item);
    }
    for (const { kind, n } of nums) {
      if (!isDistinctiveNumber(n)) continue;
      const item = numbers.get(n) ?? { kind, tasks: new Set<string>() };
      item.kind = firstKind(item.kind, kind);
      item.tasks.add(task.name);
      numbers.set(n, item);
    }
    for (const g of grams) ngrams.set(g, (ngrams.get(g) ?? new Set()).add(task.name));
  }
  const specific = <T extends { tasks: Set<string>; shape?: ItemShape }>(x: T) =>
    x.tasks.size < SHARED_BY[x.shape ?? 'token'];
  const list = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return {
    names,
    items: [...items.values()]
      .filter(specific)
      .map((i) => ({ kind: i.kind, shape: i.shape, text: i.text, tasks: list(i.tasks) }))
      .sort((a, b) => b.text.length - a.text.length || a.text.localeCompare(b.text)),
    numbers: new Map(
      [...numbers]
        .filter(([, v]) => specific(v))
        .map(([n, v]) => [n, { kind: v.kind, shape: 'token' as const, text: n, tasks: list(v.tasks) }]),
    ),
    ngrams: new Map([...ngrams].filter(([, v]) => v.size < SHARED_BY.ngram).map(([g, v]) => [g, list(v)])),
  };
}
