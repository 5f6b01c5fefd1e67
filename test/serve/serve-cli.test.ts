// `ahe serve` as a user meets it: it prints its URL, a running `ahe eval` under its directory prints the
// URL to follow it, Ctrl-C stops it and removes its registry record, a busy port is one clear line, and a
// non-loopback --host warns. Needs `npm run build`; the eval part needs bwrap.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';
import { BIN, getJson, makeJob, tmp, until } from './support/serve-fixture.ts';

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let url = '';
  await until(() => {
    const m = /^ahe serve: (http:\/\/\S+\/) \(serving (.+); Ctrl-C stops\)$/m.exec(stdout);
    if (m) url = m[1]!;
    if (child.exitCode !== null) throw new Error(`ahe serve exited: ${stderr}`);
    return Boolean(m);
  }, 'ahe serve to print its URL');
  return { child, url, stdout: () => stdout, stderr: () => stderr, exited };
}

test('ahe serve prints its URL; ahe eval under it prints the URL to follow; Ctrl-C stops it cleanly', {
  skip: bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`,
  timeout: 600_000,
}, async () => {
  const root = tmp('cli');
  const runtime = tmp('runtime');
  mkdirSync(join(root, 'jobs'));
  const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
  const served = await serve([root, '--port', '0'], env);
  try {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(readdirSync(join(runtime, 'ahe-serve')), [`${served.child.pid}-${new URL(served.url).port}.json`]);
    const index = await getJson<{ report: { entries: unknown[] } }>(served.url, '/api/index');
    assert.deepEqual(index.report.entries, []);
    const stderr = await makeJob(join(root, 'jobs', 'live'), 1, env);
    assert.match(stderr, new RegExp(`^follow along: ${served.url.replaceAll('.', '\\.')}\\?path=jobs/live$`, 'm'));
    // A job outside the served directory: no URL.
    assert.doesNotMatch(await makeJob(join(tmp('elsewhere'), 'job'), 1, env), /follow along/);
    type Index = { report: { entries: { path: string }[] } };
    await until(
      async () => (await getJson<Index>(served.url, '/api/index')).report.entries.some((e) => e.path === 'jobs/live'),
      'the new job in the index',
    );
  } catch (error) {
    served.child.kill('SIGKILL');
    throw error;
  }
  served.child.kill('SIGINT');
  assert.equal(await served.exited, 0, served.stderr());
  assert.deepEqual(readdirSync(join(runtime, 'ahe-serve')), [], 'the registry record is removed');
});

test('a busy port is one line naming it; a non-loopback --host warns', { timeout: 120_000 }, async () => {
  const blocker = createServer();
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  const port = (blocker.address() as { port: number }).port;
  try {
    const busy = await runCli(['serve', tmp('busy'), '--port', String(port)], { env: { XDG_RUNTIME_DIR: tmp('rt') } });
    assert.equal(busy.exitCode, 2, busy.stderr);
    assert.match(busy.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.doesNotMatch(busy.stderr, STACK_LINE);
  } finally {
    blocker.close();
  }
  const bad = await runCli(['serve', tmp('bad'), '--port', '70000']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--port/);

  const runtime = tmp('rt-open');
  const open = await serve([tmp('open'), '--port', '0', '--host', '0.0.0.0'], {
    ...process.env,
    XDG_RUNTIME_DIR: runtime,
  });
  try {
    await until(() => /visible to the network/.test(open.stderr()), 'the warning');
    assert.match(open.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  } finally {
    open.child.kill('SIGTERM');
  }
  assert.equal(await open.exited, 0);
  assert.deepEqual(readdirSync(join(runtime, 'ahe-serve')), []);
});
