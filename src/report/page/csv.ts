// CSV export of the report's tables (RFC 4180). Cells come from agent output and task names, and a CSV is
// usually opened in a spreadsheet, so a text cell that a spreadsheet would read as a formula (starting with
// = + - @, or a tab / carriage return that some strip before looking) is prefixed with ' — the OWASP advice
// against CSV injection. Numbers are written as numbers (a negative number is not a formula).

export type CsvCell = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: formula-looking text defused, then quoted when it holds a comma, quote or line break. */
export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  let text = String(cell);
  if (typeof cell === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole CSV document: a header line, then one line per row, CRLF-separated as RFC 4180 says. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return `${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
