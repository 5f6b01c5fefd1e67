// The lines a change adds to a file, for the leak audit: only new text can leak, and text that was
// already there (audited when it was added, or part of the seed) must not be flagged again.

export interface AddedLine {
  /** 1-based line number in the new content. */
  line: number;
  text: string;
}

/**
 * Lines of `after` that `before` does not account for, compared as multisets of lines: a line kept,
 * moved or re-indented elsewhere in the file is not new (whitespace at either end is ignored); a line
 * that occurs more often than before counts as added for its extra occurrences, the last ones. A new
 * file (`before` null) adds every line. Blank lines are never reported.
 */
export function addedLines(before: string | null, after: string): AddedLine[] {
  const remaining = new Map<string, number>();
  for (const line of (before ?? '').split(/\r?\n/)) {
    const key = line.trim();
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  const added: AddedLine[] = [];
  after.split(/\r?\n/).forEach((text, i) => {
    const key = text.trim();
    const left = remaining.get(key) ?? 0;
    if (left > 0) remaining.set(key, left - 1);
    else if (key) added.push({ line: i + 1, text });
  });
  return added;
}
