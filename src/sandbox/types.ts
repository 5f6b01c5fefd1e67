// Where commands run. Implementations: host (this issue), bwrap and containers (later issues).
// A failing command is a value (ExecResult), never an exception.

export interface ExecOptions {
  /** Hard time limit; the command and everything it started are killed when it expires. */
  timeoutSec?: number;
  /** Working directory inside the sandbox (default: the sandbox's workdir). */
  cwd?: string;
  env?: Record<string, string>;
  /** Cap on captured stdout+stderr bytes each; bytes beyond are dropped and counted. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Bytes dropped from stdout+stderr because of maxOutputBytes. */
  droppedBytes: number;
}

export interface SpawnOptions {
  /** Working directory inside the sandbox (default: the sandbox's workdir). */
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * A long-lived process inside the sandbox with its stdio as streams (an MCP server, say). Its stderr is
 * kept in a small bounded tail for error messages; kill() ends it and everything it started.
 */
export interface SandboxProcess {
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  /** The last few KB the process wrote to stderr. */
  stderrTail(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  kill(): void;
}

export interface Sandbox {
  readonly kind: string;
  /** The agent's working directory inside the sandbox (e.g. /app). */
  readonly workdir: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<string>;
  writeFile(path: string, content: string): Promise<void>;
  /** Copy a host file or directory into the sandbox. */
  upload(hostPath: string, sandboxPath: string): Promise<void>;
  /** Copy a sandbox file or directory out to the host. */
  download(sandboxPath: string, hostPath: string): Promise<void>;
  /**
   * Ends every process inside the sandbox but its own (SIGKILL, repeated until none is left) and
   * checks it; throws SandboxCleanupError when some survive. Sandboxes that run a verifier after an
   * agent (bwrap, containers) have it; runTrial refuses to verify on one without it.
   */
  killStrays?(): Promise<{ killed: number }>;
  /**
   * Starts a long-lived process inside the sandbox (`bash -c command`, like exec) with piped stdin and
   * stdout; close() kills those still running. Absent on a backend that cannot (callers say which).
   */
  spawn?(command: string, options?: SpawnOptions): SandboxProcess;
  /** Whether processes of the sandbox may reach the network (the task allows it); absent: unknown. */
  readonly network?: boolean;
  close(): Promise<void>;
}
