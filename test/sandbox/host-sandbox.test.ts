import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHostSandbox } from '../../src/sandbox/host-sandbox.ts';
import { alive, eventually } from '../support/processes.ts';

const sandbox = () => createHostSandbox({ workdir: mkdtempSync(join(tmpdir(), 'ahe-host-')) });

test('exec returns exit code, stdout and stderr as values, in the workdir, with env', async () => {
  const sb = sandbox();
  const r = await sb.exec('echo out; echo err >&2; pwd; echo $GREETING; exit 3', { env: { GREETING: 'hi' } });
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout, `out\n${sb.workdir}\nhi\n`);
  assert.equal(r.stderr, 'err\n');
  assert.equal(r.timedOut, false);
  mkdirSync(join(sb.workdir, 'sub'));
  assert.equal((await sb.exec('pwd', { cwd: 'sub' })).stdout.trim(), join(sb.workdir, 'sub'));
  const missing = await sb.exec('definitely-not-a-command-xyz');
  assert.equal(missing.exitCode, 127);
  assert.match(missing.stderr, /command not found/);
});

test('a timeout kills the command and everything it started', async () => {
  const sb = sandbox();
  const r = await sb.exec('sleep 100 & echo $! > child.pid; sleep 100', { timeoutSec: 3 });
  assert.equal(r.timedOut, true);
  assert.equal(r.exitCode, null);
  const childPid = Number(readFileSync(join(sb.workdir, 'child.pid'), 'utf8'));
  assert.equal(await eventually(() => !alive(childPid)), true);
});

test('the output cap keeps head and tail and counts the dropped bytes', async () => {
  const sb = sandbox();
  const r = await sb.exec('echo FIRST; yes | head -c 20000000; echo; echo LAST', { maxOutputBytes: 100_000 });
  assert.equal(r.exitCode, 0);
  assert.ok(r.stdout.startsWith('FIRST\n'));
  assert.ok(r.stdout.trimEnd().endsWith('LAST'));
  assert.ok(r.droppedBytes > 19_800_000 && r.droppedBytes < 20_000_000, String(r.droppedBytes));
  assert.ok(r.stdout.length < 101_000);
});

test('a background process that keeps stdout open does not hang exec; close() kills it', async () => {
  const sb = sandbox();
  const started = Date.now();
  const r = await sb.exec('sleep 30 & echo $! > bg.pid; echo started', { timeoutSec: 20 });
  assert.equal(r.timedOut, false);
  assert.ok(Date.now() - started < 15_000); // not held until the background sleep (30 s) ends
  assert.equal(r.stdout, 'started\n');
  const bg = Number(readFileSync(join(sb.workdir, 'bg.pid'), 'utf8'));
  assert.equal(alive(bg), true); // still there for the next command, as in a container
  await sb.close();
  assert.equal(await eventually(() => !alive(bg)), true);
});

test('an AbortSignal kills the running command', async () => {
  const sb = sandbox();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const started = Date.now();
  const r = await sb.exec('sleep 20', { signal: controller.signal });
  assert.ok(Date.now() - started < 15_000); // well before the sleep's 20 s
  assert.equal(r.exitCode, null);
});

test('files are read, written, uploaded and downloaded relative to the workdir', async () => {
  const sb = sandbox();
  await sb.writeFile('a/b.txt', 'hello');
  assert.equal(await sb.readFile('a/b.txt'), 'hello');
  const src = mkdtempSync(join(tmpdir(), 'ahe-up-'));
  writeFileSync(join(src, 'x.txt'), 'x');
  await sb.upload(src, 'uploaded');
  assert.equal((await sb.exec('cat uploaded/x.txt')).stdout, 'x');
  const dest = join(mkdtempSync(join(tmpdir(), 'ahe-down-')), 'copy');
  await sb.download('a', dest);
  assert.ok(existsSync(join(dest, 'b.txt')));
});

test('output is never lost when the event loop is blocked as commands exit (e.g. by a synchronous copy)', async () => {
  const { execFileSync } = await import('node:child_process');
  const sb = sandbox();
  let stop = false;
  // Another trial's synchronous work: the loop stalls longer than the runner's drain delay, again and again.
  const blocker = (async () => {
    while (!stop) {
      execFileSync('sleep', ['0.15']);
      await new Promise((r) => setImmediate(r));
    }
  })();
  let lost = 0;
  let total = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let j = 0; j < 4; j++) {
        const r = await sb.exec('echo reward.txt');
        total += 1;
        if (r.stdout !== 'reward.txt\n') lost += 1;
      }
    }),
  );
  stop = true;
  await blocker;
  assert.equal(lost, 0, `${lost} of ${total} commands came back without their output`);
});
