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
    : 'docker is not installed: `sudo apt-get install -y docker.io` (Debian/Ubuntu) or see https://docs.docker.com/engine/install/ (or use --backend podman); see docs/sandboxes.md';
}

/**
 * The arguments of `rm` that remove containers at once, running or not. Podman's `rm -f` first
 * stops a container with SIGTERM and waits 10 s (pid 1 `sleep` ignores it), so it gets `-t 0`;
 * Docker's `rm -f` kills with SIGKILL at once and has no `-t` (it refuses the whole command).
 */
export function removeArgs(engine: ContainerEngine, ids: string[]): string[] {
  return engine.kind === 'podman' ? ['rm', '-f', '-t', '0', ...ids] : ['rm', '-f', ...ids];
}

const bridgeless = new Map<string, Promise<boolean>>();

/**
 * True for a Docker daemon without its default `bridge` network (`dockerd --bridge=none`, as where
 * iptables cannot be used): its containers and builds have no network unless they share the host's.
 */
function withoutBridge(engine: ContainerEngine): Promise<boolean> {
  if (engine.kind !== 'docker') return Promise.resolve(false);
  const key = engine.argv.join(' ');
  let known = bridgeless.get(key);
  if (!known) {
    known = runEngine(engine, ['network', 'inspect', '--format', '{{.Name}}', 'bridge'], { timeoutSec: 30 }).then(
      (r) => r.exitCode !== 0 && /not found|no such network/i.test(`${r.stderr}${r.stdout}`),
    );
    bridgeless.set(key, known);
  }
  return known;
}

/**
 * The network flags of `run`: none unless the task allows internet; then the engine's default
 * network, or the host's on a Docker daemon started with `--bridge=none` (the only way out there).
 */
export async function runNetworkArgs(engine: ContainerEngine, allowInternet: boolean | undefined): Promise<string[]> {
  if (!allowInternet) return ['--network', 'none'];
  return (await withoutBridge(engine)) ? ['--network', 'host'] : [];
}

/** The network flags of `build`: the host's on a Docker daemon without a bridge (else RUN steps are offline). */
export async function buildNetworkArgs(engine: ContainerEngine): Promise<string[]> {
  return (await withoutBridge(engine)) ? ['--network', 'host'] : [];
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
            ? 'the Docker daemon is not running or not reachable: start it (`sudo systemctl start docker`; without systemd, as root: `dockerd --iptables=false --ip6tables=false --bridge=none &`, which `npm run test:containers` does), check DOCKER_HOST, or use --backend podman'
            : `podman does not work here (${engine.argv.join(' ')} info failed); as root on Debian without systemd set AHE_PODMAN_FLAGS="--runtime /usr/sbin/runc --cgroup-manager=cgroupfs" and write /etc/containers/containers.conf with [containers] default_ulimits = [] (npm run test:containers does both)`;
        throw new ContainerEngineError('ContainerEngineDownError', `${daemon}\n${why}`);
      }
    })();
    checked.set(key, pending);
    pending.catch(() => checked.delete(key));
  }
  return pending;
}
