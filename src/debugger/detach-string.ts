// V8 keeps the whole parent alive behind a substring: a 200-character error line sliced from a 1 MB chunk
// of output would hold the megabyte for as long as the digest lives. Strings that outlive their chunk
// (error lines, commands) are copied out.

export function detachString(s: string): string {
  return s.length === 0 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
