// A directory as one self-contained value: every file's relative path, mode and bytes, as gzipped
// JSON. Tasks and harnesses travel to workers this way (keyed by the bundle's sha256), and trial
// directories travel back, so no machine needs a shared filesystem.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface BundledFile {
  path: string;
  mode: number;
  data: string;
}

export interface FileBundle {
  /** gzip of `{format, files}`; what is stored in Redis or a job's return value. */
  bytes: Buffer;
  /** sha256 of the files (paths, modes, contents): the same directory always has the same key. */
  sha256: string;
  files: number;
}

const FORMAT = 'ahe-files/1';

/** Every regular file under dir (relative paths, sorted); symlinks and special files are left out. */
export function listFiles(dir: string, prefix = '', skip: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    if (skip(name)) continue;
    const rel = prefix ? join(prefix, name) : name;
    const stat = statSync(join(dir, rel), { throwIfNoEntry: false });
    if (stat?.isDirectory()) out.push(...listFiles(dir, rel, skip));
    else if (stat?.isFile()) out.push(rel);
  }
  return out;
}

/** Packs the given files of dir (default: all of them). */
export function packDirectory(dir: string, files: readonly string[] = listFiles(dir)): FileBundle {
  const hash = createHash('sha256');
  const entries: BundledFile[] = [];
  for (const path of [...files].sort()) {
    const full = join(dir, path);
    const data = readFileSync(full);
    const mode = statSync(full).mode & 0o777;
    hash.update(path.split(sep).join('/')).update('\0').update(String(mode)).update('\0').update(data).update('\0');
    entries.push({ path: path.split(sep).join('/'), mode, data: data.toString('base64') });
  }
  const bytes = gzipSync(JSON.stringify({ format: FORMAT, files: entries }), { level: 6 });
  return { bytes, sha256: hash.digest('hex'), files: entries.length };
}

export function readBundle(bytes: Buffer): BundledFile[] {
  const parsed = JSON.parse(gunzipSync(bytes).toString('utf8')) as { format?: string; files?: BundledFile[] };
  if (parsed.format !== FORMAT || !Array.isArray(parsed.files)) throw new Error(`not an ${FORMAT} bundle`);
  return parsed.files;
}

/** Writes a bundle's files under dir; a path that would leave dir is refused. */
export function unpackBundle(bytes: Buffer, dir: string, keep: (path: string) => boolean = () => true): string[] {
  const written: string[] = [];
  for (const file of readBundle(bytes)) {
    if (!keep(file.path)) continue;
    const target = join(dir, file.path);
    if (relative(dir, target).startsWith('..') || file.path.startsWith('/'))
      throw new Error(`bundle path escapes its directory: ${file.path}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(file.data, 'base64'));
    chmodSync(target, file.mode);
    written.push(file.path);
  }
  return written;
}
