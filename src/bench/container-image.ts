// A task's image for the container backends: its environment/Dockerfile built once per content hash
// of the build context (tag `ahe-env:<hash>`, reused by every later trial and run), or the prebuilt
// `docker_image` it names (pulled when missing). The image's WORKDIR and ENV are read back with
// `inspect`, so the trial runs where the Dockerfile said.
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

async function pullImage(engine: ContainerEngine, image: string, options: ImageOptions): Promise<void> {
  options.log?.(`environment: pulling ${image}`);
  const r = await runEngine(engine, ['pull', image], { timeoutSec: options.timeoutSec, signal: options.signal });
  if (r.exitCode !== 0) {
    throw new ContainerEngineError(
      'ImagePullError',
      `the image ${image} is not on this machine and cannot be pulled (offline, or no such image): load it with \`${engine.kind} load -i FILE\` or tag a local image with that name.\n${outputTail(r, 5)}`,
    );
  }
}

async function buildImage(engine: ContainerEngine, task: Task, tag: string, options: ImageOptions): Promise<void> {
  const { dockerfile, buildContext } = task.environment;
  options.log?.(`environment: building ${tag} from ${dockerfile}`);
  const r = await runEngine(
    engine,
    [
      'build',
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

/** The image a trial of `task` runs in, built or pulled when missing (concurrent trials share one build). */
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
    ? `image:${dockerImage}`
    : `ahe-env:${buildContextHash(dockerfile!, buildContext ?? join(dockerfile!, '..'))}`;
  const inFlight = pending.get(key);
  if (inFlight) return inFlight;
  const work = (async (): Promise<TaskImage> => {
    const image = dockerImage ?? key;
    const force = rebuildAll && !dockerImage && !rebuilt.has(key);
    let fresh = false;
    if (force || !(await imageExists(engine, image))) {
      if (dockerImage) await pullImage(engine, dockerImage, options);
      else await buildImage(engine, task, image, options);
      rebuilt.add(key);
      fresh = true;
    } else options.log?.(`environment: image ${image} (cached)`);
    return { image, fresh, ...(await inspectImage(engine, image)) };
  })();
  pending.set(key, work);
  // Only the in-flight build is shared; the next trial asks the engine again (cheap, and sees `rmi`).
  void work.finally(() => pending.delete(key)).catch(() => {});
  return work;
}
