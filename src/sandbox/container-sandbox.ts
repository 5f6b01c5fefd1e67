// The container sandbox: one long-lived container per trial (`run -d … sleep infinity`), labelled
// `ahe=1` so `ahe gc` finds leftovers, cut from the network unless allowed, with cpu, memory and
// process limits. Each command is an `exec` with the shared runner's time limit and output cap; on a
// timeout the command's whole session inside the container is killed too (killing the engine
// client alone would leave it running). The container is removed on close, and on process exit.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { UserError } from '../errors.ts';
import {
  type ContainerEngine,
  ContainerEngineError,
  outputTail,
  removeArgs,
  runEngine,
  runNetworkArgs,
} from './container-engine.ts';
import { killStraysScript, parseKillStrays, SandboxCleanupError } from './kill-strays.ts';
import { ownerAlive, SELF_OWNER } from './process-owner.ts';
import { reapedContainer } from './reaper.ts';
import { shellQuote } from './shell-quote.ts';
import { spawnProcess } from './spawn-process.ts';
import type { ExecOptions, ExecResult, Sandbox, SpawnOptions } from './types.ts';

export const CONTAINER_LABEL = 'ahe';

export interface ContainerSandboxOptions {
  engine: ContainerEngine;
  image: string;
  /** Recorded as the label `ahe.trial` (and in the container name), to find a trial's container. */
  trialName: string;
  allowInternet?: boolean;
  cpus?: number;
  memoryMb?: number;
  pidsMax?: number;
  /** Working directory of commands (default: the image's WORKDIR, else /). */
  workdir: string;
  /** Environment of every command, over the image's own ENV. */
  env?: Record<string, string>;
}

/**
 * Containers of this process not yet removed: removed synchronously if the process exits first, and
 * by the reaper (reaper.ts) if it is killed.
 */
const live = new Map<string, { engine: ContainerEngine; unreap: () => void }>();
let exitHookInstalled = false;
function untrack(id: string): void {
  live.get(id)?.unreap();
  live.delete(id);
}
function track(id: string, engine: ContainerEngine): void {
  live.set(id, { engine, unreap: reapedContainer(id, [...engine.argv, ...removeArgs(engine, [id])]) });
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [cid, { engine: eng }] of live) {
      try {
        execFileSync(eng.argv[0]!, [...eng.argv.slice(1), ...removeArgs(eng, [cid])], {
          stdio: 'ignore',
          timeout: 20_000,
        });
      } catch {
        // `ahe gc` removes what is left
      }
    }
  });
}

/** `run`'s arguments; `network`: the engine's network flags for the task (runNetworkArgs; default: none unless allowed). */
export function containerRunArgs(
  o: ContainerSandboxOptions,
  name: string,
  network: string[] = o.allowInternet ? [] : ['--network', 'none'],
): string[] {
  const args = [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    `${CONTAINER_LABEL}=1`,
    '--label',
    `${CONTAINER_LABEL}.trial=${o.trialName}`,
    '--label',
    `${CONTAINER_LABEL}.pid=${process.pid}`,
    '--label',
    `${CONTAINER_LABEL}.owner=${hostname()}/${SELF_OWNER}`,
  ];
  args.push(...network);
  if (o.cpus) args.push('--cpus', String(o.cpus));
  if (o.memoryMb) args.push('--memory', `${o.memoryMb}m`);
  args.push('--pids-limit', String(o.pidsMax ?? 4096), '--entrypoint', 'sleep', o.image, 'infinity');
  return args;
}

export async function createContainerSandbox(o: ContainerSandboxOptions): Promise<Sandbox> {
  const { engine } = o;
  const name = `ahe-${o.trialName.replace(/[^a-zA-Z0-9_.-]/g, '_').slice(0, 60)}-${randomUUID().slice(0, 8)}`;
  // Registered before it exists: a crash between `run` and its answer still removes it.
  track(name, engine);
  const network = await runNetworkArgs(engine, o.allowInternet);
  const started = await runEngine(engine, containerRunArgs(o, name, network), { timeoutSec: 120 });
  if (started.exitCode !== 0) {
    await runEngine(engine, removeArgs(engine, [name]), { timeoutSec: 60 });
    untrack(name);
    throw new ContainerEngineError(
      'ContainerStartError',
      `${engine.kind} run ${o.image} failed:\n${outputTail(started)}`,
    );
  }
  const workdir = o.workdir;
  // The workdir may be the task's, not the image's: it exists from the start, as Docker's WORKDIR does.
  // The same call lists the container's own processes (pid 1, and its child when the engine adds an
  // init): read before any command runs, they are the keepers killStrays spares, by pid, not by name.
  const made = await runEngine(
    engine,
    [
      'exec',
      name,
      'bash',
      '-c',
      'mkdir -p "$1" || exit 1; for d in /proc/[0-9]*; do [ "${d#/proc/}" = $$ ] || echo "pid ${d#/proc/}"; done',
      'ahe',
      workdir,
    ],
    { timeoutSec: 60 },
  );
  const keepers = [...made.stdout.matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
  if (made.exitCode !== 0 || keepers.length === 0) {
    await runEngine(engine, removeArgs(engine, [name]), { timeoutSec: 60 });
    untrack(name);
    throw new ContainerEngineError(
      'ContainerStartError',
      `cannot create the workdir ${workdir} in the container of ${o.image}: ${outputTail(made, 5)}`,
    );
  }
  const env = { LANG: 'C.UTF-8', TERM: 'dumb', ...o.env };
  const envArgs = (extra?: Record<string, string>) =>
    Object.entries({ ...env, ...extra }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

  const exec = async (command: string, opts: ExecOptions = {}): Promise<ExecResult> => {
    const id = randomUUID();
    const cwd = opts.cwd ? posix.resolve(workdir, opts.cwd) : workdir;
    // The exec'd process leads its own session; its pid (= session and group id) is kept so a
    // timeout can kill everything the command started inside the container.
    const wrapper = `mkdir -p /run/ahe 2>/dev/null; echo $$ > /run/ahe/${id} 2>/dev/null; cd ${shellQuote(cwd)} || exit 1; exec bash -c "$0"`;
    const result = await runEngine(engine, ['exec', ...envArgs(opts.env), name, 'bash', '-c', wrapper, command], {
      timeoutSec: opts.timeoutSec,
      maxOutputBytes: opts.maxOutputBytes,
      signal: opts.signal,
    });
    // Only a killed command costs a second call; the few-byte pid files of the others stay.
    if (result.timedOut || opts.signal?.aborted) {
      await runEngine(
        engine,
        [
          'exec',
          name,
          'bash',
          '-c',
          `p=$(cat /run/ahe/${id} 2>/dev/null) && kill -KILL -- -$p 2>/dev/null; kill -KILL $p 2>/dev/null; rm -f /run/ahe/${id}`,
        ],
        { timeoutSec: 30 },
      );
    }
    return result;
  };

  // `exec -i`: a long-lived process inside the container with stdin kept open; like exec, it records its
  // pid (its session id) so kill() ends what it started in the container, not just the engine client.
  const spawnInside = (command: string, opts: SpawnOptions = {}) => {
    const id = randomUUID();
    const cwd = opts.cwd ? posix.resolve(workdir, opts.cwd) : workdir;
    const wrapper = `mkdir -p /run/ahe 2>/dev/null; echo $$ > /run/ahe/${id} 2>/dev/null; cd ${shellQuote(cwd)} || exit 1; exec bash -c "$0"`;
    return spawnProcess({
      argv: [...engine.argv, 'exec', '-i', ...envArgs(opts.env), name, 'bash', '-c', wrapper, command],
      env: process.env,
      onKill: () => {
        void runEngine(
          engine,
          [
            'exec',
            name,
            'bash',
            '-c',
            `p=$(cat /run/ahe/${id} 2>/dev/null) && kill -KILL -- -$p $p 2>/dev/null; rm -f /run/ahe/${id}`,
          ],
          { timeoutSec: 30 },
        );
      },
    });
  };

  const copy = async (from: string, to: string) => {
    const r = await runEngine(engine, ['cp', from, to], { timeoutSec: 300 });
    if (r.exitCode !== 0) throw new Error(`${engine.kind} cp ${from} ${to} failed: ${outputTail(r, 5)}`);
  };
  const inside = (path: string) => posix.resolve(workdir, path);
  const ensureDir = async (path: string) => {
    const r = await exec(`mkdir -p ${shellQuote(path)}`, { timeoutSec: 30 });
    if (r.exitCode !== 0) throw new Error(`cannot create ${path} in the container: ${r.stderr.trim()}`);
  };

  let closed = false;
  return {
    kind: engine.kind,
    workdir,
    network: o.allowInternet ?? false,
    exec,
    spawn: spawnInside,
    async killStrays() {
      if (closed) throw new SandboxCleanupError('the container is already removed');
      // An exec may not get in while a fork flood holds every pid of the container: a few tries.
      let last: ExecResult | undefined;
      for (let attempt = 0; attempt < 5; attempt++) {
        last = await runEngine(engine, ['exec', name, 'bash', '-c', killStraysScript(keepers)], { timeoutSec: 60 });
        if (last.exitCode === 0 || last.exitCode === 3) break;
      }
      return parseKillStrays(last!);
    },
    async readFile(path) {
      const tmp = mkdtempSync(join(tmpdir(), 'ahe-cp-'));
      try {
        await copy(`${name}:${inside(path)}`, join(tmp, 'file'));
        return readFileSync(join(tmp, 'file'), 'utf8');
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    async writeFile(path, content) {
      const tmp = mkdtempSync(join(tmpdir(), 'ahe-cp-'));
      try {
        writeFileSync(join(tmp, 'file'), content);
        await ensureDir(posix.dirname(inside(path)));
        await copy(join(tmp, 'file'), `${name}:${inside(path)}`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    async upload(from, to) {
      const target = inside(to);
      // `cp DIR/. C:TARGET` copies a directory's content whether or not TARGET exists (like cpSync).
      const isDir = statSync(from).isDirectory();
      await ensureDir(isDir ? target : posix.dirname(target));
      await copy(isDir ? `${from}/.` : from, `${name}:${target}`);
    },
    async download(from, to) {
      mkdirSync(dirname(to), { recursive: true });
      await copy(`${name}:${inside(from)}`, to);
    },
    async close() {
      if (closed) return;
      closed = true;
      const r = await runEngine(engine, removeArgs(engine, [name]), { timeoutSec: 60 });
      // Already gone (`ahe gc` ran meanwhile) is what was asked; any other failure keeps it for the exit hook.
      if (r.exitCode !== 0 && !/no such container/i.test(`${r.stderr}${r.stdout}`))
        throw new Error(`${engine.kind} rm ${name} failed (ahe gc removes it): ${outputTail(r, 3)}`);
      untrack(name);
    },
  };
}

/** The ids of the containers labelled `ahe=1`, running or not. */
async function listLeftovers(engine: ContainerEngine): Promise<string[]> {
  const list = await runEngine(engine, ['ps', '-a', '-q', '--filter', `label=${CONTAINER_LABEL}=1`], {
    timeoutSec: 60,
  });
  if (list.exitCode !== 0) throw new UserError(`${engine.kind} ps failed: ${outputTail(list, 5)}`);
  return list.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * Whether the run that made a container still runs: its `ahe.owner` label names a process of this
 * machine that is alive. A container of another machine (a shared DOCKER_HOST) counts as in use; one
 * without the label (made by an older ahe) as left over.
 */
function ownerRuns(owner: string): boolean {
  if (!owner || owner === '<no value>') return false;
  const slash = owner.indexOf('/');
  if (slash < 0 || owner.slice(0, slash) !== hostname()) return true;
  return ownerAlive(owner.slice(slash + 1));
}

/** The containers labelled `ahe=1` whose run still runs (ownerRuns), by id. */
async function containersInUse(engine: ContainerEngine, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await runEngine(
    engine,
    ['inspect', '--format', `{{.Id}} {{index .Config.Labels "${CONTAINER_LABEL}.owner"}}`, ...ids],
    { timeoutSec: 60 },
  );
  const inUse = new Set<string>();
  // A container removed between ps and inspect fails inspect for it alone; the others are still listed.
  for (const line of r.stdout.split('\n')) {
    const [id, owner = ''] = line.trim().split(' ');
    if (id && ownerRuns(owner)) for (const short of ids) if (id.startsWith(short)) inUse.add(short);
  }
  return inUse;
}

/**
 * Removes the containers labelled `ahe=1` (running or not) that no running ahe process owns, or all of
 * them with `all`; returns the removed ids and those kept because their run still runs.
 */
export async function removeLeftoverContainers(
  engine: ContainerEngine,
  options: { all?: boolean } = {},
): Promise<{ removed: string[]; kept: string[] }> {
  const listed = await listLeftovers(engine);
  const inUse = options.all ? new Set<string>() : await containersInUse(engine, listed);
  const kept = listed.filter((id) => inUse.has(id));
  const ids = listed.filter((id) => !inUse.has(id));
  if (ids.length === 0) return { removed: [], kept };
  const rm = await runEngine(engine, removeArgs(engine, ids), { timeoutSec: 120 });
  if (rm.exitCode !== 0) {
    // One removed meanwhile (by the run that made it) fails the command but is gone: only what is
    // still listed is a failure.
    const left = new Set(await listLeftovers(engine));
    const stuck = ids.filter((id) => left.has(id));
    if (stuck.length)
      throw new UserError(
        `${engine.kind} rm could not remove ${stuck.length} container(s) (${stuck.map((id) => id.slice(0, 12)).join(' ')}): ${outputTail(rm, 5)}`,
      );
  }
  return { removed: ids, kept };
}
