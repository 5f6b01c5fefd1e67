// The bwrap sandbox on this machine. Skipped, with the reason printed, where bubblewrap is missing
// (.ci/run installs it, so CI always runs these).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import { createCgroup } from '../../src/sandbox/cgroup-limits.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
if (skip) console.log(`# SKIP bwrap sandbox tests — ${skip}`);
const newTrial = () => mkdtempSync(join(tmpdir(), 'ahe-bwrap-'));

test('commands run in /app; files and background processes persist between commands', { skip }, async () => {
  const sb = await createBwrapSandbox({ trialDir: newTrial() });
  try {
    const first = await sb.exec('pwd; echo hello > note.txt; (sleep 300 &); echo started');
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(first.stdout, '/app\nstarted\n');
    const second = await sb.exec('cat /app/note.txt; pgrep -c sleep');
    assert.equal(second.stdout.split('\n')[0], 'hello');
    assert.ok(Number(second.stdout.split('\n')[1]) >= 2, second.stdout); // the sandbox's own sleep + ours
    assert.equal(await sb.readFile('/app/note.txt'), 'hello\n');
  } finally {
    await sb.close();
  }
});

test('host system directories are read-only and nothing outside the trial is writable', { skip }, async () => {
  const trial = newTrial();
  const sb = await createBwrapSandbox({ trialDir: trial });
  try {
    const r = await sb.exec(
      'touch /usr/evil 2>&1; echo x > /etc/evil 2>&1; touch /evil 2>&1 && echo root-tmpfs; echo ok > /tmp/t; echo ok > /logs/l',
    );
    assert.match(r.stdout, /Read-only file system/);
    assert.equal(existsSync('/usr/evil') || existsSync('/etc/evil'), false);
    assert.equal(readFileSync(join(trial, 'tmp/t'), 'utf8'), 'ok\n');
    assert.equal(readFileSync(join(trial, 'logs/l'), 'utf8'), 'ok\n');
    const env = await sb.exec('echo "$HOME ${OPENAI_API_KEY:-none}"');
    assert.equal(env.stdout, '/root none\n'); // the host environment is not passed in
  } finally {
    await sb.close();
  }
});

test('no network unless the task allows it', { skip }, async () => {
  const server = createServer((s) => s.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const sb = await createBwrapSandbox({ trialDir: newTrial() });
  try {
    const r = await sb.exec(`timeout 3 bash -c 'cat < /dev/tcp/127.0.0.1/${port}' && echo reached || echo unreachable`);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'unreachable');
  } finally {
    await sb.close();
  }
  const open = await createBwrapSandbox({ trialDir: newTrial(), allowInternet: true });
  try {
    const r = await open.exec(`timeout 3 bash -c 'cat < /dev/tcp/127.0.0.1/${port}'`);
    assert.equal(r.stdout, 'hi');
  } finally {
    await open.close();
    server.close();
  }
});

test('/tests is empty until files are uploaded after the agent', { skip }, async () => {
  const trial = newTrial();
  const sb = await createBwrapSandbox({ trialDir: trial });
  try {
    assert.equal((await sb.exec('ls -A /tests | wc -l')).stdout.trim(), '0');
    const src = mkdtempSync(join(tmpdir(), 'ahe-tests-'));
    mkdirSync(join(src, 'sub'));
    writeFileSync(join(src, 'sub', 'test.sh'), 'echo verified\n');
    await sb.upload(src, '/tests');
    assert.equal((await sb.exec('bash /tests/sub/test.sh')).stdout, 'verified\n');
    await assert.rejects(sb.writeFile('/usr/x', 'y'), /only under \/app, \/tmp, \/root, \/logs, \/tests, \/solution/);
  } finally {
    await sb.close();
  }
});

test('a timeout kills the command; close() ends every process inside', { skip }, async () => {
  const sb = await createBwrapSandbox({ trialDir: newTrial() });
  const r = await sb.exec('sleep 100', { timeoutSec: 0.5 });
  assert.equal(r.timedOut, true);
  await sb.exec('(sleep 321 &)');
  const before = (await sb.exec('pgrep -x sleep -a | grep -c " 321$"')).stdout.trim();
  assert.equal(before, '1');
  await sb.close();
  const { execFileSync } = await import('node:child_process');
  // Polled: on a loaded machine the kernel may take a moment to end the namespace's processes.
  const count = () => execFileSync('bash', ['-c', 'pgrep -x sleep -a | grep -c " 321$" || true']).toString().trim();
  const until = Date.now() + 10_000;
  while (count() !== '0' && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
  assert.equal(count(), '0');
});

test('a fork flood is stopped by the pids limit when a cgroup is available', { skip }, async (t) => {
  const probe = createCgroup('ahe-probe', { pidsMax: 10 });
  probe.remove();
  if (probe.kind === 'none') return t.skip(`no usable cgroup: ${probe.reason}`);
  const sb = await createBwrapSandbox({ trialDir: newTrial(), pidsMax: 64 });
  try {
    // Every command is inside the sandbox's cgroup from its first instruction (no window to fork out).
    const membership = await sb.exec('cat /proc/self/cgroup');
    assert.match(membership.stdout, /ahe\/sandbox-[0-9a-f-]+/);
    // dash, not bash: bash retries a failed fork for seconds; dash reports it and goes on.
    const r = await sb.exec(
      `sh -c 'for i in $(seq 200); do (sleep 30 >/dev/null 2>&1 &) 2>/dev/null; done; pgrep -c sleep'`,
      { timeoutSec: 120 },
    );
    assert.equal(r.timedOut, false, 'the flood must end by itself, not by the timeout');
    const sleeping = Number(r.stdout.trim());
    assert.ok(sleeping >= 10 && sleeping <= 64, `pids: ${r.stdout} ${r.stderr.slice(0, 200)}`);
    const after = await sb.exec('echo still-alive');
    assert.equal(after.stdout, 'still-alive\n');
  } finally {
    await sb.close();
  }
});

test('a symlink made inside the sandbox does not lead the host outside the trial', { skip }, async () => {
  const sb = await createBwrapSandbox({ trialDir: newTrial() });
  try {
    await sb.exec('ln -s /etc/hostname /logs/reward.txt; ln -s / /logs/root');
    await assert.rejects(sb.readFile('/logs/reward.txt'), /leads outside the sandbox/);
    await assert.rejects(sb.readFile('/logs/root/etc/passwd'), /leads outside the sandbox/);
    await sb.exec(
      'mkdir -p /logs/dir && echo ok > /logs/dir/real.txt && ln -s /etc/hostname /logs/dir/escape && ln -s real.txt /logs/dir/inner',
    );
    const out = mkdtempSync(join(tmpdir(), 'ahe-download-'));
    await sb.download('/logs/dir', join(out, 'dir'));
    assert.equal(readFileSync(join(out, 'dir', 'real.txt'), 'utf8'), 'ok\n');
    assert.equal(existsSync(join(out, 'dir', 'escape')), false);
    assert.equal(readFileSync(join(out, 'dir', 'inner'), 'utf8'), 'ok\n');
  } finally {
    await sb.close();
  }
});

test("killStrays ends every process but the sandbox's own, even a fork bomb holding the pids limit, and checks it", {
  skip,
}, async (t) => {
  const probe = createCgroup('ahe-probe-strays', { pidsMax: 10 });
  probe.remove();
  const sb = await createBwrapSandbox({ trialDir: newTrial(), pidsMax: 40 });
  try {
    // A bash fork bomb retries its forks while the cgroup is full; it also renames itself like the keeper.
    await sb.exec(
      'bomb() { exec -a "sleep infinity" bash -c "b() { b & b & wait; }; b" >/dev/null 2>&1; }; (bomb &) ; setsid sleep 300 & sleep 0.5',
    );
    const { killed } = await sb.killStrays!();
    assert.ok(killed >= 2, `killed ${killed}`);
    const after = await sb.exec('n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo "$n processes"');
    assert.equal(after.stdout, '3 processes\n'); // bwrap's init, its sleep, and this shell: the sandbox still works
    assert.deepEqual(await sb.killStrays!(), { killed: 0 });
    if (probe.kind === 'none') t.diagnostic(`no cgroup here (${probe.reason}): the bomb was not held at a limit`);
  } finally {
    await sb.close();
  }
  await assert.rejects(sb.killStrays!(), /SandboxCleanupError|the sandbox is gone/);
});
