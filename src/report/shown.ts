// How a report shows paths and model specs: relative to the current directory when inside it, so a
// report written from a project's root reads `runs/first/…`, not a machine's absolute path.
import { isAbsolute, relative, sep } from 'node:path';

/** A path as a report shows it: relative to the current directory when inside it, else absolute. */
export function shownPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : dir;
}

/**
 * A model spec as a report shows it: a file-backed model's path (`scripted:`, `replay:`, `sim:`,
 * `sim-evolver:`, also behind `chaos:<rate>:`) shown as shownPath shows paths; other specs unchanged.
 */
export function shownModel(spec: string): string {
  const m = /^((?:chaos:[^:]+:)?(?:scripted|replay|sim|sim-evolver):)(\/.*)$/.exec(spec);
  return m ? `${m[1]}${shownPath(m[2]!)}` : spec;
}

/** shownModel of a spec that may be absent. */
export const shownModelOrNull = (spec: string | null | undefined): string | null =>
  spec == null ? null : shownModel(spec);
