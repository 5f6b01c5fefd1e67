// A served directory for the serve tests: a real job written by `ahe eval --agent oracle` (bwrap), and
// an HTTP client that can send any method and Host header (fetch cannot set Host).
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'ahe.js');

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-serve-${prefix}-`));

/**
 * Writes a real job with the oracle agent on `n` bundled training tasks (needs `npm run build` and bwrap);
 * returns its stderr. Asynchronous: a server in the test's own process keeps answering meanwhile.
 */
export function makeJob(out: string, n = 2, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const args = [
    BIN,
    'eval',
    '--agent',
    'oracle',
    '--tasks',
    join(ROOT, 'tasks/train'),
    '--n-tasks',
    String(n),
    '--out',
    out,
  ];
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env, encoding: 'utf8', timeout: 300_000 },
      (error, _stdout, stderr) => {
        if (error) fail(new Error(`ahe eval --out ${out} failed (${error.code}): ${stderr}`));
        else done(stderr);
      },
    );
  });
}

/** Runs `ahe debug JOB --no-llm --quiet [--out OUT]` (asynchronously, as makeJob). */
export function debugJob(job: string, out?: string): Promise<void> {
  const args = [BIN, 'debug', job, '--no-llm', '--quiet', ...(out ? ['--out', out] : [])];
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 }, (error, _stdout, stderr) => {
      if (error) fail(new Error(`ahe debug ${job} failed (${error.code}): ${stderr}`));
      else done();
    });
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to the server at `base` (http://127.0.0.1:PORT/). */
export function call(
  base: string,
  target: string,
  options: { method?: string; host?: string | null } = {},
): Promise<Answer> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  if (options.host !== null) headers.host = options.host ?? url.host;
  return new Promise((done, fail) => {
    const req = request(
      // agent: false: a fresh connection each time, so no request races the server closing an idle one.
      {
        host: url.hostname,
        port: url.port,
        path: target,
        method: options.method ?? 'GET',
        headers,
        setHost: false,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** GET a JSON answer; fails the test with the body when the status is not the expected one. */
export async function getJson<T = unknown>(base: string, target: string, status = 200): Promise<T> {
  const answer = await call(base, target);
  if (answer.status !== status) throw new Error(`${target}: expected ${status}, got ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as T;
}

/** Polls `check` until it returns true or `timeoutMs` passes (generous: CI is a loaded 2-core box). */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
