// Finds the lines that explain a failure — compiler and shell errors, failed tests, crashes — and keeps
// Python tracebacks whole, so the evidence survives however much of the surrounding output is folded
// away. Bounded: a fixed number of distinct entries, each cut, with a count of repeats.
import { detachString } from './detach-string.ts';

const ERROR_LINE = new RegExp(
  [
    String.raw`\berror\b\s*[:\]!]`,
    String.raw`\bERROR\b`,
    // An exception as it is reported (`ValueError: bad`, `… AssertionError` at a line end), not as code names it (`raise ValueError(…)`).
    String.raw`(?<!except\s+)\b[A-Z][A-Za-z]*(?:Error|Exception)(?::|$)`,
    String.raw`\bException in thread\b`,
    String.raw`^Error\b`,
    String.raw`\bFAILED\b`,
    String.raw`^FAIL\b`,
    String.raw`\bfatal(?: error)?:`,
    String.raw`\bpanic:`,
    'command not found',
    'No such file or directory',
    'Permission denied',
    'Segmentation fault',
    'core dumped',
    String.raw`\bKilled\b`,
    'Out of memory',
    'npm ERR!',
    String.raw`^E {2,}\S`,
    String.raw`\bcannot (?:find|open|import|access|stat|execute)\b`,
    String.raw`\bundefined reference\b`,
    String.raw`^g?make(?:\[\d+\])?: \*\*\*`,
    'Could not resolve host|Temporary failure in name resolution|Name or service not known|Network is unreachable|Connection refused',
    String.raw`\bnot recognized as\b`,
  ].join('|'),
);
/** Lines that look like errors but report none (gemini-cli's `Error: (none)`, "0 errors"). */
const NOT_AN_ERROR =
  /Error: \(none\)|\b(?:0|no|zero) (?:errors?|failures?|failed)\b|\berrors?[=:] ?0\b|\bfailed[=:] ?0\b/i;
const TRACEBACK_START = /^\s*Traceback \(most recent call last\):/;
const CHAINED = /^(?:During handling of the above exception|The above exception was the direct cause)/;

export function isErrorLine(line: string): boolean {
  return ERROR_LINE.test(line) && !NOT_AN_ERROR.test(line);
}

export interface ErrorCollectorOptions {
  /** Distinct entries kept (a traceback is one entry). */
  maxEntries?: number;
  /** Characters per line of an entry. */
  maxLineChars?: number;
  /** Lines of one traceback kept: its first few and its last ones, where the exception is. */
  maxTracebackLines?: number;
}

export interface ErrorCollector {
  add(line: string): void;
  finish(): string[];
}

const cut = (line: string, max: number) =>
  line.length <= max ? line : `${line.slice(0, max)} …[+${line.length - max} chars]`;
/** Repeats of one error differ in numbers (times, lines, counters) and in the spinner frame drawn before them. */
const errorKey = (s: string) => s.replace(/[\u2800-\u28ff]/g, '').replace(/\d+/g, '#');

export function createErrorCollector(options: ErrorCollectorOptions = {}): ErrorCollector {
  const maxEntries = options.maxEntries ?? 12;
  const maxLineChars = options.maxLineChars ?? 300;
  const maxTracebackLines = options.maxTracebackLines ?? 40;
  const entries: { text: string; count: number }[] = [];
  const byKey = new Map<string, { text: string; count: number }>();
  let dropped = 0;
  let traceback: string[] | null = null;
  let tracebackLines = 0;

  const record = (text: string) => {
    const key = errorKey(text);
    const known = byKey.get(key);
    if (known) known.count++;
    else if (entries.length < maxEntries) {
      const entry = { text: detachString(text), count: 1 };
      entries.push(entry);
      byKey.set(key, entry);
    } else dropped++;
  };

  const closeTraceback = () => {
    if (!traceback) return;
    const head = Math.ceil(maxTracebackLines / 4);
    let lines = traceback;
    if (tracebackLines > lines.length) {
      lines = [
        ...traceback.slice(0, head),
        `  ⟨… ${tracebackLines - traceback.length} traceback lines omitted …⟩`,
        ...traceback.slice(head),
      ];
    }
    record(lines.join('\n'));
    traceback = null;
  };

  const addToTraceback = (line: string) => {
    tracebackLines++;
    traceback!.push(cut(line, maxLineChars));
    // Keep the first quarter and a sliding window of the rest: the exception line comes last.
    const head = Math.ceil(maxTracebackLines / 4);
    if (traceback!.length > maxTracebackLines) traceback!.splice(head, 1);
  };

  return {
    add(line: string) {
      if (traceback) {
        if (line === '' || /^\s/.test(line)) {
          addToTraceback(line);
          return;
        }
        // The first unindented line after the frames is the exception itself; a chained traceback continues.
        addToTraceback(line);
        if (CHAINED.test(line) || TRACEBACK_START.test(line)) return;
        closeTraceback();
        return;
      }
      if (TRACEBACK_START.test(line)) {
        traceback = [cut(line, maxLineChars)];
        tracebackLines = 1;
        return;
      }
      if (isErrorLine(line)) record(cut(line.trim(), maxLineChars));
    },
    finish() {
      closeTraceback();
      const out = entries.map((e) => (e.count > 1 ? `${e.text} [×${e.count}]` : e.text));
      if (dropped > 0) out.push(`⟨${dropped} more error lines not kept⟩`);
      return out;
    },
  };
}
