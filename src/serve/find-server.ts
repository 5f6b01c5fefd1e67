// Where a running `ahe serve` says it is, and how `ahe eval` / `ahe evolve` find one to print a
// "follow along" URL. Each server writes <registry>/<pid>-<port>.json ({ url, root, pid }) while it runs and
// removes it on exit; a file left by a killed server is ignored because its pid no longer lives.
// Imported by eval/evolve at start: node built-ins only, a few small synchronous reads.
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** What a server writes about itself. */
export interface ServerRecord {
  /** The page's URL, ending in '/'. */
  url: string;
  /** realpath of the served directory. */
  root: string;
  pid: number;
}

/**
 * The directory of the records: $XDG_RUNTIME_DIR/ahe-serve (private to the user by definition), else
 * <os temp dir>/ahe-serve-<uid> (created 0700 by the server, and only trusted when the user owns it).
 */
export function serverRegistryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'ahe-serve');
  return join(tmpdir(), `ahe-serve-${uid()}`);
}

function uid(): number | string {
  if (typeof process.getuid === 'function') return process.getuid();
  return userInfo().username;
}

/** A directory we may trust: a real directory (not a symlink) owned by this user. */
export function trustedRegistryDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) return false;
    return typeof process.getuid !== 'function' || st.uid === process.getuid();
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else, which a record in our own directory cannot be.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The records of the servers that still run. */
export function liveServers(registryDir: string = serverRegistryDir()): ServerRecord[] {
  if (!trustedRegistryDir(registryDir)) return [];
  let names: string[];
  try {
    names = readdirSync(registryDir).filter((n) => /^\d+-\d+\.json$/.test(n));
  } catch {
    return [];
  }
  const records: ServerRecord[] = [];
  for (const name of names) {
    try {
      const r = JSON.parse(readFileSync(join(registryDir, name), 'utf8')) as Partial<ServerRecord>;
      if (typeof r.url !== 'string' || typeof r.root !== 'string' || typeof r.pid !== 'number') continue;
      if (!/^https?:\/\//.test(r.url) || !alive(r.pid)) continue;
      records.push({ url: r.url, root: r.root, pid: r.pid });
    } catch {
      // A record being written or removed right now: skip it.
    }
  }
  return records;
}

/** realpath of a path that may not exist yet (a job directory about to be created): its nearest existing ancestor's, joined with the rest. */
function realpathOfFuture(path: string): string {
  let head = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(path);
      rest.push(basename(head));
      head = up;
    }
  }
}

/**
 * The URL of the page showing `path` on a running `ahe serve` whose directory contains it
 * (`<url>?path=<path relative to its directory>`), or undefined when none runs. With several, the one
 * serving the closest directory wins.
 */
export function followAlongUrl(path: string, registryDir: string = serverRegistryDir()): string | undefined {
  const target = realpathOfFuture(path);
  let best: { record: ServerRecord; rel: string } | undefined;
  for (const record of liveServers(registryDir)) {
    const rel = relative(record.root, target);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) continue;
    if (!best || record.root.length > best.record.root.length) best = { record, rel };
  }
  if (!best) return undefined;
  const rel = best.rel === '' ? '.' : best.rel.split(sep).join('/');
  // '/' stays readable: it is allowed in a query.
  return `${best.record.url}?path=${encodeURIComponent(rel).replaceAll('%2F', '/')}`;
}
