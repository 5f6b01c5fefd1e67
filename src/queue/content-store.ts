// Content-addressed blobs in Redis: a task or harness directory is stored once under its sha256
// (`ahe:blob:<sha>`) and materialised by each worker once, into a local cache directory.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import { type FileBundle, unpackBundle } from './file-bundle.ts';

/** Blobs outlive a producer run by a week: a resumed job finds them, an abandoned one is cleaned up. */
const BLOB_TTL_SEC = 7 * 24 * 3600;
export const blobKey = (sha256: string) => `ahe:blob:${sha256}`;

export async function putBlob(redis: Redis, bundle: FileBundle): Promise<string> {
  const key = blobKey(bundle.sha256);
  // SET NX keeps the first copy; EXPIRE refreshes the lifetime on every run that uses it.
  await redis.set(key, bundle.bytes, 'EX', BLOB_TTL_SEC, 'NX');
  await redis.expire(key, BLOB_TTL_SEC);
  return bundle.sha256;
}

export function defaultCacheDir(): string {
  return join(process.env.AHE_CACHE_DIR ?? tmpdir(), 'ahe', 'queue-blobs');
}

const inFlight = new Map<string, Promise<string>>();

/**
 * The local directory holding blob `sha256` (unpacked under `<cache>/<sha>/<subdir>`), fetched from
 * Redis the first time. Written to a temporary directory and renamed, so a crash never leaves half.
 */
export function materialiseBlob(
  redis: Redis,
  sha256: string,
  subdir: string,
  cacheDir = defaultCacheDir(),
): Promise<string> {
  const root = join(cacheDir, sha256);
  const target = join(root, subdir);
  if (existsSync(target)) return Promise.resolve(target);
  const key = `${root}\0${subdir}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = (async () => {
      const bytes = await redis.getBuffer(blobKey(sha256));
      if (!bytes)
        throw new Error(
          `blob ${sha256} is not in Redis (expired, or Redis was flushed): run the producer again to re-upload it`,
        );
      const temp = join(cacheDir, `.${sha256}.${process.pid}.${Date.now()}`);
      mkdirSync(join(temp, subdir), { recursive: true });
      unpackBundle(bytes, join(temp, subdir));
      mkdirSync(dirname(target), { recursive: true });
      if (!existsSync(target)) renameSync(join(temp, subdir), target);
      rmSync(temp, { recursive: true, force: true });
      return target;
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}
