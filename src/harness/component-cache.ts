// Compiled component code, cached by the content of the files it was bundled from, in memory and on
// disk (<AHE_CACHE_DIR or os tmpdir>/ahe/components/<hash>.js). A job loads the same harness for
// every trial, often from a fresh copy or a fresh process: neither recompiles. Keys use paths
// relative to the harness directory, so two copies of one harness share entries.
// The disk cache is an optimisation only: any problem with it falls back to compiling.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The version from esbuild's package.json, not from its module: a cache hit then never loads esbuild.
const esbuildVersion = (createRequire(import.meta.url)('esbuild/package.json') as { version: string }).version;

/** Bump when the compile options change, so old cached bundles are not served. */
const COMPILE_FORMAT = `ahe-components-2/esbuild-${esbuildVersion}`;

const bundles = new Map<string, string>();
/** entry key → the harness-relative files its last bundle was built from. */
const inputsByEntry = new Map<string, string[]>();
const stats = { hits: 0, diskHits: 0, misses: 0 };

export interface ComponentCacheStats {
  /** Loads served without compiling (from memory or disk). */
  hits: number;
  /** The part of `hits` served from the disk cache. */
  diskHits: number;
  /** Loads that had to compile. */
  misses: number;
  /** Bundles held in memory. */
  entries: number;
}

export function componentCacheStats(): ComponentCacheStats {
  return { ...stats, entries: bundles.size };
}

/** Forgets the in-memory cache (the disk cache stays), as a new process would. */
export function clearComponentMemoryCache(): void {
  bundles.clear();
  inputsByEntry.clear();
}

export function componentCacheDir(): string {
  return join(process.env.AHE_CACHE_DIR || tmpdir(), 'ahe', 'components');
}

function sha256(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Identifies an entry file by its relative path and content (its imports may still differ). */
function entryKey(harnessDir: string, entry: string): string | undefined {
  try {
    return sha256(COMPILE_FORMAT, 'entry', entry, readFileSync(join(harnessDir, entry)));
  } catch {
    return undefined; // unreadable: the compiler will say why
  }
}

/** The cache key of a bundle: every input's relative path and content; undefined if one is gone. */
function bundleKey(harnessDir: string, inputs: readonly string[]): string | undefined {
  try {
    return sha256(COMPILE_FORMAT, ...inputs.flatMap((f) => [f, readFileSync(join(harnessDir, f))]));
  } catch {
    return undefined;
  }
}

/** Only a cache directory owned by this user is trusted: a shared tmpdir must not inject code. */
function trustedDir(): string | undefined {
  try {
    const dir = componentCacheDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const owner = statSync(dir).uid;
    return process.getuid === undefined || owner === process.getuid() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** A file of the trusted cache directory (undefined when missing, unreadable or the directory is not ours). */
export function readDisk(name: string): string | undefined {
  const dir = trustedDir();
  if (!dir) return undefined;
  try {
    return readFileSync(join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

/** Writes a file of the trusted cache directory atomically; any failure only means it is not kept. */
export function writeDisk(name: string, text: string): void {
  const dir = trustedDir();
  if (!dir) return;
  try {
    const temp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, join(dir, name));
  } catch {
    // a read-only or full disk only costs a recompile next time
  }
}

/** Cached bundle of `entry` (harness-relative) if all of its inputs are unchanged. */
export function lookupComponent(harnessDir: string, entry: string): string | undefined {
  const key = entryKey(harnessDir, entry);
  if (!key) return undefined;
  let inputs = inputsByEntry.get(key);
  if (!inputs) {
    const listed = readDisk(`${key}.inputs.json`);
    try {
      inputs = listed ? (JSON.parse(listed) as string[]) : undefined;
    } catch {
      inputs = undefined;
    }
  }
  const bundle = inputs && bundleKey(harnessDir, inputs);
  if (!inputs || !bundle) return undefined;
  let code = bundles.get(bundle);
  if (code === undefined) {
    code = readDisk(`${bundle}.js`);
    if (code === undefined) return undefined;
    stats.diskHits += 1;
    bundles.set(bundle, code);
  }
  inputsByEntry.set(key, inputs);
  stats.hits += 1;
  return code;
}

/** Records a fresh compile of `entry` from `inputs` (harness-relative paths). */
export function storeComponent(harnessDir: string, entry: string, inputs: readonly string[], code: string): void {
  stats.misses += 1;
  const bundle = bundleKey(harnessDir, inputs);
  const key = entryKey(harnessDir, entry);
  if (!bundle || !key) return;
  bundles.set(bundle, code);
  inputsByEntry.set(key, [...inputs]);
  writeDisk(`${bundle}.js`, code);
  writeDisk(`${key}.inputs.json`, JSON.stringify(inputs));
}
