// The reaper: what a process names to it (a cgroup, a process group) is killed when that process dies,
// also by SIGKILL; what it released or never named is left alone. Each case runs the naming process
// (test/fixtures/reaper/naming.mts) as a child and kills it with -9; nothing here depends on how fast
// anything runs: the test waits for each outcome, and orders the late joiner with a file.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { createCgroup } from '../../src/sandbox/cgroup-limits.ts';
import { alive, eventually, liveProcesses } from '../support/processes.ts';

const NAMING = new URL('../fixtures/reaper/naming.mts', import.meta.url).pathname;

const until = async (what: string, done: () => boolean) =>
  assert.ok(await eventually(done, 60_000), `still waiting for ${what}`);

/** Starts the naming process, reads its JSON line, kills it with -9 (after `delayMs`). */
async function nameThenDie(args: string[], delayMs = 0): Promise<Record<string, unknown>> {
  const child = execa('node', ['--import', 'tsx', NAMING, ...args], { reject: false, stdin: 'ignore', buffer: false });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`the naming process exited (${code}) before it named anything`)));
  });
  if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await child;
  return JSON.parse(line) as Record<string, unknown>;
}

const probe = createCgroup(`reaper-probe-${process.pid}`, { pidsMax: 100 });
probe.remove();
const noCgroup = probe.kind === 'none' ? `no usable cgroup: ${probe.reason}` : false;

test('a process group named to the reaper dies with the process that named it; one never named lives', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-reaper-')), 'child');
  const { named, child, never } = (await nameThenDie(['group', file])) as Record<string, number>;
  try {
    await until('the named process group to be killed', () => !alive(named!) && !alive(child!));
    assert.ok(alive(never!), 'a process group never named to the reaper was killed');
  } finally {
    for (const pid of [named!, child!, never!]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('a cgroup named to the reaper loses every process and is removed; a process that comes to join it later cannot', {
  skip: noCgroup,
}, async () => {
  const gate = join(mkdtempSync(join(tmpdir(), 'ahe-reaper-')), 'gate');
  const out = (await nameThenDie(['cgroup', gate])) as {
    inside: number[];
    released: number[];
    releasedDirs: string[];
    late: number;
    dirs: string[];
  };
  try {
    assert.ok(out.inside.length >= 2 && out.dirs.length >= 1, JSON.stringify(out));
    await until('the named cgroup to be removed', () => out.dirs.every((d) => !existsSync(d)));
    for (const pid of out.inside) assert.ok(!alive(pid), `process ${pid} of the named cgroup still runs`);
    // Only now may the late one try to join: the cgroup is gone, so it fails and never runs `sleep`.
    writeFileSync(gate, '');
    await until('the late process to give up', () => !alive(out.late));
    // A released cgroup is the sandbox's own business again (its close removes it), not the reaper's.
    for (const pid of out.released) assert.ok(alive(pid), `process ${pid} of a released cgroup was killed`);
    assert.ok(out.releasedDirs.every((d) => existsSync(d)));
  } finally {
    for (const pid of [...out.inside, ...out.released, out.late]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await until('the released cgroup to empty', () => out.released.every((p) => !alive(p)));
    for (const d of [...out.dirs, ...out.releasedDirs])
      if (existsSync(d))
        await until(`${d} to be removable`, () => {
          try {
            rmdirSync(d);
            return true;
          } catch {
            return false;
          }
        });
  }
});

test('a container named to the reaper is removed by its command; a released one is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-reaper-'));
  const out = (await nameThenDie(['removal', dir])) as { named: string; released: string; reaper: number };
  await until('the named container to be removed', () => existsSync(out.named));
  assert.equal(readFileSync(out.named, 'utf8'), 'removed as named\n');
  // The reaper starts every removal, waits for them all, then exits: after that, nothing more comes.
  await until('the reaper to exit', () => !alive(out.reaper));
  assert.ok(!existsSync(out.released), 'a released container was removed');
});

test("the host backend's commands die with the process that ran them", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-reaper-host-'));
  const out = (await nameThenDie(['host', dir])) as { exec: number; spawn: number };
  try {
    await until('the host commands to be killed', () => !alive(out.exec) && !alive(out.spawn));
  } finally {
    for (const pid of [out.exec, out.spawn]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('a bwrap sandbox whose starter is killed with -9 while it starts leaves no process behind', {
  skip: bwrapAvailable() ? false : bwrapInstallHint(),
}, async () => {
  // bwrap's --die-with-parent alone left 3 to 11 such sandboxes in 60 kills on a loaded machine; the
  // kills land at different points of the start, but whatever the point, nothing may be left.
  const root = mkdtempSync(join(tmpdir(), 'ahe-reaper-sandboxes-'));
  const trials = [0, 5, 10, 15, 20, 30, 40, 60, 80, 120].map((delay, i) => ({ delay, dir: join(root, `t${i}`) }));
  for (const { delay, dir } of trials) await nameThenDie(['sandbox', dir], delay);
  const left = () => liveProcesses().filter((p) => p.cmdline.includes(root));
  await until('every sandbox of a killed starter to be gone', () => left().length === 0);
});
