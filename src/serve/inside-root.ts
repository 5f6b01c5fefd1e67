// The one gate between a query and the file system: every path a request names is resolved with
// realpath and refused unless it lies inside realpath(DIR). `..` segments, absolute paths, NUL bytes
// and symlinks that lead out are refused (403); percent-encoded tricks (%2e%2e, %2f) arrive here
// already decoded by URLSearchParams and meet the same checks.
import { type Dirent, readdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { HttpError, shown } from './http-error.ts';

/** True when `real` (a realpath) is `rootReal` or lies under it. */
export function isInside(rootReal: string, real: string): boolean {
  return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : `${rootReal}${sep}`);
}

/**
 * The realpath of `rel` (a '/'-separated path relative to the served directory, '.' for itself).
 * Throws HttpError 400 (empty), 403 (leads outside), 404 (does not exist).
 */
export function resolveInsideRoot(rootReal: string, rel: string): string {
  if (rel === '') throw new HttpError(400, 'path is empty (use . for the served directory itself)');
  if (rel.includes('\0') || isAbsolute(rel) || rel.split(/[/\\]/).includes('..'))
    throw new HttpError(403, `path ${shown(rel)} is outside the served directory`);
  let real: string;
  try {
    real = realpathSync(join(rootReal, rel));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Missing: 404 only when what does exist of it lies inside (no probing for files outside through a link).
    if ((code === 'ENOENT' || code === 'ENOTDIR') && existingPartInside(rootReal, rel))
      throw new HttpError(404, `path ${shown(rel)} does not exist`);
    throw new HttpError(403, `path ${shown(rel)} cannot be read`);
  }
  if (!isInside(rootReal, real)) throw new HttpError(403, `path ${shown(rel)} is outside the served directory`);
  return real;
}

/** Whether the longest existing prefix of `rel` (links resolved) lies inside the root. */
function existingPartInside(rootReal: string, rel: string): boolean {
  const parts = rel.split('/');
  for (let n = parts.length - 1; n >= 0; n--) {
    try {
      return isInside(rootReal, realpathSync(join(rootReal, ...parts.slice(0, n))));
    } catch {
      // Not there either: one level up.
    }
  }
  return false;
}

/**
 * Directories never looked into: version control, dependencies, an evolving harness's copies and the
 * artifacts copied out of a sandbox (no report reads them; artifacts may hold the agent's own links).
 */
const NOT_SCANNED = new Set(['.git', 'node_modules', 'harness', 'best', 'artifacts']);

/**
 * The first symlink under `dir` (at most `depth` levels down, at most `maxEntries` entries looked at)
 * whose target lies outside `rootReal`, as a path relative to `dir`; undefined when there is none.
 * The loaders read files by name and would follow such a link, so an entry holding one is refused.
 * Dangling links are harmless (nothing to read) and pass.
 */
export function escapingSymlink(
  rootReal: string,
  dir: string,
  depth: number,
  maxEntries = 200_000,
): string | undefined {
  let budget = maxEntries;
  const walk = (at: string, rel: string, left: number): string | undefined => {
    let entries: Dirent[];
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) {
      if (--budget < 0) return undefined;
      const path = join(at, e.name);
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(path);
        } catch {
          continue;
        }
        if (!isInside(rootReal, real)) return relPath;
      } else if (e.isDirectory() && left > 0 && !NOT_SCANNED.has(e.name)) {
        const found = walk(path, relPath, left - 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(dir, '', depth);
}
