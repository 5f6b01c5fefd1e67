// The root filesystems of container images for the image backend (docs/sandboxes.md, "The image
// backend"): unpacked once into a cache (image-unpack.ts, image-root-cache.ts) and held by trials. A root
// is prepared in a temporary directory and renamed into place: it is whole or absent, and processes
// preparing the same image at once each keep a correct copy (the first rename wins, the others are
// dropped). A trial holds its root through a marker file naming its process; eviction (least recently
// used first, down to AHE_IMAGE_ROOT_CACHE_GB) and `ahe gc` never remove a root that has a live marker.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerEngine } from './container-engine.ts';
import {
  FORMAT,
  formatBytes,
  imageRootCacheDir,
  imageRootCapBytes,
  layerSize,
  lowerDirsOf,
  readMeta,
  removeImageRoots,
  touch,
  withLock,
} from './image-root-cache.ts';
import { type ImageConfig, inspect, type RootOptions, unpack } from './image-unpack.ts';
import { SELF_OWNER } from './process-owner.ts';

export {
  cacheBytes,
  formatBytes,
  type ImageRootEntry,
  imageRootCacheDir,
  imageRootCapBytes,
  listImageRoots,
  type RemovedRoots,
  removeImageRoots,
} from './image-root-cache.ts';
export type { ImageConfig } from './image-unpack.ts';

/** A cached root held by this process until release(). */
export interface ImageRoot {
  key: string;
  imageId: string;
  /**
   * The root filesystem as overlay lower layers, top first: one directory (an exported root) or the
   * image's layers under a small layer of ahe's own (/etc/hosts …). Never written to: trials write
   * to their own upper layer.
   */
  lowerDirs: string[];
  config: ImageConfig;
  sizeBytes: number;
  /** True when this call unpacked it; then unpackMs says how long that took. */
  fresh: boolean;
  unpackMs: number;
  release(): void;
}

/** Unpacks in flight in this process, by key: concurrent trials of one image share one unpack. */
const unpacking = new Map<string, Promise<void>>();

/**
 * Takes a marker on a prepared root (under the lock); false when it is not (or no longer) there. A root
 * whose layers went meanwhile (evicted while it was being prepared) is dropped, to be prepared again.
 */
function hold(cache: string, dir: string, marker: string): boolean {
  const meta = readMeta(dir);
  if (!meta) return false;
  if (meta.layers?.some((key) => layerSize(cache, key) === undefined)) {
    rmSync(dir, { recursive: true, force: true });
    return false;
  }
  mkdirSync(join(dir, 'users'), { recursive: true });
  writeFileSync(join(dir, 'users', marker), '');
  touch(dir);
  return true;
}

/**
 * The unpacked root of `image` (built or pulled already), unpacked now when the cache lacks it, and held
 * until release() (eviction and `ahe gc` leave it alone meanwhile). After an unpack, the least
 * recently used roots not in use are evicted down to the cap.
 */
export async function acquireImageRoot(
  engine: ContainerEngine,
  image: string,
  options: RootOptions & { cache?: string; capBytes?: number },
): Promise<ImageRoot> {
  const cache = options.cache ?? imageRootCacheDir();
  const capBytes = options.capBytes ?? imageRootCapBytes();
  const inspected = await inspect(engine, image);
  const key = `${FORMAT}-${inspected.id.slice(0, 24)}`;
  const dir = join(cache, key);
  const marker = `${SELF_OWNER}.${randomUUID().slice(0, 8)}`;
  let fresh = false;
  let unpackMs = 0;
  while (!withLock(cache, () => hold(cache, dir, marker))) {
    const inFlight = unpacking.get(key);
    if (inFlight) {
      await inFlight;
      continue;
    }
    const tmp = join(cache, `.tmp-${SELF_OWNER}.${key}-${randomUUID().slice(0, 8)}`);
    const work = (async () => {
      try {
        await unpack(engine, image, inspected, cache, tmp, options);
        unpackMs = readMeta(tmp)?.unpackMs ?? 0;
        withLock(cache, () => {
          // Another process may have unpacked it meanwhile: its copy is as good, this one goes.
          if (readMeta(dir)) return;
          rmSync(dir, { recursive: true, force: true }); // a root of an older format, or half removed
          renameSync(tmp, dir);
          fresh = true;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    })();
    unpacking.set(key, work);
    try {
      await work;
    } finally {
      unpacking.delete(key);
    }
  }
  const root = heldRoot(cache, dir, key, marker, fresh, unpackMs);
  if (fresh) {
    const { removed } = await removeImageRoots({ capBytes, cache });
    for (const r of removed)
      options.log?.(`environment: image-root cache over its cap: evicted ${r.image} (${formatBytes(r.sizeBytes)})`);
  }
  return root;
}

/**
 * The cached root `key` (as an earlier acquireImageRoot of this process returned it), held without
 * asking the engine anything; undefined when it is no longer cached (evicted, `ahe gc`).
 */
export function holdCachedRoot(key: string, cache = imageRootCacheDir()): ImageRoot | undefined {
  const dir = join(cache, key);
  const marker = `${SELF_OWNER}.${randomUUID().slice(0, 8)}`;
  if (!existsSync(dir) || !withLock(cache, () => hold(cache, dir, marker))) return undefined;
  return heldRoot(cache, dir, key, marker, false, 0);
}

function heldRoot(
  cache: string,
  dir: string,
  key: string,
  marker: string,
  fresh: boolean,
  unpackMs: number,
): ImageRoot {
  const meta = readMeta(dir)!;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(release);
    try {
      touch(dir);
      unlinkSync(join(dir, 'users', marker));
    } catch {
      // removed already (a forced gc)
    }
  };
  held.add(release);
  installExitHook();
  return {
    key,
    imageId: meta.imageId,
    lowerDirs: lowerDirsOf(cache, dir, meta),
    config: meta.config,
    sizeBytes: meta.sizeBytes,
    fresh,
    unpackMs,
    release,
  };
}

/** Roots this process holds: their markers go when it exits (a killed process's are found dead later). */
const held = new Set<() => void>();

let hooked = false;

function installExitHook(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const release of [...held]) release();
  });
}
