// A tool output as a digest step carries it: cleaned text, raw size, error lines, and a hash that
// recognises the same output repeated at a later step. The budgets here set the digest's size.
import { type CleanedText, type CleanTextOptions, createTextCleaner } from './clean-text.ts';
import { streamFile } from './read-lines.ts';

export const STEP_OUTPUT_BUDGET: CleanTextOptions = {
  headLines: 12,
  headChars: 1200,
  tailLines: 20,
  tailChars: 2000,
  maxLineChars: 300,
  errors: { maxEntries: 8, maxLineChars: 300, maxTracebackLines: 30 },
  hash: true,
};

export interface StepOutput {
  output: string;
  outputBytes: number;
  errors: string[];
  hash: string;
}

const toStepOutput = (c: CleanedText): StepOutput => ({
  output: c.text,
  outputBytes: c.rawBytes,
  errors: c.errors,
  hash: c.hash ?? '',
});

export function outputFromText(text: string, options: CleanTextOptions = STEP_OUTPUT_BUDGET): StepOutput {
  const cleaner = createTextCleaner({ ...options, hash: true });
  cleaner.push(text);
  return toStepOutput(cleaner.end());
}

/** Streams a file (a full tool output, a log) through the cleaner. */
export async function outputFromFile(
  path: string,
  options: CleanTextOptions = STEP_OUTPUT_BUDGET,
): Promise<StepOutput> {
  const cleaner = createTextCleaner({ ...options, hash: true });
  await streamFile(path, (chunk) => cleaner.push(chunk));
  return toStepOutput(cleaner.end());
}
