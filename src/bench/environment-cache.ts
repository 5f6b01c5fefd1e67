// Prepared environments, cached per task like a container image is: the first trial of a task runs
// its Dockerfile, later trials (other attempts, the next evolve iteration) start from a copy of the
// result. The key is a hash of the build context, the task's environment settings and this file's
// format; a copy is only taken when everything the build wrote lives in the per-trial directories
// (a WORKDIR or files on the sandbox's private root would be lost, so such tasks are never cached).
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashDirectory } from '../harness/content-hash.ts';
import type { PreparedEnvironment } from './prepare-environment.ts';
import type { Task } from './task.ts';

const execFileAsync = promisify(execFile);

const FORMAT = 3;
/** The per-trial directories a build may write (tests and solution arrive later, never cached). */
export const CACHED_DIRS = ['app', 'tmp', 'root', 'logs'] as const;

export function environmentCacheRoot(): string {
  return join(process.env.AHE_CACHE_DIR || tmpdir(), 'ahe', 'environments');
}

/** The cache key of a task's environment, or undefined when it has nothing to build. */
export function environmentKey(task: Task, backend: string): string | undefined {
  const { dockerfile, buildContext } = task.environment;
  if (!dockerfile || !existsSync(dockerfile)) return undefined;
  const hash = createHash('sha256').update(`${FORMAT}\0${backend}\0`);
  hash.update(readFileSync(dockerfile)).update('\0');
  // Executable bits count: a COPY'd script run by the build behaves differently without them.
  if (buildContext && existsSync(buildContext)) hash.update(hashDirectory(buildContext, { modeBits: 0o111 }));
  hash.update(
    JSON.stringify({
      env: task.environment.env,
      workdir: task.environment.workdir ?? null,
      internet: task.environment.allowInternet,
    }),
  );
  return `${task.name.slice(0, 40)}-${hash.digest('hex').slice(0, 20)}`;
}

/** Runs `cp -a` without blocking the event loop (a synchronous copy stalls every other trial of the process). */
async function copyTree(from: string, to: string): Promise<void> {
  await execFileAsync('cp', ['-a', from, to], { maxBuffer: 1024 * 1024 });
}

/** Empties the workspace's cached directories (after a failed restore: nothing half-copied is built on). */
function wipe(workspace: string): void {
  for (const sub of CACHED_DIRS) {
    rmSync(join(workspace, sub), { recursive: true, force: true });
    mkdirSync(join(workspace, sub), { recursive: true });
  }
}

export interface RestoreOutcome {
  prepared?: PreparedEnvironment;
  /** Why an entry that exists could not be used (the workspace was wiped; the trial prepares afresh). */
  problem?: string;
}

/**
 * Fills a fresh trial workspace from the cache. A reader sees a whole entry or none: entries appear
 * by one rename of a complete directory, and prepared.json lists the directories it holds. A restore
 * that fails part-way wipes the workspace's cached directories, so the trial prepares from scratch.
 */
export async function restoreEnvironment(key: string, workspace: string): Promise<RestoreOutcome> {
  const dir = join(environmentCacheRoot(), key);
  const meta = join(dir, 'prepared.json');
  if (!existsSync(meta)) return {};
  try {
    const entry = JSON.parse(readFileSync(meta, 'utf8')) as CacheEntry;
    if (entry.format !== FORMAT || !Array.isArray(entry.dirs))
      throw new Error(`${meta} is not a format-${FORMAT} entry`);
    for (const sub of CACHED_DIRS) {
      mkdirSync(join(workspace, sub), { recursive: true });
      if (!entry.dirs.includes(sub)) continue;
      if (!existsSync(join(dir, 'fs', sub))) throw new Error(`${join(dir, 'fs', sub)} is missing`);
      // cp -a keeps modes, symlinks and timestamps (git checkouts, executables) exactly.
      await copyTree(`${join(dir, 'fs', sub)}/.`, join(workspace, sub));
    }
    return { prepared: entry.prepared };
  } catch (error) {
    wipe(workspace);
    return { problem: (error as Error).message.split('\n')[0]!.slice(0, 300) };
  }
}

interface CacheEntry {
  format: number;
  /** The cached directories this entry holds (each under fs/). */
  dirs: string[];
  prepared: PreparedEnvironment;
}

/**
 * Stores a trial's freshly prepared workspace, atomically: everything is written to a staging
 * directory of its own, then renamed into place in one step. When another process stored the same
 * key first, its entry stays and this copy is dropped.
 */
export async function saveEnvironment(key: string, workspace: string, prepared: PreparedEnvironment): Promise<void> {
  const root = environmentCacheRoot();
  const final = join(root, key);
  if (existsSync(final)) return;
  const staging = join(root, `.staging-${key}-${randomUUID()}`);
  try {
    mkdirSync(join(staging, 'fs'), { recursive: true });
    const dirs = CACHED_DIRS.filter((sub) => existsSync(join(workspace, sub)));
    for (const sub of dirs) await copyTree(join(workspace, sub), join(staging, 'fs', sub));
    writeFileSync(
      join(staging, 'prepared.json'),
      JSON.stringify({ format: FORMAT, dirs, prepared } satisfies CacheEntry),
    );
    renameSync(staging, final);
  } catch {
    // another process stored it first (ENOTEMPTY), or the disk is full: the cache is an optimisation only
    rmSync(staging, { recursive: true, force: true });
  }
}
