// A directory as one self-contained value: every file's relative path, mode and bytes, as gzipped
// JSON. Tasks and harnesses travel to workers this way (keyed by the bundle's sha256), and trial
// directories travel back, so no machine needs a shared filesystem.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { hashFileEntries, listFiles, readHashedFiles } from '../harness/content-hash.ts';

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

/** Packs the given files of dir (default: every regular file, see listFiles). */
export function packDirectory(dir: string, files: readonly string[] = listFiles(dir)): FileBundle {
  const read = readHashedFiles(dir, files);
  const entries: BundledFile[] = read.map((f) => ({
    path: f.path,
    mode: f.mode & 0o777,
    data: f.data.toString('base64'),
  }));
  const bytes = gzipSync(JSON.stringify({ format: FORMAT, files: entries }), { level: 6 });
  // Every permission bit counts: the bundle restores them all.
  return { bytes, sha256: hashFileEntries(read, { modeBits: 0o777 }), files: entries.length };
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
