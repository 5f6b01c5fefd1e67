// Signature labels carry a detail (a command, a module, a path, a test name) so that a report can say
// *what* failed. The same cause must produce the same label in every trial and task, or it would not
// cluster: temporary paths, hashes and numbers vary between runs, so they are replaced by placeholders.

const TMP_PATH = /\/tmp\/[^\s'"`:,;)]*/g;
/** Hex runs long enough to be ids or hashes, with at least one digit (so plain words survive). */
const HEX_ID = /\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/gi;
/** Stand-alone numbers (`line 42`, `1.2.3`, `[3]`), not digits inside names such as `python3` or `test_1`. */
const NUMBER = /(?<![\w.])\d+(?:\.\d+)*(?![\w])/g;
const SURROUNDING_QUOTES = /^['"`‘’“”]+|['"`‘’“”]+$/g;

export function normaliseDetail(text: string, maxChars = 80): string {
  const s = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(SURROUNDING_QUOTES, '')
    .replace(TMP_PATH, '/tmp/…')
    .replace(HEX_ID, '<hex>')
    .replace(NUMBER, 'N');
  return s.length > maxChars ? `${s.slice(0, maxChars - 1)}…` : s;
}

/** A test id without its directory: `tests/unit/test_x.py::test_y` → `test_x.py::test_y`. */
export function normaliseTestName(name: string): string {
  const [file, ...rest] = name.split('::');
  const base = file!.split('/').pop()!;
  return normaliseDetail([base, ...rest].join('::'), 100);
}
