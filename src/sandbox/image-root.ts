// The root filesystems of container images, unpacked once and cached for the image backend
// (docs/sandboxes.md, "The image backend"). An image is exported by its engine (`create` + `export`)
// into a temporary directory, then renamed into place: a root is whole or absent, and processes that
// unpack the same image at once each keep a correct copy (the first rename wins, the others are
// dropped). A trial holds its root through a marker file naming its process; eviction (least
// recently used first, down to AHE_IMAGE_ROOT_CACHE_GB) and `ahe gc` never remove a root that has a
// live marker. The cache's few bookkeeping steps run under a lock directory, held for milliseconds.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
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
import { type ContainerEngine, ContainerEngineError, outputTail, runEngine } from './container-engine.ts';
import { CONTAINER_LABEL } from './container-sandbox.ts';

/** Bumped when the layout of a cached root changes: older entries are then ignored and evicted. */
const FORMAT = 'v1';
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
}

/** A cached root held by this process until release(). */
export interface ImageRoot {
  key: string;
  imageId: string;
  /** The unpacked root filesystem (never written to: trials write to their own overlay layer). */
  rootfs: string;
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
  sizeBytes: number;
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

/** The start time of a process (field 22 of /proc/PID/stat): with the pid, it names one process for good. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
const SELF = `${process.pid}-${startTime(process.pid) ?? '0'}`;

/** True while the process a marker or a lock names (`PID-START`) is alive. */
function ownerAlive(owner: string): boolean {
  const [pid, start] = owner.split('-');
  return startTime(Number(pid)) === start;
}

// ---------------------------------------------------------------- the cache lock

function withLock<T>(cache: string, body: () => T): T {
  mkdirSync(cache, { recursive: true });
  const lock = join(cache, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), SELF);
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
      image: meta?.image ?? '?',
      imageId: meta?.imageId ?? '?',
      engine: meta?.engine ?? '?',
      sizeBytes: meta?.sizeBytes ?? 0,
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

/** Half-unpacked roots of dead processes and retired roots: nothing uses them. */
function leftovers(cache: string): string[] {
  if (!existsSync(cache)) return [];
  return readdirSync(cache)
    .filter((n) => n.startsWith('.trash-') || (n.startsWith('.tmp-') && !ownerAlive(n.split('.')[1]!.slice(4))))
    .map((n) => join(cache, n));
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
    const entries = listImageRoots(cache);
    let total = entries.reduce((sum, e) => sum + e.sizeBytes, 0);
    const out: string[] = [];
    for (const entry of entries) {
      if (options.capBytes !== undefined && total <= options.capBytes) break;
      if (entry.users.length) {
        kept.push(entry);
        continue;
      }
      out.push(retire(cache, entry.dir));
      removed.push(entry);
      total -= entry.sizeBytes;
    }
    return [...out, ...leftovers(cache)];
  });
  await Promise.all(doomed.map((d) => rm(d, { recursive: true, force: true })));
  return { removed, kept };
}

// ---------------------------------------------------------------- unpacking

async function inspect(engine: ContainerEngine, image: string): Promise<{ id: string; config: ImageConfig }> {
  const r = await runEngine(engine, ['image', 'inspect', '--format', '{{json .Id}} {{json .Config}}', image], {
    timeoutSec: 60,
  });
  if (r.exitCode !== 0)
    throw new ContainerEngineError(
      'ImagePullError',
      `${engine.kind} image inspect ${image} failed: ${outputTail(r, 5)}`,
    );
  const line = r.stdout.trim();
  const split = line.indexOf(' ');
  const id = (JSON.parse(line.slice(0, split)) as string).replace(/^sha256:/, '');
  const raw = (JSON.parse(line.slice(split + 1)) ?? {}) as {
    WorkingDir?: string;
    Env?: string[] | null;
    User?: string;
  };
  const env: Record<string, string> = {};
  for (const pair of raw.Env ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { id, config: { workdir: raw.WorkingDir || '/', env, user: raw.User ?? '' } };
}

/** `<engine> export` of a stopped container of the image, piped into `tar -x` (nothing held in memory). */
function exportInto(engine: ContainerEngine, container: string, dir: string, timeoutSec: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const exporter = spawn(engine.argv[0]!, [...engine.argv.slice(1), 'export', container], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dir, '--numeric-owner', '-p'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    exporter.stdout.pipe(tar.stdin);
    let errors = '';
    exporter.stderr.on('data', (c: Buffer) => (errors = `${errors}${c}`.slice(-2000)));
    tar.stderr.on('data', (c: Buffer) => (errors = `${errors}${c}`.slice(-2000)));
    const stop = () => {
      exporter.kill('SIGKILL');
      tar.kill('SIGKILL');
    };
    const timer = setTimeout(stop, timeoutSec * 1000);
    signal?.addEventListener('abort', stop, { once: true });
    let exportCode: number | null = null;
    exporter.on('exit', (code) => (exportCode = code));
    exporter.on('error', (e) => reject(e));
    tar.on('error', (e) => reject(e));
    tar.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      const finish = () =>
        code === 0 && exportCode === 0
          ? resolve()
          : reject(
              new ContainerEngineError(
                'EnvironmentBuildError',
                `unpacking the image root failed (${engine.kind} export exit ${exportCode}, tar exit ${code}${signal?.aborted ? ', interrupted' : ''}): ${errors.trim().slice(-500)}`,
              ),
            );
      if (exporter.exitCode !== null || exporter.signalCode !== null) finish();
      else exporter.once('exit', finish);
    });
  });
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

/** The files an exporter leaves empty (the engine bind-mounts them in a container): given usable content. */
function fillRuntimeFiles(rootfs: string): void {
  const fill = (rel: string, content: string) => {
    const file = join(rootfs, rel);
    try {
      const st = lstatSync(file);
      if (!st.isFile() || st.size > 0) return; // the image's own content (or a link) stays
    } catch {
      if (!existsSync(join(rootfs, 'etc')) || !lstatSync(join(rootfs, 'etc')).isDirectory()) return;
    }
    writeFileSync(file, content);
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

async function unpack(
  engine: ContainerEngine,
  image: string,
  id: string,
  config: ImageConfig,
  tmp: string,
  options: RootOptions,
): Promise<void> {
  const started = Date.now();
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
  fillRuntimeFiles(rootfs);
  chmodSync(rootfs, 0o755); // tar leaves the extraction directory as mkdir made it; a root is 0755
  const meta: RootMeta = {
    format: FORMAT,
    image,
    imageId: id,
    engine: engine.kind,
    config,
    sizeBytes: diskUse(rootfs),
    unpackedAt: new Date().toISOString(),
    unpackMs: Date.now() - started,
  };
  writeFileSync(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  mkdirSync(join(tmp, 'users'));
  writeFileSync(join(tmp, 'last-used'), '');
}

interface RootOptions {
  timeoutSec: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Unpacks in flight in this process, by key: concurrent trials of one image share one unpack. */
const unpacking = new Map<string, Promise<void>>();

/** Takes a marker on an unpacked root (under the lock); false when it is not (or no longer) there. */
function hold(dir: string, marker: string): boolean {
  if (!readMeta(dir)) return false;
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
  const { id, config } = await inspect(engine, image);
  const key = `${FORMAT}-${id.slice(0, 24)}`;
  const dir = join(cache, key);
  const marker = `${SELF}.${randomUUID().slice(0, 8)}`;
  let fresh = false;
  let unpackMs = 0;
  while (!withLock(cache, () => hold(dir, marker))) {
    const inFlight = unpacking.get(key);
    if (inFlight) {
      await inFlight;
      continue;
    }
    const tmp = join(cache, `.tmp-${SELF}.${key}-${randomUUID().slice(0, 8)}`);
    const work = (async () => {
      try {
        await unpack(engine, image, id, config, tmp, options);
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
  const root = heldRoot(dir, key, marker, fresh, unpackMs);
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
  const marker = `${SELF}.${randomUUID().slice(0, 8)}`;
  if (!existsSync(dir) || !withLock(cache, () => hold(dir, marker))) return undefined;
  return heldRoot(dir, key, marker, false, 0);
}

function heldRoot(dir: string, key: string, marker: string, fresh: boolean, unpackMs: number): ImageRoot {
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
    rootfs: join(dir, 'rootfs'),
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
