// Content hashes of directories: a harness's identity, a task's checksum, a build context's cache key,
// a file bundle's address. One walk and one byte format serve all of them; what differs is a parameter
// (which files, which permission bits count), so two hashes of the same files never disagree by accident.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export interface HashedFile {
  /** Relative to the hashed directory, `/`-separated. */
  path: string;
  mode: number;
  data: Buffer;
}

export interface ContentHashOptions {
  /**
   * The permission bits that count besides paths and contents: 0o111 for "executable or not" (what git
   * keeps, so a fresh checkout hashes alike whatever the umask), 0o777 for every bit (what a bundle
   * restores). Default 0: contents only.
   */
  modeBits?: number;
}

const toSlashes = (path: string) => path.split(sep).join('/');
/** Code-unit order, as Array.prototype.sort orders strings (the order harness hashes were recorded in). */
const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Every regular file under dir: relative `/`-separated paths, sorted. `skip` leaves out a file or a
 * folder by its name. Symlinks are followed; a dangling one and special files (sockets, fifos) are left out.
 */
export function listFiles(dir: string, skip: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (prefix: string) => {
    for (const name of readdirSync(join(dir, prefix))) {
      if (skip(name)) continue;
      const rel = prefix ? `${prefix}/${name}` : name;
      const stat = statSync(join(dir, rel), { throwIfNoEntry: false });
      if (stat?.isDirectory()) walk(rel);
      else if (stat?.isFile()) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

/** sha256 (hex) of files in any order: per file, its path, the chosen mode bits and its bytes. */
export function hashFileEntries(files: Iterable<HashedFile>, options: ContentHashOptions = {}): string {
  const modeBits = options.modeBits ?? 0;
  const hash = createHash('sha256');
  for (const file of [...files].sort(byPath)) {
    hash.update(file.path).update('\0');
    if (modeBits) hash.update(String(file.mode & modeBits)).update('\0');
    hash.update(file.data).update('\0');
  }
  return hash.digest('hex');
}

/** Reads the given files of dir (relative paths) as hash input, sorted by path. */
export function readHashedFiles(dir: string, files: readonly string[]): HashedFile[] {
  return files
    .map((file) => {
      const full = join(dir, file);
      return { path: toSlashes(file), mode: statSync(full).mode, data: readFileSync(full) };
    })
    .sort(byPath);
}

/** sha256 (hex) of the given files of dir. */
export function hashFiles(dir: string, files: readonly string[], options: ContentHashOptions = {}): string {
  return hashFileEntries(readHashedFiles(dir, files), options);
}

/** sha256 (hex) of every file under dir (see listFiles), or of those `skip` leaves. */
export function hashDirectory(
  dir: string,
  options: ContentHashOptions & { skip?: (name: string) => boolean } = {},
): string {
  return hashFiles(dir, listFiles(dir, options.skip), options);
}

/** A harness's identity: its files' paths and contents (results name the exact harness by it). */
export function harnessContentHash(dir: string, files: readonly string[]): string {
  return hashFiles(dir, files);
}
