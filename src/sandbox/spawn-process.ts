// Starts a long-lived process with piped stdio as its own process group (the backends' `spawn`, e.g. for
// an MCP server inside the sandbox): kill() ends the whole group, stderr is kept as a bounded tail.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { spawnGroup } from './reaper.ts';
import { killGroup } from './run-process.ts';
import type { SandboxProcess } from './types.ts';

const STDERR_TAIL_BYTES = 8 * 1024;

export interface SpawnSpec {
  argv: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Told the process group id once started, so the sandbox can kill it on close. */
  onStart?: (pid: number) => void;
  /** Told when it exited, so the sandbox can forget it. */
  onExit?: (pid: number) => void;
  /** Runs after kill() (e.g. to kill what the process left inside a container). */
  onKill?: () => void;
  /** Its process group is killed by the reaper (reaper.ts) if this process dies first. */
  reaped?: boolean;
}

export function spawnProcess(spec: SpawnSpec): SandboxProcess {
  const child = spawnGroup(spec.argv, ['pipe', 'pipe', 'pipe'], {
    cwd: spec.cwd,
    env: spec.env,
    reaped: spec.reaped,
  }) as ChildProcessByStdio<Writable, Readable, Readable>;
  const pid = child.pid;
  if (pid) spec.onStart?.(pid);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  // A write to a process that died is reported through exited, not as an unhandled stream error.
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      if (pid) spec.onExit?.(pid);
      resolve(code);
    });
    child.once('error', (error) => {
      stderr += `${error.message}\n`;
      resolve(127);
    });
  });
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderrTail: () => stderr,
    exited,
    kill() {
      killGroup(pid);
      spec.onKill?.();
    },
  };
}
