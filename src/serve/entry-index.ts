// The index of `ahe serve`: the jobs, evolve runs and debug outputs under the served directory. The walk
// is bounded (MAX_DEPTH levels, MAX_DIRS directories), skips hidden directories and node_modules, never
// follows a symlink, and stops at an entry (a job's thousands of trial directories are never listed: a
// run's iteration jobs and a job's debug/ are reached through their parent's view). The list is cached
// for WALK_TTL_MS; the statuses are cheap stats on top (entry-status.ts).
import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { debugName } from '../report/load-debug.ts';
import { jobName, runName } from '../report/load-job.ts';
import { detectEntryKind, type EntryKind } from '../report/load-report.ts';
import type { IndexReport } from '../report/report-data.ts';
import { entryStatus } from './entry-status.ts';

export const MAX_DEPTH = 4;
export const MAX_DIRS = 5000;
const WALK_TTL_MS = 2000;

export interface FoundEntry {
  /** '/'-separated, relative to the served directory; '.' for the directory itself. */
  path: string;
  dir: string;
  kind: EntryKind;
}

/** Entries under rootReal, breadth first (shallow entries first), each path sorted within its level. */
export function findEntries(rootReal: string): FoundEntry[] {
  const found: FoundEntry[] = [];
  let level: { dir: string; rel: string }[] = [{ dir: rootReal, rel: '' }];
  let visited = 0;
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: { dir: string; rel: string }[] = [];
    for (const { dir, rel } of level) {
      if (++visited > MAX_DIRS) return found;
      const kind = safeKind(dir);
      if (kind) {
        found.push({ path: rel || '.', dir, kind });
        continue;
      }
      if (depth === MAX_DEPTH) continue;
      for (const e of subdirectories(dir)) next.push({ dir: join(dir, e), rel: rel ? `${rel}/${e}` : e });
    }
    level = next;
  }
  return found;
}

function safeKind(dir: string): EntryKind | null {
  try {
    return detectEntryKind(dir);
  } catch {
    // A directory removed or being written while we look: not an entry this time.
    return null;
  }
}

/** Real subdirectories (symlinks are not followed: Dirent.isDirectory() is false for them), hidden ones and node_modules left out. */
function subdirectories(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort();
}

/** What an entry is called, as its own report page names it (a generic `run/` or `job/` with its parent). */
function entryName(dir: string, kind: EntryKind): string {
  if (kind === 'run') return runName(dir);
  if (kind === 'job') return jobName(dir);
  return debugName(dir);
}

/** The index of one served directory, with its walk cached briefly. */
export function createIndexer(rootReal: string, shownRoot: string): () => IndexReport {
  let walk: { at: number; entries: FoundEntry[] } | undefined;
  return () => {
    const now = Date.now();
    if (!walk || now - walk.at > WALK_TTL_MS) walk = { at: now, entries: findEntries(rootReal) };
    return {
      kind: 'index',
      root: shownRoot,
      entries: walk.entries.map((e) => ({
        path: e.path,
        kind: e.kind,
        name: entryName(e.dir, e.kind),
        ...entryStatus(e.dir, e.kind, now),
      })),
    };
  };
}
