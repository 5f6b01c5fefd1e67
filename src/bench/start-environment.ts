// The environment phase of a trial: a sandbox with the task's environment in it — the task's image on
// the container backends, its Dockerfile executed in a bwrap sandbox (or a cached copy of an earlier
// trial's) otherwise.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { InterruptedError } from '../errors.ts';
import { createBwrapSandbox, createStageSandbox, sandboxRootEntries } from '../sandbox/bwrap-sandbox.ts';
import { ContainerEngineError, checkEngine, containerEngine } from '../sandbox/container-engine.ts';
import { createContainerSandbox } from '../sandbox/container-sandbox.ts';
import { imageEngine } from '../sandbox/image-engine.ts';
import { acquireImageRoot, formatBytes, holdCachedRoot } from '../sandbox/image-root.ts';
import { createImageSandbox } from '../sandbox/image-sandbox.ts';
import type { Sandbox } from '../sandbox/types.ts';
import { buildContextHash, ensureTaskImage, type TaskImage } from './container-image.ts';
import { CACHED_DIRS, environmentKey, restoreEnvironment, saveEnvironment } from './environment-cache.ts';
import {
  EnvironmentError,
  environmentWorkdir,
  type PreparedEnvironment,
  prepareEnvironment,
} from './prepare-environment.ts';
import { environmentSystemWrites } from './system-writes.ts';
import type { Task } from './task.ts';
import { now, span, type TrialContext, type TrialEnvironment, type TrialResources } from './trial-context.ts';

/**
 * The environment phase: a sandbox with the task's environment in it. Undefined when it failed (the
 * trial's exception says why); a sandbox made before the failure is in `resources`, closed at teardown.
 */
export async function startEnvironment(
  ctx: TrialContext,
  resources: TrialResources,
): Promise<TrialEnvironment | undefined> {
  const { backend } = ctx.options;
  ctx.result.environment_setup = span();
  ctx.log(`environment: ${backend} sandbox in ${resources.workspace}`);
  let prepared: PreparedEnvironment | undefined;
  try {
    prepared =
      backend === 'podman' || backend === 'docker'
        ? await startContainer(ctx, resources, backend)
        : backend === 'image'
          ? await startImage(ctx, resources)
          : await startBwrap(ctx, resources);
    if (prepared.notes.length) ctx.result.ahe.environment_notes = prepared.notes;
  } catch (error) {
    if (ctx.interrupted()) throw new InterruptedError(ctx.name);
    if (error instanceof EnvironmentError || error instanceof ContainerEngineError) ctx.fail(error.type, error.message);
    else ctx.fail('EnvironmentStartError', (error as Error).message, (error as Error).stack ?? '');
  }
  ctx.result.environment_setup.finished_at = now();
  if (!resources.sandbox || !prepared || ctx.result.exception_info) return undefined;
  return { sandbox: resources.sandbox, env: prepared.env };
}

/** The environment is the task's image: WORKDIR and ENV come from it, nothing is prepared here. */
async function startContainer(
  ctx: TrialContext,
  resources: TrialResources,
  backend: 'podman' | 'docker',
): Promise<PreparedEnvironment> {
  const { task } = ctx;
  const engine = containerEngine(backend);
  await checkEngine(engine);
  const image = await ensureTaskImage(engine, task, {
    timeoutSec: ctx.timeouts.buildSec,
    log: ctx.log,
    signal: ctx.options.signal,
  });
  const workdir = task.environment.workdir ?? image.workdir;
  ctx.log(`environment: ${backend} container of ${image.image} (workdir ${workdir})`);
  resources.sandbox = await createContainerSandbox({
    engine,
    image: image.image,
    trialName: ctx.name,
    allowInternet: task.environment.allowInternet,
    cpus: task.environment.cpus,
    memoryMb: task.environment.memoryMb,
    pidsMax: ctx.options.pidsMax ?? 4096,
    workdir,
  });
  return { workdir, env: { ...image.env, ...task.environment.env }, notes: image.notes };
}

/** Per process: the image and cached root each task environment resolved to (imageMemoKey). */
const imageRoots = new Map<string, { image: TaskImage; rootKey: string; engine: string }>();

/** What names a task's image without asking the engine: its `docker_image`, or its build context's hash. */
function imageMemoKey(task: Task): string | undefined {
  const { dockerImage, dockerfile, buildContext } = task.environment;
  if (dockerImage) return `image:${dockerImage}`;
  if (!dockerfile || !existsSync(dockerfile)) return undefined;
  return `build:${buildContextHash(dockerfile, buildContext ?? dirname(dockerfile))}`;
}

/**
 * The task's image (built or pulled once by the engine), its root unpacked once into the image-root
 * cache, under a bwrap sandbox with a per-trial copy-on-write layer: the image's WORKDIR, ENV and USER.
 */
async function startImage(ctx: TrialContext, resources: TrialResources): Promise<PreparedEnvironment> {
  const { task } = ctx;
  // Later trials of the image in this process ask the engine nothing: its root is all they need.
  const key = imageMemoKey(task);
  const known = key ? imageRoots.get(key) : undefined;
  let root = known && holdCachedRoot(known.rootKey);
  let image = known?.image;
  let engineKind = known?.engine;
  if (!root || !image) {
    const engine = await imageEngine();
    const opts = { timeoutSec: ctx.timeouts.buildSec, log: ctx.log, signal: ctx.options.signal };
    image = await ensureTaskImage(engine, task, opts);
    root = await acquireImageRoot(engine, image.image, opts);
    engineKind = engine.kind;
    if (key) imageRoots.set(key, { image, rootKey: root.key, engine: engine.kind });
  }
  const workdir = task.environment.workdir ?? image.workdir;
  ctx.log(
    `environment: ${image.image} (${engineKind}) root ${root.key} ${root.fresh ? `unpacked in ${(root.unpackMs / 1000).toFixed(1)}s` : 'cached'} (${formatBytes(root.sizeBytes)}); workdir ${workdir}${root.config.user ? `, user ${root.config.user}` : ''}`,
  );
  const env = { ...image.env, ...task.environment.env };
  try {
    resources.sandbox = await createImageSandbox({
      lowerDirs: root.lowerDirs,
      trialDir: resources.workspace,
      workdir,
      user: root.config.user,
      allowInternet: task.environment.allowInternet,
      env,
      memoryMb: task.environment.memoryMb,
      pidsMax: ctx.options.pidsMax ?? 4096,
      onClose: root.release,
    });
  } catch (error) {
    root.release();
    throw error;
  }
  return { workdir, env, notes: image.notes };
}

/** A bwrap sandbox with the task's Dockerfile executed in it, or a cached copy of an earlier trial's. */
async function startBwrap(ctx: TrialContext, resources: TrialResources): Promise<PreparedEnvironment> {
  const { task, log } = ctx;
  const workdir = environmentWorkdir(task);
  // Installs into /usr/local or /opt go to per-trial layers, which the environment cache does not hold.
  const writableSystemDirs = await environmentSystemWrites(task);
  const cacheKey =
    ctx.options.environmentCache === false || writableSystemDirs.length
      ? undefined
      : environmentKey(task, ctx.options.backend);
  const restored = cacheKey ? await restoreEnvironment(cacheKey, resources.workspace) : {};
  if (restored.problem)
    log(`environment: the cached copy (${cacheKey}) could not be restored, preparing afresh: ${restored.problem}`);
  const sandbox = await createBwrapSandbox({
    trialDir: resources.workspace,
    allowInternet: task.environment.allowInternet,
    memoryMb: task.environment.memoryMb,
    pidsMax: ctx.options.pidsMax ?? 4096,
    workdir,
    writableSystemDirs,
  });
  resources.sandbox = sandbox;
  const cached = restored.prepared;
  if (cached) {
    for (const note of cached.notes) log(`note: ${note}`);
    log(`environment: restored from the cache (${cacheKey})`);
    return cached;
  }
  const prepared = await prepareEnvironment(sandbox, task, {
    log,
    timeoutSec: ctx.timeouts.buildSec,
    signal: ctx.options.signal,
    writableSystemDirs,
    openStageSandbox: (stageWritable) =>
      createStageSandbox({
        allowInternet: task.environment.allowInternet,
        memoryMb: task.environment.memoryMb,
        pidsMax: ctx.options.pidsMax ?? 4096,
        writableSystemDirs: stageWritable,
      }),
  });
  if (cacheKey && (await buildStayedInTrialDirs(sandbox, workdir)))
    await saveEnvironment(cacheKey, resources.workspace, prepared);
  return prepared;
}

/** True when the build wrote nothing on the sandbox's private root (so the trial directories hold all of it). */
async function buildStayedInTrialDirs(sandbox: Sandbox, workdir: string): Promise<boolean> {
  const r = await sandbox.exec('ls -A /', { timeoutSec: 30 });
  if (r.exitCode !== 0) return false;
  const expected = new Set(sandboxRootEntries(workdir));
  const outside = r.stdout.split('\n').filter((e) => e && !expected.has(e));
  // A WORKDIR outside the trial directories lives on that private root too.
  return outside.length === 0 && CACHED_DIRS.some((d) => workdir === `/${d}` || workdir.startsWith(`/${d}/`));
}
