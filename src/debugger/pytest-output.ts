// Failing tests read from pytest-style output, line by line (the verifier's stdout can be large): the
// short summary (`FAILED tests/test_x.py::test_y - AssertionError: …`), the failure sections
// (`____ test_y ____` followed by `E   assert …` lines), the final tally, unittest's `FAIL: test_y`, and
// plain checkers' `FAIL name: message` and TAP's `not ok 3 - name`.
import type { FailingTest } from './digest.ts';

const SECTION = /^_{3,} (.+?) _{3,}$/;
const E_LINE = /^E\s+(.*\S)/;
const SHORT = /^(FAILED|ERROR) (\S+)(?: - (.*))?$/;
const UNITTEST = /^(FAIL|ERROR): (\S+)(?: \((.+)\))?/;
/** Plain checkers (as the bundled tasks print): `FAIL name: message`, `not ok 3 - name`. */
const NAMED = /^(?:FAIL|FAILED|NOT OK)\s+([A-Za-z_][\w.\-/[\]]*):\s+(.*\S)/;
const TAP = /^not ok \d+ - (.+?)(?:\s+#.*)?$/;
const TALLY = /^=+ (.*\b(?:passed|failed|error|errors|skipped|no tests ran)\b.*) in [\d.]+s\b.*=+$/;
const MAX_FAILING = 30;
const MAX_E_LINES = 3;
const MESSAGE_CHARS = 300;

export interface TestSummary {
  tests: number;
  passed: number;
  failed: number;
  skipped?: number;
}

export interface PytestParser {
  add(line: string): void;
  finish(): { failing: FailingTest[]; summary?: TestSummary };
}

/** The test's own name: `tests/test_x.py::TestA::test_b[1]` → `test_b[1]`; `TestA.test_b` → `test_b`. */
export const shortTestName = (name: string) =>
  name
    .split('::')
    .pop()!
    .split(/\.(?=[^.[\]]+(?:\[|$))/)
    .pop()!;

export const cutMessage = (text: string) => (text.length <= MESSAGE_CHARS ? text : `${text.slice(0, MESSAGE_CHARS)}…`);

export function createPytestParser(): PytestParser {
  const sections = new Map<string, string[]>();
  const order: string[] = [];
  const short = new Map<string, { name: string; message: string }>();
  let current: string | null = null;
  let summary: TestSummary | undefined;

  return {
    add(line: string) {
      const section = SECTION.exec(line);
      if (section) {
        current = section[1]!.replace(/^(?:ERROR at (?:setup|teardown) of) /, '');
        if (!sections.has(current) && sections.size < MAX_FAILING * 2) {
          sections.set(current, []);
          order.push(current);
        }
        return;
      }
      const e = E_LINE.exec(line);
      if (e && current) {
        const lines = sections.get(current);
        if (lines && lines.length < MAX_E_LINES) lines.push(e[1]!.trim());
        return;
      }
      const named = NAMED.exec(line) ?? TAP.exec(line);
      if (named && !SHORT.test(line) && short.size < MAX_FAILING) {
        if (!short.has(named[1]!)) short.set(named[1]!, { name: named[1]!, message: named[2] ?? '' });
        return;
      }
      const s = SHORT.exec(line) ?? UNITTEST.exec(line);
      if (s && short.size < MAX_FAILING) {
        const name = s[3] && UNITTEST.test(line) ? `${s[3]}::${s[2]}` : s[2]!;
        if (!short.has(name)) short.set(name, { name, message: s[3] && !UNITTEST.test(line) ? s[3] : '' });
        return;
      }
      const tally = TALLY.exec(line);
      if (tally) {
        const count = (word: RegExp) => Number(word.exec(tally[1]!)?.[1] ?? 0);
        const failed = count(/(\d+) failed/) + count(/(\d+) errors?/);
        const passed = count(/(\d+) passed/);
        const skipped = count(/(\d+) skipped/);
        summary = { tests: failed + passed + skipped, passed, failed, ...(skipped ? { skipped } : {}) };
      }
    },
    finish() {
      const failing: FailingTest[] = [];
      const used = new Set<string>();
      for (const { name, message } of short.values()) {
        const key = order.find((k) => shortTestName(k) === shortTestName(name) || k === name);
        if (key) used.add(key);
        const eLines = key ? sections.get(key)! : [];
        failing.push({
          name,
          message: cutMessage(eLines.length ? eLines.join(' / ') : message.replace(/\.\.\.$/, '').trim()),
        });
      }
      // Failure sections without a short summary line (pytest run without -rA/-rf).
      for (const key of order) {
        if (used.has(key) || failing.length >= MAX_FAILING) continue;
        const eLines = sections.get(key)!;
        if (eLines.length) failing.push({ name: key, message: cutMessage(eLines.join(' / ')) });
      }
      return { failing, ...(summary ? { summary } : {}) };
    },
  };
}
