// A test run's console output (verifier/test-stdout.txt, a Terminal-Bench 1 tests.log or test pane)
// read once: cleaned into a short excerpt — the failures and the final tally live at the end — while
// the pytest parser reads the same lines for failing tests and counts.
import { type CleanedText, createTextCleaner, type TextCleaner } from './clean-text.ts';
import type { FailingTest } from './digest.ts';
import { createPytestParser, type TestSummary } from './pytest-output.ts';

const PASSING = /^PASSED |\sPASSED\s*(?:\[\s*\d+%\])?$|^ok \d+ |\.\.\. ok$/;

export interface TestOutputReading {
  cleaned: CleanedText;
  failing: FailingTest[];
  summary?: TestSummary;
}

export interface TestOutputReader {
  push(chunk: string | Uint8Array): void;
  end(): TestOutputReading;
}

export function createTestOutputReader(): TestOutputReader {
  const parser = createPytestParser();
  const cleaner: TextCleaner = createTextCleaner({
    headLines: 6,
    headChars: 600,
    tailLines: 40,
    tailChars: 3500,
    maxLineChars: 300,
    errors: { maxEntries: 10, maxTracebackLines: 30 },
    onLine: (line) => parser.add(line),
    // A passing test's line carries no evidence of the failure; the tally says how many passed.
    skipLine: (line) => PASSING.test(line),
  });
  return {
    push: (chunk) => cleaner.push(chunk),
    end() {
      const cleaned = cleaner.end();
      if (cleaned.skippedLines > 0) cleaned.text += `\n⟨${cleaned.skippedLines} lines of passing tests not shown⟩`;
      return { cleaned, ...parser.finish() };
    },
  };
}
