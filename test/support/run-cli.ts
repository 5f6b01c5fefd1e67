// Runs the real `ahe` binary as a user would, capturing output and exit code.

import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const BIN = fileURLToPath(new URL('../../bin/ahe.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    timeoutMs?: number;
    /** Keep stdout's and stderr's last newline (execa strips it by default). */
    keepFinalNewline?: boolean;
  } = {},
): Promise<CliResult> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    OPENAI_API_KEY: undefined,
    ANTHROPIC_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    ANTHROPIC_BASE_URL: undefined,
    ...options.env,
  };
  const result = await execa('node', [BIN, ...args], {
    env,
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    stdin: 'ignore',
    stripFinalNewline: !options.keepFinalNewline,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A stack trace line, which a user error must never print. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;
