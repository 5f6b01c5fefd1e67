// Reading one file of a job or run for the report, never throwing: the directories may be written while
// they are read (a running `ahe eval` or `ahe evolve`, another tool that does not write atomically), so a
// missing file is "not there yet", a JSON file caught mid-write is read again once and otherwise skipped
// with a problem naming it, and an absurdly large text keeps its head and tail with a note of what was cut.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

type Obj = Record<string, unknown>;

/** The longest text kept whole in a report field; longer ones keep their head and tail (MAX_FIELD_CHARS in all). */
export const MAX_FIELD_CHARS = 1_000_000;
/** JSON files larger than this are not parsed (a report never needs one: trajectories are read elsewhere). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export type JsonReading = { ok: true; value: unknown } | { ok: false; missing: boolean; problem: string };

/** Parses a JSON file; a file that does not parse is read once more (a writer may have been mid-write). */
export function readJsonFile(file: string): JsonReading {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return { ok: false, missing: true, problem: `${file}: missing` };
  }
  if (size > MAX_JSON_BYTES) return { ok: false, missing: false, problem: `${file}: ${size} bytes, too large to read` };
  let last = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return { ok: true, value: JSON.parse(readFileSync(file, 'utf8')) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { ok: false, missing: true, problem: `${file}: missing` };
      last = (error as Error).message;
    }
  }
  return { ok: false, missing: false, problem: `${file}: not valid JSON (${last}); skipped` };
}

/** The parsed object of a JSON file, or undefined (absent, unreadable, or not an object); problems are collected. */
export function readJsonObject(file: string, problems?: string[]): Obj | undefined {
  const reading = readJsonFile(file);
  if (!reading.ok) {
    if (!reading.missing) problems?.push(reading.problem);
    return undefined;
  }
  if (!reading.value || typeof reading.value !== 'object' || Array.isArray(reading.value)) {
    problems?.push(`${file}: not a JSON object; skipped`);
    return undefined;
  }
  return reading.value as Obj;
}

/** A text file, capped (capText); null when it is absent or unreadable. */
export function readTextFile(file: string, notes?: string[], label = file): string | null {
  let text: string;
  try {
    const size = statSync(file).size;
    // Reading a 2 GB log to keep 1 MB of it would be wasteful: read the ends only.
    text = size > MAX_FIELD_CHARS * 4 ? readEnds(file, size) : readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return capText(text, notes, label);
}

function readEnds(file: string, size: number): string {
  const half = MAX_FIELD_CHARS * 2;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(half);
    const tail = Buffer.alloc(half);
    const h = readSync(fd, head, 0, half, 0);
    const t = readSync(fd, tail, 0, half, size - half);
    return `${head.subarray(0, h).toString('utf8')}\n⟨… ${size - 2 * half} bytes not read …⟩\n${tail.subarray(0, t).toString('utf8')}`;
  } finally {
    closeSync(fd);
  }
}

/** Keeps a text whole up to MAX_FIELD_CHARS; beyond, its head and tail with a marker, and a note saying so. */
export function capText(text: string, notes: string[] | undefined, label: string): string {
  if (text.length <= MAX_FIELD_CHARS) return text;
  const keep = Math.floor(MAX_FIELD_CHARS / 2);
  const cut = text.length - 2 * keep;
  notes?.push(`${label}: ${text.length} characters; the middle ${cut} were left out (head and tail kept)`);
  return `${text.slice(0, keep)}\n⟨… ${cut} characters left out …⟩\n${text.slice(text.length - keep)}`;
}

/** The newest modification time (ms) of the paths that exist; 0 when none does. */
export function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  for (const path of paths) {
    try {
      newest = Math.max(newest, statSync(path).mtimeMs);
    } catch {
      // not there (yet)
    }
  }
  return newest;
}

/**
 * How recently a job or run must have written something to count as running: a trial's agent appends to
 * its events.jsonl at every model call and the job log at every trial start, so ten quiet minutes mean
 * the writer is gone (killed, or stopped without recording it).
 */
export const RUNNING_WINDOW_MS = 10 * 60 * 1000;

export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
