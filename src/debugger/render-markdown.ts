// Markdown pieces the reports share. Trace text goes into tables and code blocks, so it is escaped:
// a `|` in a command must not break a table row, a ``` in an output must not end its block.

/** Text for a table cell: one line, pipes escaped, cut. */
export function cell(text: string, maxChars = 120): string {
  const one = text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
  return one.length > maxChars ? `${one.slice(0, maxChars - 1)}…` : one;
}

export function codeBlock(text: string, indent = ''): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return [fence, ...text.split('\n'), fence].map((l) => `${indent}${l}`).join('\n');
}

/** `a, b, c … and 7 more` — the first `max` items, and how many were left out. */
export function listSome(items: readonly string[], max: number, separator = ', '): string {
  if (items.length <= max) return items.join(separator);
  const shown = items.slice(0, max);
  return `${shown.join(separator)}${shown.length ? ' ' : ''}…and ${items.length - shown.length} more`;
}

export function formatDuration(sec: number): string {
  if (sec < 10) return `${sec.toFixed(1)}s`;
  if (sec < 60) return `${Math.round(sec)}s`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m}m ${Math.round(sec % 60)}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
