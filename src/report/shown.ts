// How a report shows paths and model specs: relative to the current directory when inside it, so a
// report written from a project's root reads `runs/first/…`, not a machine's absolute path.
import { isAbsolute, relative, sep } from 'node:path';
import { type ModelSpecFile, modelSpecFile } from '../model/model-file.ts';

/** A path as a report shows it: relative to the current directory when inside it, else absolute. */
export function shownPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  if (rel === '') return '.';
  return !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : dir;
}

/**
 * A model spec as a report shows it: a file-backed model's path (`scripted:`, `replay:`, `sim:`,
 * `sim-evolver:`, also behind `chaos:…:`) shown as shownPath shows paths; other specs unchanged.
 */
export function shownModel(spec: string): string {
  let file: ModelSpecFile | undefined;
  try {
    file = modelSpecFile(spec);
  } catch {
    return spec;
  }
  return file && isAbsolute(file.path) ? `${file.prefix}${shownPath(file.path)}` : spec;
}

/** shownModel of a spec that may be absent. */
export const shownModelOrNull = (spec: string | null | undefined): string | null =>
  spec == null ? null : shownModel(spec);
