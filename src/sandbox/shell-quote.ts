// One word for `sh -c`: single-quoted, with embedded single quotes closed, escaped and reopened.
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
