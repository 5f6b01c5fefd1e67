// Sandbox.spawn (what stdio MCP servers run on): a long-lived process inside the sandbox, in its workdir,
// with the given environment, answering on stdout what it reads on stdin; kill() ends it and what it
// started, and close() ends one still running. On host, bwrap and (under `npm run test:containers`) the
// container engines.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import { containerEngine } from '../../src/sandbox/container-engine.ts';
import { createContainerSandbox } from '../../src/sandbox/container-sandbox.ts';
import { createHostSandbox } from '../../src/sandbox/host-sandbox.ts';
import type { Sandbox, SandboxProcess } from '../../src/sandbox/types.ts';
import { CONTAINER_ENGINES, containerSkipReason } from '../support/container-engines.ts';

const TIMEOUT = { timeout: 180_000 };
const MARK = 'spawn-probe-5c1d';
// A child that outlives a plain kill of the shell (it is in the process group / session), plus an echo loop.
const COMMAND = `: ${MARK}; bash -c 'sleep 1000; : ${MARK}' & echo "start $PROBE $(pwd)"; while read -r line; do echo "got:$line"; done`;

/** Reads stdout until it holds `count` lines (or fails after a long time). */
function lines(proc: SandboxProcess, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${count} lines within 60 s; got ${JSON.stringify(text)}`)),
      60_000,
    );
    const onData = (c: Buffer) => {
      text += c.toString('utf8');
      const got = text.split('\n').filter(Boolean);
      if (got.length < count) return;
      clearTimeout(timer);
      proc.stdout.removeListener('data', onData);
      resolve(got);
    };
    proc.stdout.on('data', onData);
  });
}

/** How many processes inside the sandbox carry the mark (the grep pattern does not match itself). */
async function marked(sandbox: Sandbox): Promise<number> {
  const r = await sandbox.exec(
    `n=0; for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null | grep -q 'spawn-probe-5c1[d]' && n=$((n+1)); done; echo $n`,
    { timeoutSec: 60 },
  );
  return Number(r.stdout.trim());
}

async function checkSpawn(sandbox: Sandbox): Promise<void> {
  assert.ok(sandbox.spawn, `${sandbox.kind} has spawn`);
  const proc = sandbox.spawn(COMMAND, { env: { PROBE: 'p1' } });
  try {
    await talk(sandbox, proc);
  } finally {
    proc.kill();
  }
  await proc.exited;
  let left = await marked(sandbox);
  for (let i = 0; i < 60 && left > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = await marked(sandbox);
  }
  assert.equal(left, 0, 'kill() ends the process and what it started');

  // One still running when the sandbox closes is ended with it.
  const orphan = sandbox.spawn(COMMAND, {});
  try {
    await lines(orphan, 1);
  } finally {
    await sandbox.close();
  }
  await orphan.exited;
}

async function talk(sandbox: Sandbox, proc: SandboxProcess): Promise<void> {
  const first = lines(proc, 1);
  assert.deepEqual(await first, [`start p1 ${sandbox.workdir}`]);
  const next = lines(proc, 2);
  proc.stdin.write('a\nb\n');
  assert.deepEqual(await next, ['got:a', 'got:b']);
  assert.ok((await marked(sandbox)) >= 2, 'the shell and its background child run inside the sandbox');
}

test('host sandbox: spawn', TIMEOUT, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-spawn-'));
  try {
    await checkSpawn(createHostSandbox({ workdir: dir }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const skipBwrap = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
test('bwrap sandbox: spawn runs inside the sandbox', { skip: skipBwrap, ...TIMEOUT }, async () => {
  const trialDir = mkdtempSync(join(tmpdir(), 'ahe-spawn-bwrap-'));
  try {
    const sandbox = await createBwrapSandbox({ trialDir });
    await checkSpawn(sandbox);
  } finally {
    rmSync(trialDir, { recursive: true, force: true });
  }
});

for (const kind of CONTAINER_ENGINES) {
  const skip = containerSkipReason(kind);
  test(`${kind} sandbox: spawn is an exec -i inside the container`, { skip, ...TIMEOUT }, async () => {
    const sandbox = await createContainerSandbox({
      engine: containerEngine(kind),
      image: 'ahe-base:local',
      trialName: 'spawn__1',
      workdir: '/app',
    });
    try {
      await checkSpawn(sandbox);
    } finally {
      await sandbox.close();
    }
  });
}
