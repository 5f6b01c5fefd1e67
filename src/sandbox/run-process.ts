// Runs one command as its own process group with a time limit, cancellation and a bounded capture of
// its output. It returns when the command exits, even if a background child it started still holds the
// output pipes open (as a server started with `cmd &` does). A failing command is a value, never a throw.
// node:child_process is used directly (not execa) for that control over when a run is over.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CappedOutput } from './capture-output.ts';
import { spawnGroup } from './reaper.ts';
import type { ExecOptions, ExecResult } from './types.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** How long to keep reading output after the command exited (background children may hold the pipe). */
const DRAIN_MS = 100;

export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface ProcessSpec {
  argv: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Told the process group id once the command started, so its owner can kill it later. */
  onStart?: (pid: number) => void;
  /** Its process group is killed by the reaper (reaper.ts) if this process dies first. */
  reaped?: boolean;
}

export function runProcess(spec: ProcessSpec, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolveResult) => {
    const started = Date.now();
    const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const stdout = new CappedOutput(cap);
    const stderr = new CappedOutput(cap);
    let timedOut = false;
    const child = spawnGroup(spec.argv, ['ignore', 'pipe', 'pipe'], {
      cwd: spec.cwd,
      env: spec.env,
      reaped: spec.reaped,
    }) as ChildProcessByStdio<null, Readable, Readable>;
    const pid = child.pid;
    if (pid) spec.onStart?.(pid);
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    const timer = opts.timeoutSec
      ? setTimeout(() => {
          timedOut = true;
          killGroup(pid);
        }, opts.timeoutSec * 1000)
      : undefined;
    const onAbort = () => killGroup(pid);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    let done = false;
    const finish = (exitCode: number | null, error?: Error) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (timedOut) killGroup(pid); // nothing of a timed-out command survives
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        child.stdout.destroy();
        child.stderr.destroy();
        resolveResult({
          exitCode: timedOut ? null : exitCode,
          stdout: stdout.text(),
          stderr: error ? `${stderr.text()}${error.message}\n` : stderr.text(),
          timedOut,
          durationMs: Date.now() - started,
          droppedBytes: stdout.droppedBytes + stderr.droppedBytes,
        });
      };
      // Usually the pipes end right after the shell exits; a background child holding them open
      // only delays the result by DRAIN_MS. The timer may fire before the event loop has read what
      // the command wrote (a loop blocked for longer than DRAIN_MS runs expired timers before it
      // polls the pipes): setImmediate lets one poll phase read the pipes first, or their output
      // would be lost (an empty `ls` of /logs/verifier read as "no reward file").
      const drain = setTimeout(() => setImmediate(settle), DRAIN_MS);
      let open = [child.stdout, child.stderr].filter((s) => !s.readableEnded).length;
      if (open === 0) {
        clearTimeout(drain);
        settle();
      }
      for (const s of [child.stdout, child.stderr]) {
        if (!s.readableEnded)
          s.once('end', () => {
            if (--open > 0) return;
            clearTimeout(drain);
            settle();
          });
      }
    };
    child.on('exit', (code) => finish(code));
    child.on('error', (error) => finish(127, error));
  });
}
