// The bwrap sandbox: one long-lived sandbox per trial, as a container would be. Host system
// directories are mounted read-only, /app /tmp /root /logs /tests are per-trial directories, the
// network is cut unless allowed, and a cgroup limits processes and memory. Each command enters the
// running sandbox with nsenter, so files and background processes persist between commands.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { UserError } from '../errors.ts';
import { type Cgroup, joinCgroupArgv } from './cgroup-limits.ts';
import { killStraysScript, parseKillStrays, SandboxCleanupError } from './kill-strays.ts';
import { reapedCgroup, spawnReaped } from './reaper.ts';
import { killGroup, runProcess } from './run-process.ts';
import { shellQuote } from './shell-quote.ts';
import { spawnProcess } from './spawn-process.ts';
import type { ExecOptions, ExecResult, Sandbox, SpawnOptions } from './types.ts';
import { writableSystemDirArgs } from './writable-system-dirs.ts';

/** Host directories the sandbox sees read-only (those that exist). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];
/** Per-trial writable directories, mounted at the same names inside. */
export const SANDBOX_DIRS = ['app', 'tmp', 'root', 'logs', 'tests', 'solution'] as const;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const START_TIMEOUT_MS = 10_000;

export interface BwrapSandboxOptions {
  /** Host directory holding the trial's app/, tmp/, root/, logs/ and tests/. */
  trialDir: string;
  allowInternet?: boolean;
  /** Environment of every command (the host environment is never passed in). */
  env?: Record<string, string>;
  pidsMax?: number;
  memoryMb?: number;
  /** Working directory of commands (default /app). */
  workdir?: string;
  /**
   * Host system directories made writable for this trial (new files stay in the trial directory), for a
   * Dockerfile that installs into /usr/local or /opt (`environmentSystemWrites`).
   */
  writableSystemDirs?: readonly string[];
}

/** What the sandbox's private root holds right after start: anything else was written there later. */
export function sandboxRootEntries(workdir = '/app'): string[] {
  const entries = [...SYSTEM_DIRS.filter((d) => existsSync(d)), ...SANDBOX_DIRS.map((d) => `/${d}`), '/dev', '/proc'];
  if (!SANDBOX_DIRS.some((d) => workdir === `/${d}` || workdir.startsWith(`/${d}/`)))
    entries.push(`/${workdir.split('/')[1]}`);
  return [...new Set(entries.map((e) => e.slice(1)))].sort();
}

export function bwrapInstallHint(): string {
  return 'bubblewrap is not installed: install it with `sudo apt-get install -y bubblewrap` (Debian/Ubuntu) or `sudo dnf install bubblewrap`, or use --backend host';
}

export function bwrapAvailable(): boolean {
  return (
    ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some(existsSync) &&
    ['/usr/bin/nsenter', '/bin/nsenter'].some(existsSync)
  );
}

export function bwrapArgs(
  trialDir: string,
  allowInternet: boolean,
  workdir: string,
  writableSystemDirs: readonly string[] = [],
): string[] {
  const args = ['--tmpfs', '/'];
  for (const dir of SYSTEM_DIRS) if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  args.push(...writableSystemDirArgs(trialDir, writableSystemDirs));
  args.push('--dev', '/dev', '--proc', '/proc');
  for (const dir of SANDBOX_DIRS) args.push('--bind', join(trialDir, dir), `/${dir}`);
  // A workdir elsewhere (WORKDIR /workspace) lives on the sandbox's own tmpfs root.
  if (!SANDBOX_DIRS.some((d) => workdir === `/${d}` || workdir.startsWith(`/${d}/`))) args.push('--dir', workdir);
  // One below them (WORKDIR /app/project) must exist before bwrap changes into it.
  else mkdirSync(join(trialDir, workdir), { recursive: true });
  args.push('--unshare-all');
  if (allowInternet) args.push('--share-net');
  // The first process says when the sandbox is fully set up (the info fd is written earlier than that).
  args.push('--die-with-parent', '--chdir', workdir, '--info-fd', '3', 'bash', '-c', 'echo ready; exec sleep infinity');
  return args;
}

/** Starts bwrap; resolves with the pid of the sandbox's first process once it is ready to be joined. */
function startBwrap(argv: string[], cgroup: Cgroup): Promise<{ proc: ChildProcess; childPid: number }> {
  return new Promise((resolve, reject) => {
    // Its own process group, which the reaper kills should ahe die before the sandbox is up.
    const proc = spawnReaped(joinCgroupArgv(cgroup, argv), ['ignore', 'pipe', 'pipe', 'pipe']);
    let info = '';
    let stdout = '';
    let stderr = '';
    let childPid: number | undefined;
    const maybeReady = () => {
      if (childPid === undefined || !stdout.includes('ready')) return;
      clearTimeout(timer);
      resolve({ proc, childPid });
    };
    const fail = (why: string) => {
      clearTimeout(timer);
      killGroup(proc.pid); // bwrap and its child too: killed alone mid-setup, bwrap leaves its child waiting
      reject(new Error(`bwrap did not start: ${why}${stderr ? ` — ${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail('no answer within 10 s'), START_TIMEOUT_MS);
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
      maybeReady();
    });
    proc.stdio[3]!.on('data', (c: Buffer) => {
      info += c.toString();
      const pid = /"child-pid"\s*:\s*(\d+)/.exec(info)?.[1];
      if (pid) childPid = Number(pid);
      maybeReady();
    });
    proc.on('error', (e) => fail(e.message));
    proc.on('exit', (code) => fail(`exited with code ${code}`));
  });
}

/** A host process's pid inside its innermost pid namespace (the last field of NSpid). */
function namespacePid(hostPid: number): number {
  const nspid = /^NSpid:\s*(.*)$/m
    .exec(readFileSync(`/proc/${hostPid}/status`, 'utf8'))?.[1]
    ?.trim()
    .split(/\s+/);
  const pid = Number(nspid?.at(-1));
  if (!Number.isInteger(pid) || pid < 1) throw new Error(`no NSpid for process ${hostPid}`);
  return pid;
}

/**
 * The sandbox's own processes, as pids inside its namespace: bwrap's init (the info fd's child-pid)
 * and the one child it started (`sleep infinity`). Read once, before any command runs, so nothing an
 * agent starts later can pass for them.
 */
function keeperPids(childPid: number): number[] {
  const children = readFileSync(`/proc/${childPid}/task/${childPid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  if (children.length !== 1) throw new Error(`bwrap's init has ${children.length} children at start, expected 1`);
  return [namespacePid(childPid), namespacePid(children[0]!)];
}

/**
 * A throwaway sandbox for one build stage of a multi-stage Dockerfile (`COPY --from=<stage>` reads it),
 * in a directory of its own that is removed when it closes.
 */
export async function createStageSandbox(options: Omit<BwrapSandboxOptions, 'trialDir' | 'workdir'>): Promise<Sandbox> {
  const trialDir = mkdtempSync(join(tmpdir(), 'ahe-stage-'));
  const remove = () => rmSync(trialDir, { recursive: true, force: true });
  let sandbox: Sandbox;
  try {
    sandbox = await createBwrapSandbox({ ...options, trialDir, workdir: '/tmp' });
  } catch (error) {
    remove();
    throw error;
  }
  return {
    ...sandbox,
    async close() {
      await sandbox.close();
      remove();
    },
  };
}

export async function createBwrapSandbox(options: BwrapSandboxOptions): Promise<Sandbox> {
  if (!bwrapAvailable()) throw new UserError(bwrapInstallHint());
  const workdir = options.workdir ?? '/app';
  for (const dir of SANDBOX_DIRS) mkdirSync(join(options.trialDir, dir), { recursive: true });
  const trialReal = realpathSync(options.trialDir);

  /** The host path behind a sandbox path, for the per-trial directories. */
  const hostPath = (path: string): string | undefined => {
    const abs = posix.resolve(workdir, path);
    const top = abs.split('/')[1] as (typeof SANDBOX_DIRS)[number];
    return SANDBOX_DIRS.includes(top) ? join(options.trialDir, abs.slice(1)) : undefined;
  };
  const mustMap = (path: string) => {
    const mapped = hostPath(path);
    if (!mapped)
      throw new Error(
        `the bwrap sandbox exchanges files only under ${SANDBOX_DIRS.map((d) => `/${d}`).join(', ')}: ${path}`,
      );
    // A symlink made inside the sandbox must not lead the host out of the trial directory.
    let probe = mapped;
    while (!existsSync(probe) && probe !== options.trialDir) probe = dirname(probe);
    const real = realpathSync(probe);
    if (real !== trialReal && !real.startsWith(`${trialReal}/`))
      throw new Error(`${path} leads outside the sandbox (symlink to ${real})`);
    return mapped;
  };
  // Symlinks inside a copied directory that lead out of the trial are left behind.
  const inside = (src: string) => {
    if (!lstatSync(src).isSymbolicLink()) return true;
    try {
      const real = realpathSync(src);
      return real === trialReal || real.startsWith(`${trialReal}/`);
    } catch {
      return false;
    }
  };
  return startNamespaceSandbox({
    kind: 'bwrap',
    network: options.allowInternet ?? false,
    argv: [
      'bwrap',
      ...bwrapArgs(options.trialDir, options.allowInternet ?? false, workdir, options.writableSystemDirs),
    ],
    limits: { pidsMax: options.pidsMax, memoryMb: options.memoryMb },
    workdir,
    env: options.env,
    files: () => ({
      async readFile(path) {
        return readFileSync(mustMap(path), 'utf8');
      },
      async writeFile(path, content) {
        const target = mustMap(path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
      },
      async upload(from, to) {
        cpSync(from, mustMap(to), { recursive: true });
      },
      async download(from, to) {
        cpSync(mustMap(from), to, { recursive: true, filter: inside });
      },
    }),
  });
}

/** How a namespace sandbox exchanges files with the host. */
export type SandboxFiles = Pick<Sandbox, 'readFile' | 'writeFile' | 'upload' | 'download'>;

export interface NamespaceSandboxSpec {
  kind: string;
  /**
   * What starts the sandbox, run inside its cgroup: `bwrap …` with its arguments ending in
   * `--info-fd 3 bash -c 'echo ready; exec sleep infinity'` (as bwrapArgs makes), or a command that
   * execs into such a bwrap.
   */
  argv: string[];
  limits: { pidsMax?: number; memoryMb?: number };
  workdir: string;
  /** Environment of every command, over the defaults (PATH, HOME=/root, LANG, TERM). */
  env?: Record<string, string>;
  /** Run every command as this user (nsenter --setuid/--setgid); killStrays always runs as root. */
  user?: { uid: number; gid: number };
  /** Whether the sandbox shares the host's network (set as the Sandbox's `network`). */
  network?: boolean;
  /** The file exchange, given the host pid of the sandbox's init once it runs. */
  files: (initPid: number) => SandboxFiles;
  /** Runs after the sandbox and its cgroup are gone (also when start fails). */
  onClose?: () => void;
}

/**
 * A long-lived bwrap sandbox: started in its own cgroup, its keepers read, each command entered with
 * nsenter (joining the cgroup first), killStrays and close as described at the top of this file.
 * The bwrap backend and the image backend (image-sandbox.ts) differ only in what they mount.
 */
export async function startNamespaceSandbox(spec: NamespaceSandboxSpec): Promise<Sandbox> {
  const { workdir } = spec;
  let cgroup: Cgroup | undefined;
  let proc: ChildProcess;
  let childPid: number;
  let keepers: number[];
  let unreap = () => {};
  try {
    ({ cgroup, release: unreap } = reapedCgroup(`sandbox-${randomUUID()}`, spec.limits));
    ({ proc, childPid } = await startBwrap(spec.argv, cgroup));
    try {
      keepers = keeperPids(childPid);
    } catch (error) {
      killGroup(proc.pid);
      throw new Error(`bwrap started but its processes cannot be read: ${(error as Error).message}`);
    }
  } catch (error) {
    cgroup?.remove();
    unreap();
    spec.onClose?.();
    throw error;
  }
  const groups = new Set<number>();
  const env = { PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb', ...spec.env };
  const asUser = spec.user ? ['--setuid', String(spec.user.uid), '--setgid', String(spec.user.gid)] : [];

  // `--wd` alone takes the sandbox's own working directory (a path given to it would be looked up on the host).
  const enter = (script: string, user: string[] = asUser) => [
    'nsenter',
    '--target',
    String(childPid),
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    '--pid',
    '--root',
    '--wd',
    ...user,
    'bash',
    '-c',
    script,
  ];
  const exec = (command: string, opts: ExecOptions = {}): Promise<ExecResult> =>
    runProcess(
      {
        // Each command joins the sandbox's cgroup before nsenter forks into it, so its children count too.
        argv: joinCgroupArgv(
          cgroup,
          enter(opts.cwd ? `cd ${shellQuote(posix.resolve(workdir, opts.cwd))} || exit 1\n${command}` : command),
        ),
        env: { ...env, ...opts.env },
        onStart: (pid) => groups.add(pid),
      },
      opts,
    );
  // The same way in as exec (cgroup, then nsenter), with stdin piped: the process lives inside the sandbox.
  const spawnInside = (command: string, opts: SpawnOptions = {}) =>
    spawnProcess({
      argv: joinCgroupArgv(
        cgroup,
        enter(opts.cwd ? `cd ${shellQuote(posix.resolve(workdir, opts.cwd))} || exit 1\n${command}` : command),
      ),
      env: { ...env, ...opts.env },
      onStart: (pid) => groups.add(pid),
      onExit: (pid) => groups.delete(pid),
    });

  let closed = false;
  return {
    kind: spec.kind,
    workdir,
    ...(spec.network !== undefined ? { network: spec.network } : {}),
    exec,
    spawn: spawnInside,
    async killStrays() {
      if (closed || proc.exitCode !== null || proc.signalCode !== null)
        throw new SandboxCleanupError('the sandbox is gone (its init process exited)');
      // Outside the cgroup on purpose: a fork flood holding every pid of it must not keep the cleanup out.
      // As root: whatever user the commands run as, every process of theirs must go.
      return parseKillStrays(await runProcess({ argv: enter(killStraysScript(keepers), []), env }, { timeoutSec: 60 }));
    },
    ...spec.files(childPid),
    async close() {
      if (closed) return;
      closed = true;
      for (const pid of groups) killGroup(pid);
      // The sandbox's init first (its pid cannot be reused yet: bwrap, its parent, has not reaped it), and
      // with it every process inside; --die-with-parent alone once left one running under load.
      try {
        process.kill(childPid, 'SIGKILL');
      } catch {
        // already gone
      }
      killGroup(proc.pid);
      await new Promise<void>((resolve) =>
        proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve()),
      );
      cgroup.remove();
      unreap();
      spec.onClose?.();
    },
  };
}
