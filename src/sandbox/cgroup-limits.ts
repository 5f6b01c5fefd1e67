// Per-sandbox process and memory limits through cgroups: v1 controllers (pids, memory mounted apart,
// as on these machines) or a v2 unified hierarchy (most users' machines). When neither is writable
// the sandbox still runs, and `reason` says why it has no limits.
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  pidsMax?: number;
  memoryMb?: number;
}

export interface Cgroup {
  kind: 'v1' | 'v2' | 'none';
  /** Why limits are not enforced, when kind is 'none'. */
  reason?: string;
  addProcess(pid: number): void;
  /** The cgroup.procs files a process writes its own pid to, to join before it forks (see joinCgroupArgv). */
  procsFiles: string[];
  remove(): void;
}

/**
 * An argv that joins the cgroup first, then execs `argv`: the process is inside before it can fork, so
 * nothing it starts escapes the limits (moving a pid in from outside races with its first fork).
 */
export function joinCgroupArgv(cgroup: Cgroup, argv: string[]): string[] {
  if (cgroup.procsFiles.length === 0) return argv;
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
  return ['sh', '-c', script, 'ahe-cgroup', ...cgroup.procsFiles, '--', ...argv];
}

const ROOT = '/sys/fs/cgroup';

function tryCreate(dirs: string[], files: [string, string][]): string | undefined {
  try {
    for (const d of dirs) mkdirSync(d, { recursive: true });
    for (const [file, value] of files) writeFileSync(file, value);
    return undefined;
  } catch (error) {
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch {
        // not created or not empty
      }
    }
    return error instanceof Error ? error.message : String(error);
  }
}

/** `beforeCreate` is given the cgroup's directories before any is made (the reaper names them). */
export function createCgroup(
  name: string,
  limits: CgroupLimits,
  root = ROOT,
  beforeCreate?: (dirs: string[]) => void,
): Cgroup {
  const none = (reason: string): Cgroup => ({
    kind: 'none',
    reason,
    addProcess: () => {},
    procsFiles: [],
    remove: () => {},
  });
  const memoryBytes = limits.memoryMb ? String(limits.memoryMb * 1024 * 1024) : undefined;
  let dirs: string[];
  let files: [string, string][];
  let kind: 'v1' | 'v2';
  if (existsSync(join(root, 'cgroup.controllers'))) {
    kind = 'v2';
    const dir = join(root, 'ahe', name);
    dirs = [dir];
    files = [
      ...(limits.pidsMax ? ([[join(dir, 'pids.max'), String(limits.pidsMax)]] as [string, string][]) : []),
      ...(memoryBytes ? ([[join(dir, 'memory.max'), memoryBytes]] as [string, string][]) : []),
    ];
  } else if (existsSync(join(root, 'pids')) || existsSync(join(root, 'memory'))) {
    kind = 'v1';
    dirs = [];
    files = [];
    if (limits.pidsMax && existsSync(join(root, 'pids'))) {
      dirs.push(join(root, 'pids', 'ahe', name));
      files.push([join(root, 'pids', 'ahe', name, 'pids.max'), String(limits.pidsMax)]);
    }
    if (memoryBytes && existsSync(join(root, 'memory'))) {
      dirs.push(join(root, 'memory', 'ahe', name));
      files.push([join(root, 'memory', 'ahe', name, 'memory.limit_in_bytes'), memoryBytes]);
    }
  } else {
    return none(`no cgroup v1 or v2 hierarchy under ${root}`);
  }
  beforeCreate?.(dirs);
  const failure = tryCreate(dirs, files);
  if (failure)
    return none(`cannot create a ${kind} cgroup (${failure}); run as root or delegate a cgroup to this user`);
  return {
    kind,
    addProcess(pid) {
      for (const d of dirs) writeFileSync(join(d, 'cgroup.procs'), String(pid));
    },
    procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
    remove() {
      for (const d of dirs) {
        for (let attempt = 0; attempt < 20; attempt++) {
          try {
            rmdirSync(d);
            break;
          } catch {
            // processes still exiting: try again shortly (synchronously; this runs once per sandbox)
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          }
        }
      }
    },
  };
}
