// The container engine (podman or docker) as a command line: which one, with which global flags,
// and whether it works here. Every engine call goes through the shared process runner (time limits,
// group kill, output caps). Errors name what to do: install the engine, start its daemon, ...
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors.ts';
import { runProcess } from './run-process.ts';
import type { ExecOptions, ExecResult } from './types.ts';

export type EngineKind = 'podman' | 'docker';

export interface ContainerEngine {
  kind: EngineKind;
  /** The engine's argv prefix: the binary and its global flags (e.g. `--runtime /usr/sbin/runc`). */
  argv: string[];
}

/** A container engine problem a user can act on; `type` is the trial's exception type. */
export class ContainerEngineError extends UserError {
  constructor(
    readonly type:
      | 'ContainerEngineMissingError'
      | 'ContainerEngineDownError'
      | 'EnvironmentBuildError'
      | 'EnvironmentBuildTimeoutError'
      | 'ImagePullError'
      | 'ContainerStartError',
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));
}

/**
 * Global flags of the engine: `AHE_PODMAN_FLAGS` / `AHE_DOCKER_FLAGS` when set (split on spaces);
 * for rootful podman where `/usr/sbin/runc` exists and no flags are set, `--runtime /usr/sbin/runc
 * --cgroup-manager=cgroupfs` (Debian's podman without systemd, as on our CI machines) and overlay's
 * `redirect_dir=on` (without it, renaming a directory that came from the image fails with EXDEV).
 */
export const ROOTFUL_PODMAN_FLAGS = [
  '--runtime',
  '/usr/sbin/runc',
  '--cgroup-manager=cgroupfs',
  '--storage-opt',
  'overlay.mountopt=nodev,redirect_dir=on',
] as const;

export function engineFlags(kind: EngineKind, env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = env[kind === 'podman' ? 'AHE_PODMAN_FLAGS' : 'AHE_DOCKER_FLAGS'];
  if (configured !== undefined) return configured.split(/\s+/).filter(Boolean);
  if (kind === 'podman' && process.getuid?.() === 0 && existsSync('/usr/sbin/runc')) return [...ROOTFUL_PODMAN_FLAGS];
  return [];
}

export function installHint(kind: EngineKind): string {
  return kind === 'podman'
    ? 'podman is not installed: `sudo apt-get install -y podman runc` (Debian/Ubuntu) or `sudo dnf install podman`; see docs/sandboxes.md'
    : 'docker is not installed: see https://docs.docker.com/engine/install/ (or use --backend podman)';
}

export function containerEngine(kind: EngineKind, env: NodeJS.ProcessEnv = process.env): ContainerEngine {
  return { kind, argv: [kind, ...engineFlags(kind, env)] };
}

/** Runs `<engine> <args>`; a failing command is a value. */
export function runEngine(engine: ContainerEngine, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  return runProcess(
    { argv: [...engine.argv, ...args], env: process.env },
    { timeoutSec: 120, maxOutputBytes: 4 * 1024 * 1024, ...options },
  );
}

/** The last lines of an engine's output, for error messages. */
export function outputTail(result: ExecResult, lines = 15): string {
  return `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-lines).join('\n');
}

const checked = new Map<string, Promise<void>>();

/** Throws a ContainerEngineError naming what to do unless the engine answers (`version`/`info`). Checked once per process. */
export function checkEngine(engine: ContainerEngine): Promise<void> {
  const key = engine.argv.join(' ');
  let pending = checked.get(key);
  if (!pending) {
    pending = (async () => {
      if (!onPath(engine.kind)) throw new ContainerEngineError('ContainerEngineMissingError', installHint(engine.kind));
      const info = await runEngine(engine, ['info', '--format', '{{json .}}'], { timeoutSec: 30 });
      if (info.exitCode !== 0) {
        // stdout may hold a half-filled JSON (docker's client part); the reason is on stderr.
        const why = info.stderr.trim().split('\n').slice(-5).join('\n') || outputTail(info, 5);
        const daemon =
          engine.kind === 'docker'
            ? 'the Docker daemon is not running or not reachable (start it: `sudo systemctl start docker`, or check DOCKER_HOST), or use --backend podman'
            : `podman does not work here (${engine.argv.join(' ')} info failed); as root on Debian without systemd set AHE_PODMAN_FLAGS="--runtime /usr/sbin/runc --cgroup-manager=cgroupfs" and write /etc/containers/containers.conf with [containers] default_ulimits = [] (npm run test:containers does both)`;
        throw new ContainerEngineError('ContainerEngineDownError', `${daemon}\n${why}`);
      }
    })();
    checked.set(key, pending);
    pending.catch(() => checked.delete(key));
  }
  return pending;
}
