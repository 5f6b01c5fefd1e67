// Makes chosen directories of the host's system writable inside a bwrap sandbox without touching the
// host: bubblewrap 0.8 has no overlay mounts, so each directory is replaced by a per-trial directory of
// symbolic links to the host's entries (seen read-only under /run/ahe-host), and copies of its small
// world-readable files (so that appending to /etc/hosts works). New files land in the
// per-trial directory; the host's programs and libraries stay where PATH and the loader look for them.
// Used for the Dockerfile idioms that install a wrapper or a tool (`> /usr/local/bin/nproc`,
// `cp tool /opt/ref/`); docs/sandboxes.md.
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Small files are copied into the layer rather than linked, so that `>> /etc/hosts` or `sed -i` works. */
const COPY_MAX_BYTES = 64 * 1024;

/** A small regular file that anyone may read (never a secret such as /etc/shadow, which stays a link). */
function isSmallPublicFile(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.size <= COPY_MAX_BYTES && (st.mode & 0o004) !== 0;
  } catch {
    return false;
  }
}

/** Where the host's copy of a layered directory is mounted read-only inside the sandbox. */
export const HOST_VIEW = '/run/ahe-host';

/** The directories among `dirs` that no other of them contains (each becomes one mount). */
function outermost(dirs: readonly string[]): string[] {
  const clean = [...new Set(dirs.map((d) => posix.normalize(d)))];
  return clean.filter((d) => !clean.some((o) => o !== d && d.startsWith(`${o}/`))).sort();
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Fills `layer` with one link per entry of the host directory `dir`; an entry that is (or leads to)
 * another writable directory becomes a real directory, filled the same way.
 */
function populate(dir: string, layer: string, view: string, targets: readonly string[]): void {
  mkdirSync(layer, { recursive: true });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  for (const name of names) {
    const host = posix.join(dir, name);
    const leadsToTarget = targets.some((t) => t === host || t.startsWith(`${host}/`));
    if (leadsToTarget && isRealDirectory(host)) populate(host, join(layer, name), posix.join(view, name), targets);
    // A link of the host is copied as it is: a relative one (`os-release -> ../usr/lib/os-release`) must
    // resolve from the same place, not from the host's copy under /run/ahe-host.
    else if (isLink(host)) symlinkSync(readlinkSync(host), join(layer, name));
    else if (isSmallPublicFile(host)) copyFileSync(host, join(layer, name));
    else symlinkSync(posix.join(view, name), join(layer, name));
  }
}

/**
 * bwrap arguments that make each of `dirs` (existing, real directories of the host) writable for this
 * trial; the layers live in `<trialDir>/.system-layers`. Directories that do not exist or are symbolic
 * links on the host are left as they are (still read-only).
 */
export function writableSystemDirArgs(trialDir: string, dirs: readonly string[]): string[] {
  const usable = dirs.filter((d) => posix.isAbsolute(d) && d !== '/' && isRealDirectory(d));
  const args: string[] = [];
  for (const top of outermost(usable)) {
    const layer = join(trialDir, '.system-layers', top);
    populate(top, layer, `${HOST_VIEW}${top}`, usable);
    args.push('--ro-bind', top, `${HOST_VIEW}${top}`, '--bind', layer, top);
  }
  return args;
}
