// The image backend's cache of unpacked roots (docs/sandboxes.md, "The image backend"): its layout, the
// lock its bookkeeping runs under (a directory, held for milliseconds), the entries with their holders,
// and eviction. A root is a directory `<FORMAT>-<image id>` with meta.json, users/ (a marker per process
// holding it) and last-used; the layers it is made of live once under .layers/, shared by every root
// built on them. A root with a live marker is never removed; a layer goes when no root uses it.
// Unpacking an image into the cache: image-unpack.ts; holding a root for a trial: image-root.ts.

import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerEngineError } from './container-engine.ts';
import type { ImageConfig } from './image-unpack.ts';
import { ownerAlive, SELF_OWNER } from './process-owner.ts';

/** Bumped when the layout of a cached root changes: older entries are then ignored and evicted. */
export const FORMAT = 'v2';

/** Where the layers live, inside the cache (dot-named: not a root). */
export const LAYERS = '.layers';

const DEFAULT_CAP_GB = 20;

export interface RootMeta {
  format: string;
  image: string;
  imageId: string;
  engine: string;
  config: ImageConfig;
  sizeBytes: number;
  unpackedAt: string;
  unpackMs: number;
  /** Layer keys, top first (under .layers/, below the root's own fix/ layer); absent: a flat rootfs/. */
  layers?: string[];
}

export interface ImageRootEntry {
  key: string;
  dir: string;
  image: string;
  imageId: string;
  engine: string;
  /** Its size on disk (with layers: the sum of its layers, which other roots may share). */
  sizeBytes: number;
  /** Number of layers (0: an exported, flat root). */
  layers: number;
  lastUsed: Date;
  /** Processes holding it now (their trials run over it). */
  users: number[];
}

export function imageRootCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.AHE_CACHE_DIR || tmpdir(), 'ahe', 'image-roots');
}

/** The cap on the cache's disk use, AHE_IMAGE_ROOT_CACHE_GB (default 20). */
export function imageRootCapBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AHE_IMAGE_ROOT_CACHE_GB;
  if (raw === undefined || raw === '') return DEFAULT_CAP_GB * 1024 ** 3;
  const gb = Number(raw);
  if (!Number.isFinite(gb) || gb < 0)
    throw new ContainerEngineError(
      'EnvironmentBuildError',
      `AHE_IMAGE_ROOT_CACHE_GB must be a number of gigabytes ≥ 0, not ${JSON.stringify(raw)}`,
    );
  return gb * 1024 ** 3;
}

// ---------------------------------------------------------------- the cache lock

export function withLock<T>(cache: string, body: () => T): T {
  mkdirSync(cache, { recursive: true });
  const lock = join(cache, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), SELF_OWNER);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = '';
      try {
        owner = readFileSync(join(lock, 'owner'), 'utf8');
      } catch {
        // being written or removed
      }
      // A lock whose holder died (kill -9) is broken; one being taken right now has no owner yet.
      if ((owner && !ownerAlive(owner)) || attempt > 3000) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- entries

export function readMeta(dir: string): RootMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as RootMeta;
    return meta.format === FORMAT ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** Live holders of a root (markers of dead processes are removed). */
function liveUsers(dir: string): number[] {
  const users: number[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'users'));
  } catch {
    return users;
  }
  for (const name of names) {
    const owner = name.split('.')[0]!;
    if (ownerAlive(owner)) users.push(Number(owner.split('-')[0]));
    else rmSync(join(dir, 'users', name), { force: true });
  }
  return users;
}

function lastUsed(dir: string): Date {
  try {
    return statSync(join(dir, 'last-used')).mtime;
  } catch {
    return new Date(0);
  }
}

export function touch(dir: string): void {
  const file = join(dir, 'last-used');
  const t = new Date();
  try {
    utimesSync(file, t, t);
  } catch {
    writeFileSync(file, '');
  }
}

/** Every cached root (current format), oldest use first. */
export function listImageRoots(cache = imageRootCacheDir()): ImageRootEntry[] {
  if (!existsSync(cache)) return [];
  const entries: ImageRootEntry[] = [];
  for (const key of readdirSync(cache)) {
    if (key.startsWith('.')) continue;
    const dir = join(cache, key);
    const meta = readMeta(dir);
    entries.push({
      key,
      dir,
      image: meta?.image ?? '(an older ahe’s format: unused, removed by gc)',
      imageId: meta?.imageId ?? '?',
      engine: meta?.engine ?? '?',
      sizeBytes: meta?.sizeBytes ?? 0,
      layers: meta?.layers?.length ?? 0,
      lastUsed: lastUsed(dir),
      users: liveUsers(dir),
    });
  }
  return entries.sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
}

/** Moves a root out of the cache (under the lock); the caller deletes the returned directory. */
function retire(cache: string, dir: string): string {
  const trash = join(cache, `.trash-${randomUUID()}`);
  renameSync(dir, trash);
  return trash;
}

/** A `.tmp-<owner>.…` directory whose process is gone. */
const deadTmp = (name: string) => name.startsWith('.tmp-') && !ownerAlive(name.split('.')[1]!.slice(4));

/** Half-prepared roots and layers of dead processes, and retired ones: nothing uses them. */
function leftovers(cache: string): string[] {
  const found: string[] = [];
  for (const dir of [cache, join(cache, LAYERS)]) {
    if (!existsSync(dir)) continue;
    for (const n of readdirSync(dir)) if (n.startsWith('.trash-') || deadTmp(n)) found.push(join(dir, n));
  }
  return found;
}

/** A complete layer's size (its `size` file is written last); undefined when absent or half copied. */
export function layerSize(cache: string, key: string): number | undefined {
  try {
    return Number(readFileSync(join(cache, LAYERS, key, 'size'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Layer keys used by a cached root or by a root a live process is preparing. */
function usedLayers(cache: string): Set<string> {
  const used = new Set<string>();
  for (const n of readdirSync(cache)) {
    if (n.startsWith('.') && (!n.startsWith('.tmp-') || deadTmp(n))) continue;
    for (const key of readMeta(join(cache, n))?.layers ?? []) used.add(key);
  }
  return used;
}

/** What the cache takes on disk: flat roots and every layer once. */
export function cacheBytes(cache: string): number {
  let total = 0;
  for (const entry of listImageRoots(cache)) if (entry.layers === 0) total += entry.sizeBytes;
  const layers = join(cache, LAYERS);
  if (existsSync(layers))
    for (const key of readdirSync(layers)) if (!key.startsWith('.')) total += layerSize(cache, key) ?? 0;
  return total;
}

/** Retires the layers no root uses (under the lock); returns the directories to delete. */
function retireUnusedLayers(cache: string): string[] {
  const layers = join(cache, LAYERS);
  if (!existsSync(layers)) return [];
  const used = usedLayers(cache);
  return readdirSync(layers)
    .filter((key) => !key.startsWith('.') && !used.has(key))
    .map((key) => retire(cache, join(layers, key)));
}

export interface RemovedRoots {
  removed: ImageRootEntry[];
  /** Roots held by a running trial, left in place. */
  kept: ImageRootEntry[];
}

/**
 * Removes cached roots: all of them not in use (`ahe gc`), or the least recently used until the cache
 * fits `capBytes`. A root in use is never removed. Also clears what killed runs left (half unpacks).
 */
export async function removeImageRoots(options: { capBytes?: number; cache?: string } = {}): Promise<RemovedRoots> {
  const cache = options.cache ?? imageRootCacheDir();
  if (!existsSync(cache)) return { removed: [], kept: [] };
  const removed: ImageRootEntry[] = [];
  const kept: ImageRootEntry[] = [];
  const doomed = withLock(cache, () => {
    const out: string[] = [];
    for (const entry of listImageRoots(cache)) {
      if (options.capBytes !== undefined && cacheBytes(cache) <= options.capBytes) break;
      if (entry.users.length) {
        kept.push(entry);
        continue;
      }
      out.push(retire(cache, entry.dir));
      removed.push(entry);
      out.push(...retireUnusedLayers(cache));
    }
    return [...out, ...retireUnusedLayers(cache), ...leftovers(cache)];
  });
  await Promise.all(doomed.map((d) => rm(d, { recursive: true, force: true })));
  return { removed, kept };
}

/** The paths of a root's lower layers, top first. */
export function lowerDirsOf(cache: string, dir: string, meta: RootMeta): string[] {
  if (!meta.layers) return [join(dir, 'rootfs')];
  return [join(dir, 'fix'), ...meta.layers.map((key) => join(cache, LAYERS, key, 'diff'))];
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MB`;
  return `${Math.round(bytes / 1024)} kB`;
}
