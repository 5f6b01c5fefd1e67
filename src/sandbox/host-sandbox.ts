// The host "sandbox": commands run directly on this machine in a working directory. No isolation —
// an explicit opt-in for debugging and for `ahe run`. Each command runs in its own process group so
// a timeout or abort kills everything it started, and close() kills what is still running; the reaper
// (reaper.ts) kills it if ahe is killed first.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { killGroup, runProcess } from './run-process.ts';
import { spawnProcess } from './spawn-process.ts';
import type { ExecOptions, ExecResult, Sandbox } from './types.ts';

export { DEFAULT_MAX_OUTPUT_BYTES } from './run-process.ts';

export interface HostSandboxOptions {
  workdir: string;
  env?: Record<string, string>;
}

export function createHostSandbox(options: HostSandboxOptions): Sandbox {
  const workdir = resolve(options.workdir);
  const groups = new Set<number>();
  const at = (path: string) => resolve(workdir, path);

  const exec = (command: string, opts: ExecOptions = {}): Promise<ExecResult> =>
    runProcess(
      {
        argv: ['bash', '-c', command],
        cwd: opts.cwd ? at(opts.cwd) : workdir,
        env: { ...process.env, ...options.env, ...opts.env },
        onStart: (pid) => groups.add(pid),
        reaped: true,
      },
      opts,
    );

  return {
    kind: 'host',
    workdir,
    network: true,
    exec,
    spawn: (command, opts = {}) =>
      spawnProcess({
        argv: ['bash', '-c', command],
        cwd: opts.cwd ? at(opts.cwd) : workdir,
        env: { ...process.env, ...options.env, ...opts.env },
        onStart: (pid) => groups.add(pid),
        onExit: (pid) => groups.delete(pid),
        reaped: true,
      }),
    async readFile(path) {
      return readFileSync(at(path), 'utf8');
    },
    async writeFile(path, content) {
      mkdirSync(dirname(at(path)), { recursive: true });
      writeFileSync(at(path), content);
    },
    async upload(hostPath, sandboxPath) {
      cpSync(hostPath, at(sandboxPath), { recursive: true });
    },
    async download(sandboxPath, hostPath) {
      cpSync(at(sandboxPath), hostPath, { recursive: true });
    },
    async close() {
      for (const pid of groups) killGroup(pid);
      groups.clear();
    },
  };
}
