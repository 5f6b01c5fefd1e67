// The root filesystems of container images, unpacked once and cached for the image backend
// (docs/sandboxes.md, "The image backend"). When the engine stores the image as overlay layers (docker's
// overlay2, rootful podman's overlay), each layer is copied once into the cache, keyed by its chain of
// content digests, so images built on one base share it; otherwise the engine exports the image's
// flattened root (`create` + `export`). Either way a root is prepared in a temporary directory and
// renamed into place: it is whole or absent, and processes preparing the same image at once each keep
// a correct copy (the first rename wins, the others are dropped). A trial holds its root through a
// marker file naming its process; eviction (least recently used first, down to
// AHE_IMAGE_ROOT_CACHE_GB) and `ahe gc` never remove a root that has a live marker, and a layer goes
// when no root uses it. The cache's bookkeeping steps run under a lock directory, held for milliseconds.

import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ContainerEngine, ContainerEngineError, outputTail, runEngine } from './container-engine.ts';
import { CONTAINER_LABEL } from './container-sandbox.ts';
import { lookupInLayers, makeDirsLike } from './image-layers.ts';
import { ownerAlive, SELF_OWNER } from './process-owner.ts';
import { runProcess } from './run-process.ts';

const execFileAsync = promisify(execFile);

/** Bumped when the layout of a cached root changes: older entries are then ignored and evicted. */
const FORMAT = 'v2';
/** Where the layers live, inside the cache (dot-named: not a root). */
const LAYERS = '.layers';
const DEFAULT_CAP_GB = 20;

/** What the image's config says about how its processes run. */
export interface ImageConfig {
  /** WORKDIR ('/' when unset). */
  workdir: string;
  env: Record<string, string>;
  /** USER as written in the image ('' when unset: root). */
  user: string;
}

interface RootMeta {
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

// ---------------------------------------------------------------- liveness of the processes holding roots

// SELF_OWNER and ownerAlive: src/sandbox/process-owner.ts.

// ---------------------------------------------------------------- the cache lock

function withLock<T>(cache: string, body: () => T): T {
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

function readMeta(dir: string): RootMeta | undefined {
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

function touch(dir: string): void {
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
function layerSize(cache: string, key: string): number | undefined {
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

// ---------------------------------------------------------------- unpacking

interface Inspected {
  id: string;
  config: ImageConfig;
  /** The image's layers in the engine's overlay store, bottom first, with their content digests; none when not stored so. */
  layers: { dir: string; digest: string }[];
}

/** The engine's overlay directories of the image, bottom first, when they match its layer digests one to one. */
function overlayLayers(
  driver: { Name?: string; Data?: Record<string, string> } | null | undefined,
  digests: string[],
): { dir: string; digest: string }[] {
  if (!driver || !['overlay', 'overlay2'].includes(driver.Name ?? '') || process.getuid?.() !== 0) return [];
  const top = driver.Data?.UpperDir;
  const dirs = [...(driver.Data?.LowerDir?.split(':').filter(Boolean) ?? []).reverse(), ...(top ? [top] : [])];
  if (dirs.length === 0 || dirs.length !== digests.length || !dirs.every((d) => existsSync(d))) return [];
  return dirs.map((dir, i) => ({ dir, digest: digests[i]! }));
}

async function inspect(engine: ContainerEngine, image: string): Promise<Inspected> {
  // Not starting with `{{json`: podman 4 reads such a format as one whole-object template.
  const format = '{{.Id}}\t{{json .Config}}\t{{json .GraphDriver}}\t{{json .RootFS}}';
  const r = await runEngine(engine, ['image', 'inspect', '--format', format, image], { timeoutSec: 60 });
  if (r.exitCode !== 0)
    throw new ContainerEngineError(
      'ImagePullError',
      `${engine.kind} image inspect ${image} failed: ${outputTail(r, 5)}`,
    );
  const [rawId = '', configJson = 'null', driverJson = 'null', rootfsJson = 'null'] = r.stdout.trim().split('\t');
  const id = rawId.trim().replace(/^sha256:/, '');
  const digests = ((JSON.parse(rootfsJson) as { Layers?: string[] } | null)?.Layers ?? []).map(String);
  const raw = (JSON.parse(configJson) ?? {}) as {
    WorkingDir?: string;
    Env?: string[] | null;
    User?: string;
  };
  const env: Record<string, string> = {};
  for (const pair of raw.Env ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    id,
    config: { workdir: raw.WorkingDir || '/', env, user: raw.User ?? '' },
    layers: overlayLayers(JSON.parse(driverJson), digests),
  };
}

/**
 * `<engine> export` of a stopped container of the image, piped into `tar -x` (nothing held in memory).
 * Through a shell pipe: podman opens /dev/stdout, which a socket (node's stdio) does not allow.
 */
async function exportInto(
  engine: ContainerEngine,
  container: string,
  dir: string,
  timeoutSec: number,
  signal?: AbortSignal,
): Promise<void> {
  const script = 'set -o pipefail; dir=$1; shift; "$@" | tar -x -f - -C "$dir" --numeric-owner -p';
  const r = await runProcess(
    { argv: ['bash', '-c', script, 'ahe-export', dir, ...engine.argv, 'export', container], env: process.env },
    { timeoutSec, signal, maxOutputBytes: 64 * 1024 },
  );
  if (r.exitCode !== 0)
    throw new ContainerEngineError(
      'EnvironmentBuildError',
      `unpacking the image root failed (${engine.kind} export | tar -x: ${r.timedOut ? `took longer than ${timeoutSec}s` : `exit ${r.exitCode ?? 'by signal'}`}${signal?.aborted ? ', interrupted' : ''}): ${outputTail(r, 5)}`,
    );
}

/** Bytes a directory tree takes on disk (blocks, hard links once). */
function diskUse(dir: string): number {
  let total = 0;
  const seen = new Set<string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p, { bigint: false });
      if (st.nlink > 1) {
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      total += st.blocks * 512;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return total;
}

/**
 * The files an engine leaves empty or absent in an image (it bind-mounts them into a container), given
 * usable content in `target`: the flat root itself, or the layer of ahe's own above the image's layers.
 */
function fillRuntimeFiles(target: string, layers: readonly string[]): void {
  const fill = (rel: string, content: string) => {
    const found = lookupInLayers(layers, rel);
    if (found) {
      const st = lstatSync(found);
      if (!st.isFile() || st.size > 0) return; // the image's own content (or a link) stays
    }
    const etc = lookupInLayers(layers, 'etc');
    if (!etc || !lstatSync(etc).isDirectory()) return;
    makeDirsLike(layers, target, '/etc');
    writeFileSync(join(target, rel), content);
  };
  fill('etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  fill('etc/hostname', 'sandbox\n');
  let resolv = '';
  try {
    resolv = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no resolver on this machine: tasks with internet resolve nothing, as on the host
  }
  if (resolv) fill('etc/resolv.conf', resolv);
}

/** A layer's key: the hash of its digest and every digest below it (the same content on the same base). */
function layerKeys(inspected: Inspected): string[] {
  let chain = '';
  return inspected.layers.map(({ digest }) => {
    chain = createHash('sha256').update(`${chain}\0${digest}`).digest('hex');
    return `l-${chain.slice(0, 24)}`;
  });
}

/** Copies each layer the cache lacks (`cp -a`: whiteouts and overlay xattrs kept). */
async function copyLayers(cache: string, inspected: Inspected, options: RootOptions): Promise<void> {
  const keys = layerKeys(inspected);
  mkdirSync(join(cache, LAYERS), { recursive: true });
  for (const [i, { dir }] of inspected.layers.entries()) {
    const key = keys[i]!;
    if (layerSize(cache, key) !== undefined) continue;
    const tmp = join(cache, LAYERS, `.tmp-${SELF_OWNER}.${key}-${randomUUID().slice(0, 8)}`);
    try {
      mkdirSync(tmp);
      await execFileAsync('cp', ['-a', `${dir}/.`, join(tmp, 'diff')], {
        timeout: options.timeoutSec * 1000,
        signal: options.signal,
        maxBuffer: 1024 * 1024,
      });
      writeFileSync(join(tmp, 'size'), String(diskUse(join(tmp, 'diff'))));
      withLock(cache, () => {
        if (layerSize(cache, key) !== undefined) return; // copied by another process meanwhile
        rmSync(join(cache, LAYERS, key), { recursive: true, force: true });
        renameSync(tmp, join(cache, LAYERS, key));
      });
    } catch (error) {
      throw new ContainerEngineError(
        'EnvironmentBuildError',
        `copying layer ${i + 1} of the image (${dir}) into the image-root cache failed: ${(error as Error).message.slice(0, 500)}`,
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

/** The paths of a root's lower layers, top first. */
function lowerDirsOf(cache: string, dir: string, meta: RootMeta): string[] {
  if (!meta.layers) return [join(dir, 'rootfs')];
  return [join(dir, 'fix'), ...meta.layers.map((key) => join(cache, LAYERS, key, 'diff'))];
}

/** Prepares a root in `tmp`: the image's layers (shared, in the cache) under a layer of ahe's own, or its exported root. */
async function unpack(
  engine: ContainerEngine,
  image: string,
  inspected: Inspected,
  cache: string,
  tmp: string,
  options: RootOptions,
): Promise<void> {
  const started = Date.now();
  const { id, config } = inspected;
  const meta: RootMeta = {
    format: FORMAT,
    image,
    imageId: id,
    engine: engine.kind,
    config,
    sizeBytes: 0,
    unpackedAt: '',
    unpackMs: 0,
  };
  mkdirSync(tmp, { recursive: true });
  const writeMeta = () => writeFileSync(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  if (inspected.layers.length && !exportForced()) {
    // Listed before they are copied: an eviction meanwhile sees them in use.
    meta.layers = layerKeys(inspected).reverse();
    writeMeta();
    options.log?.(`environment: copying the layers of ${image} (${id.slice(0, 12)}) the image-root cache lacks`);
    await copyLayers(cache, inspected, options);
    mkdirSync(join(tmp, 'fix'));
    const layers = lowerDirsOf(cache, tmp, meta).slice(1);
    chmodSync(join(tmp, 'fix'), lstatSync(lookupInLayers(layers, '.') ?? layers[0]!).mode & 0o7777);
    fillRuntimeFiles(join(tmp, 'fix'), layers);
    meta.sizeBytes = meta.layers.reduce((sum, key) => sum + (layerSize(cache, key) ?? 0), 0);
  } else {
    await exportRoot(engine, image, id, tmp, options);
    meta.sizeBytes = diskUse(join(tmp, 'rootfs'));
  }
  meta.unpackedAt = new Date().toISOString();
  meta.unpackMs = Date.now() - started;
  writeMeta();
  mkdirSync(join(tmp, 'users'));
  writeFileSync(join(tmp, 'last-used'), '');
}

/** AHE_IMAGE_ROOT_EXPORT=1: always export a flat root, even from an overlay store. */
const exportForced = () => process.env.AHE_IMAGE_ROOT_EXPORT === '1';

async function exportRoot(
  engine: ContainerEngine,
  image: string,
  id: string,
  tmp: string,
  options: RootOptions,
): Promise<void> {
  const rootfs = join(tmp, 'rootfs');
  mkdirSync(rootfs, { recursive: true });
  const container = `ahe-export-${randomUUID().slice(0, 12)}`;
  // Labelled like trial containers, so `ahe gc --backend <engine>` removes one a killed run left.
  const created = await runEngine(
    engine,
    ['create', '--name', container, '--label', `${CONTAINER_LABEL}=1`, '--entrypoint', 'true', image],
    { timeoutSec: 120 },
  );
  if (created.exitCode !== 0)
    throw new ContainerEngineError(
      'ContainerStartError',
      `${engine.kind} create ${image} failed: ${outputTail(created, 5)}`,
    );
  try {
    options.log?.(`environment: unpacking the root of ${image} (${id.slice(0, 12)}) into the image-root cache`);
    await exportInto(engine, container, rootfs, options.timeoutSec, options.signal);
  } finally {
    await runEngine(engine, ['rm', '-f', container], { timeoutSec: 60 });
  }
  fillRuntimeFiles(rootfs, [rootfs]);
  chmodSync(rootfs, 0o755); // tar leaves the extraction directory as mkdir made it; a root is 0755
}

interface RootOptions {
  timeoutSec: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
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

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MB`;
  return `${Math.round(bytes / 1024)} kB`;
}
