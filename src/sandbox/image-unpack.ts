// Unpacking a container image into the image-root cache (image-root-cache.ts). When the engine stores
// the image as overlay layers (docker's overlay2, rootful podman's overlay), each layer is copied once
// into the cache, keyed by its chain of content digests, so images built on one base share it;
// otherwise the engine exports the image's flattened root (`create` + `export`). Either way the root is
// prepared in a temporary directory the caller renames into place (image-root.ts).

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
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ContainerEngine, ContainerEngineError, outputTail, runEngine } from './container-engine.ts';
import { CONTAINER_LABEL } from './container-sandbox.ts';
import { lookupInLayers, makeDirsLike } from './image-layers.ts';
import { FORMAT, LAYERS, layerSize, lowerDirsOf, type RootMeta, withLock } from './image-root-cache.ts';
import { SELF_OWNER } from './process-owner.ts';
import { runProcess } from './run-process.ts';

const execFileAsync = promisify(execFile);

/** What the image's config says about how its processes run. */
export interface ImageConfig {
  /** WORKDIR ('/' when unset). */
  workdir: string;
  env: Record<string, string>;
  /** USER as written in the image ('' when unset: root). */
  user: string;
}

export interface Inspected {
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

export async function inspect(engine: ContainerEngine, image: string): Promise<Inspected> {
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

/** Prepares a root in `tmp`: the image's layers (shared, in the cache) under a layer of ahe's own, or its exported root. */
export async function unpack(
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

export interface RootOptions {
  timeoutSec: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}
