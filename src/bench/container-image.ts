// A task's image for the container backends: the prebuilt `docker_image` it names (used when this
// machine has it, pulled otherwise; when the pull fails, the task's environment/Dockerfile is the
// fallback, with a note), or its environment/Dockerfile built once per content hash of the build
// context (tag `ahe-env:<hash>`, reused by every later trial and run). The image's WORKDIR and ENV are
// read back with `inspect`, so the trial runs where the Dockerfile said. Engine differences (podman
// resolves no short names when pulling) are handled here, in `pullReference`.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashDirectory } from '../harness/content-hash.ts';
import {
  buildNetworkArgs,
  type ContainerEngine,
  ContainerEngineError,
  outputTail,
  runEngine,
} from '../sandbox/container-engine.ts';
import type { Task } from './task.ts';

export interface TaskImage {
  image: string;
  /** The image's WORKDIR ('/' when it sets none). */
  workdir: string;
  env: Record<string, string>;
  /** True when this call built or pulled it (false: found in the engine's store). */
  fresh: boolean;
  /** What the trial should know about how the image was obtained (a failed pull and its fallback). */
  notes: string[];
}

export interface ImageOptions {
  timeoutSec: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Hashes already rebuilt by this process after requestImageRebuild(). */
let rebuildAll = false;
const rebuilt = new Set<string>();
const pending = new Map<string, Promise<TaskImage>>();
/** `docker_image`s this process could not pull, and why: later trials build the Dockerfile without asking again. */
const unpullable = new Map<string, string>();

/** `--rebuild`: build every task image of this process once more, ignoring the cache. */
export function requestImageRebuild(): void {
  rebuildAll = true;
}

/** The content hash of a Dockerfile and its build context. */
export function buildContextHash(dockerfile: string, context: string): string {
  const hash = createHash('sha256').update('ahe-env-v2\0').update(readFileSync(dockerfile)).update('\0');
  // Executable bits count (COPY keeps them); the other bits depend on the checkout's umask.
  if (existsSync(context)) hash.update(hashDirectory(context, { modeBits: 0o111 }));
  return hash.digest('hex').slice(0, 16);
}

const PULL_FAILURE =
  /pull|initializing source|manifest unknown|no such host|dial tcp|connection refused|network is unreachable|lookup .* on|unable to find image|repository does not exist/i;

async function imageExists(engine: ContainerEngine, image: string): Promise<boolean> {
  return (
    (await runEngine(engine, ['image', 'inspect', '--format', '{{.Id}}', image], { timeoutSec: 60 })).exitCode === 0
  );
}

async function inspectImage(
  engine: ContainerEngine,
  image: string,
): Promise<{ workdir: string; env: Record<string, string> }> {
  const r = await runEngine(engine, ['image', 'inspect', '--format', '{{json .Config}}', image], { timeoutSec: 60 });
  if (r.exitCode !== 0)
    throw new ContainerEngineError(
      'ImagePullError',
      `${engine.kind} image inspect ${image} failed: ${outputTail(r, 5)}`,
    );
  const config = JSON.parse(r.stdout.trim() || '{}') as { WorkingDir?: string; Env?: string[] | null };
  const env: Record<string, string> = {};
  for (const pair of config.Env ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { workdir: config.WorkingDir || '/', env };
}

/**
 * The name to pull: docker resolves a short name (`alexgshaw/fix-git:20251031`) on Docker Hub; podman
 * refuses short names without `unqualified-search-registries`, so it is given Docker Hub's full name,
 * as Harbor's images live there. A local image is found by either engine under the short name.
 */
export function pullReference(kind: ContainerEngine['kind'], image: string): string {
  if (kind !== 'podman') return image;
  const first = image.split('/')[0]!;
  const qualified = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (qualified) return image;
  return image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`;
}

/** Pulls `image`; undefined when it came, else the reason it did not (the end of the engine's output). */
async function pullImage(engine: ContainerEngine, image: string, options: ImageOptions): Promise<string | undefined> {
  const reference = pullReference(engine.kind, image);
  options.log?.(`environment: pulling ${reference}`);
  const r = await runEngine(engine, ['pull', reference], { timeoutSec: options.timeoutSec, signal: options.signal });
  if (r.exitCode === 0) return undefined;
  return r.timedOut ? `the pull took longer than ${options.timeoutSec}s` : outputTail(r, 3) || `exit ${r.exitCode}`;
}

/** How to get an image onto a machine without internet, for error messages. */
export function imageMissingHint(kind: ContainerEngine['kind'], image: string): string {
  return (
    `on a machine with internet run \`docker pull ${image} && docker save -o image.tar ${image}\` ` +
    `(or podman pull/save), copy image.tar here and run \`${kind} load -i image.tar\`; ` +
    "or remove docker_image from task.toml so the task's environment/Dockerfile is built here"
  );
}

async function buildImage(engine: ContainerEngine, task: Task, tag: string, options: ImageOptions): Promise<void> {
  const { dockerfile, buildContext } = task.environment;
  options.log?.(`environment: building ${tag} from ${dockerfile}`);
  const r = await runEngine(
    engine,
    [
      'build',
      // A failed build leaves its intermediate container behind otherwise (docker's classic builder).
      '--force-rm',
      ...(await buildNetworkArgs(engine)),
      '-t',
      tag,
      '-f',
      dockerfile!,
      '--label',
      `ahe.task=${task.name}`,
      buildContext ?? join(dockerfile!, '..'),
    ],
    {
      timeoutSec: options.timeoutSec,
      signal: options.signal,
      maxOutputBytes: 1024 * 1024,
    },
  );
  if (r.timedOut)
    throw new ContainerEngineError(
      'EnvironmentBuildTimeoutError',
      `building ${task.name}'s environment/Dockerfile took longer than ${options.timeoutSec}s (build_timeout_sec; --timeout-multiplier scales it)`,
    );
  if (r.exitCode === 0) return;
  const tail = outputTail(r);
  const from = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/im.exec(readFileSync(dockerfile!, 'utf8'))?.[1];
  if (from && PULL_FAILURE.test(tail) && !(await imageExists(engine, from))) {
    throw new ContainerEngineError(
      'ImagePullError',
      `the base image ${from} of ${task.name}'s Dockerfile is not on this machine and cannot be pulled (offline?): load it with \`${engine.kind} load -i FILE\`, or tag a local image as ${from} (npm run test:containers tags ahe-base:local so).\n${tail}`,
    );
  }
  throw new ContainerEngineError(
    'EnvironmentBuildError',
    `${engine.kind} build of ${task.name}'s environment/Dockerfile failed (exit ${r.exitCode}); fix the Dockerfile or the build context:\n${tail}`,
  );
}

/** The task's Dockerfile, built into `ahe-env:<hash>` unless the engine has it (or `--rebuild` asks again). */
async function dockerfileImage(
  engine: ContainerEngine,
  task: Task,
  options: ImageOptions,
  notes: string[],
): Promise<TaskImage> {
  const { dockerfile, buildContext } = task.environment;
  const image = `ahe-env:${buildContextHash(dockerfile!, buildContext ?? join(dockerfile!, '..'))}`;
  const force = rebuildAll && !rebuilt.has(image);
  let fresh = false;
  if (force || !(await imageExists(engine, image))) {
    await buildImage(engine, task, image, options);
    rebuilt.add(image);
    fresh = true;
  } else options.log?.(`environment: image ${image} (cached)`);
  return { image, fresh, notes, ...(await inspectImage(engine, image)) };
}

/**
 * The task's `docker_image`: used when the engine has it, pulled otherwise. When the pull fails, the
 * task's environment/Dockerfile is built instead (with a note); without one, the error says how to
 * bring the image to this machine.
 */
async function prebuiltImage(
  engine: ContainerEngine,
  task: Task,
  image: string,
  hasDockerfile: boolean,
  options: ImageOptions,
): Promise<TaskImage> {
  let failed = unpullable.get(image);
  if (failed === undefined) {
    if (await imageExists(engine, image)) {
      options.log?.(`environment: image ${image} (on this machine)`);
      return { image, fresh: false, notes: [], ...(await inspectImage(engine, image)) };
    }
    failed = await pullImage(engine, image, options);
    if (failed === undefined) return { image, fresh: true, notes: [], ...(await inspectImage(engine, image)) };
    if (options.signal?.aborted) throw new ContainerEngineError('ImagePullError', `pulling ${image} was interrupted`);
    unpullable.set(image, failed);
  }
  const reason = failed.split('\n').filter(Boolean).slice(-1)[0] ?? failed;
  if (!hasDockerfile)
    throw new ContainerEngineError(
      'ImagePullError',
      `${task.name}: the image ${image} (task.toml [environment] docker_image) is not on this machine and could not be pulled (${reason}). ` +
        `The task has no environment/Dockerfile to build instead: ${imageMissingHint(engine.kind, image)}.`,
    );
  const note = `the image ${image} (docker_image) is not on this machine and could not be pulled (${reason}); built from environment/Dockerfile instead, which may differ from the published image`;
  options.log?.(`note: ${note}`);
  try {
    return await dockerfileImage(engine, task, options, [note]);
  } catch (error) {
    // Neither way works offline: say both, and how to bring the task's own image here.
    if (error instanceof ContainerEngineError && error.type === 'ImagePullError')
      throw new ContainerEngineError(
        'ImagePullError',
        `${task.name}: the image ${image} (task.toml [environment] docker_image) is not on this machine and could not be pulled (${reason}), ` +
          `and its environment/Dockerfile cannot be built instead: ${error.message.split('\n')[0]}\n` +
          `To run the task's own image: ${imageMissingHint(engine.kind, image)}.`,
      );
    throw error;
  }
}

/** The image a trial of `task` runs in, pulled or built when missing (concurrent trials share one pull or build). */
export function ensureTaskImage(engine: ContainerEngine, task: Task, options: ImageOptions): Promise<TaskImage> {
  const { dockerfile, buildContext, dockerImage } = task.environment;
  const hasDockerfile = dockerfile !== undefined && existsSync(dockerfile);
  if (!hasDockerfile && !dockerImage)
    throw new ContainerEngineError(
      'EnvironmentBuildError',
      `${task.name} has neither environment/Dockerfile nor docker_image: a container backend needs one of them`,
    );
  // A prebuilt image is preferred when the task names one (as Harbor does); the Dockerfile is then its recipe.
  const key = dockerImage
    ? `image:${dockerImage}\0${hasDockerfile ? dockerfile : ''}`
    : `ahe-env:${buildContextHash(dockerfile!, buildContext ?? join(dockerfile!, '..'))}`;
  const inFlight = pending.get(key);
  if (inFlight) return inFlight;
  const work = dockerImage
    ? prebuiltImage(engine, task, dockerImage, hasDockerfile, options)
    : dockerfileImage(engine, task, options, []);
  pending.set(key, work);
  // Only the in-flight pull or build is shared; the next trial asks the engine again (cheap, and sees `rmi`).
  void work.finally(() => pending.delete(key)).catch(() => {});
  return work;
}
