// Prepared environments, cached per task like a container image is: the first trial of a task runs
// its Dockerfile, later trials (other attempts, the next evolve iteration) start from a copy of the
// result. The key is a hash of the build context, the task's environment settings and this file's
// format; a copy is only taken when everything the build wrote lives in the per-trial directories
// (a WORKDIR or files on the sandbox's private root would be lost, so such tasks are never cached).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { PreparedEnvironment } from './prepare-environment.ts';
import type { Task } from './task.ts';

const FORMAT = 1;
/** The per-trial directories a build may write (tests and solution arrive later, never cached). */
export const CACHED_DIRS = ['app', 'tmp', 'root', 'logs'] as const;

export function environmentCacheRoot(): string {
  return join(process.env.AHE_CACHE_DIR || tmpdir(), 'ahe', 'environments');
}

function hashDir(hash: ReturnType<typeof createHash>, dir: string, root = dir): void {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const stat = statSync(full);
    if (stat.isDirectory()) hashDir(hash, full, root);
    else if (stat.isFile()) hash.update(relative(root, full)).update('\0').update(String(stat.mode & 0o111)).update(readFileSync(full)).update('\0');
  }
}

/** The cache key of a task's environment, or undefined when it has nothing to build. */
export function environmentKey(task: Task, backend: string): string | undefined {
  const { dockerfile, buildContext } = task.environment;
  if (!dockerfile || !existsSync(dockerfile)) return undefined;
  const hash = createHash('sha256').update(`${FORMAT}\0${backend}\0`);
  hash.update(readFileSync(dockerfile));
  if (buildContext && existsSync(buildContext)) hashDir(hash, buildContext);
  hash.update(JSON.stringify({ env: task.environment.env, workdir: task.environment.workdir ?? null, internet: task.environment.allowInternet }));
  return `${task.name.slice(0, 40)}-${hash.digest('hex').slice(0, 20)}`;
}

/** Fills a fresh trial workspace from the cache; returns the prepared environment, or undefined on a miss. */
export function restoreEnvironment(key: string, workspace: string): PreparedEnvironment | undefined {
  const dir = join(environmentCacheRoot(), key);
  const meta = join(dir, 'prepared.json');
  if (!existsSync(meta)) return undefined;
  try {
    const prepared = JSON.parse(readFileSync(meta, 'utf8')) as PreparedEnvironment;
    for (const sub of CACHED_DIRS) {
      mkdirSync(join(workspace, sub), { recursive: true });
      // cp -a keeps modes, symlinks and timestamps (git checkouts, executables) exactly.
      if (existsSync(join(dir, 'fs', sub))) execFileSync('cp', ['-a', `${join(dir, 'fs', sub)}/.`, join(workspace, sub)]);
    }
    return prepared;
  } catch {
    return undefined;
  }
}

/** Stores a trial's freshly prepared workspace (atomically: a half-written entry is never used). */
export function saveEnvironment(key: string, workspace: string, prepared: PreparedEnvironment): void {
  const root = environmentCacheRoot();
  const final = join(root, key);
  if (existsSync(final)) return;
  const staging = join(root, `.${key}-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(join(staging, 'fs'), { recursive: true });
    for (const sub of CACHED_DIRS) if (existsSync(join(workspace, sub))) execFileSync('cp', ['-a', join(workspace, sub), join(staging, 'fs', sub)]);
    writeFileSync(join(staging, 'prepared.json'), JSON.stringify(prepared));
    renameSync(staging, final);
  } catch {
    // another trial stored it first, or the disk is full: the cache is an optimisation only
    rmSync(staging, { recursive: true, force: true });
  }
}
