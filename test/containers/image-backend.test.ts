// The image backend (`--backend image`): the task's image, built once by the engine, its root
// unpacked once into a cache, each trial in a bwrap sandbox over a copy-on-write layer of it. The
// bundled tasks (oracle 1, noop 0), the image's WORKDIR/ENV/USER, the same attacks as the bwrap and
// container tests (network, writes outside, peeking at /tests, output flood, forged reward by stray
// processes, fork flood, symlink escapes), teardown after kill -9, cache reuse, eviction and gc.
// Run through `npm run test:containers`; under `npm run test:unit` it skips and says why.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask } from '../../src/bench/load-task.ts';
import { runJob } from '../../src/bench/run-job.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import { bwrapAvailable } from '../../src/sandbox/bwrap-sandbox.ts';
import { createCgroup } from '../../src/sandbox/cgroup-limits.ts';
import {
  type ContainerEngine,
  containerEngine,
  type EngineKind,
  runEngine,
} from '../../src/sandbox/container-engine.ts';
import { imageEngine } from '../../src/sandbox/image-engine.ts';
import { lookupInLayers } from '../../src/sandbox/image-layers.ts';
import { acquireImageRoot, listImageRoots, removeImageRoots } from '../../src/sandbox/image-root.ts';
import { createImageSandbox } from '../../src/sandbox/image-sandbox.ts';
import { makeTask, type TaskSpec } from '../support/make-task.ts';
import { HONEST_VERIFIER_SCRIPT, killedStrays, strayProcessesScript } from '../support/stray-processes.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const BASE = 'debian:bookworm-slim';

/** The engine that has the base image (AHE_IMAGE_ENGINE first, then docker, then podman), or why none. */
function chooseEngine(): EngineKind | string {
  if (process.env.AHE_CONTAINER_TESTS !== '1')
    return 'container tests run only through `npm run test:containers` (it prepares the engines and the base image)';
  if (!bwrapAvailable()) return 'bubblewrap is not installed';
  const forced = process.env.AHE_IMAGE_ENGINE;
  const order: EngineKind[] = forced === 'podman' || forced === 'docker' ? [forced] : ['docker', 'podman'];
  for (const kind of order) {
    const engine = containerEngine(kind);
    const r = spawnSync(engine.argv[0]!, [...engine.argv.slice(1), 'image', 'inspect', BASE], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    if (!r.error && r.status === 0) return kind;
  }
  return `no engine (${order.join(', ')}) answers with ${BASE} (run node scripts/setup-podman.mjs)`;
}
const chosen = chooseEngine();
const skip = chosen === 'docker' || chosen === 'podman' ? false : chosen;
if (skip) process.stdout.write(`# image backend tests skipped: ${skip}\n`);
else process.env.AHE_IMAGE_ENGINE = chosen;
const engineKind = (skip ? 'podman' : chosen) as EngineKind;
const engine = containerEngine(engineKind);

// A cache of this file's own: the tests count unpacks and evict without touching the user's cache.
const cacheRoot = mkdtempSync(join(tmpdir(), 'ahe-imgcache-'));
process.env.AHE_CACHE_DIR = cacheRoot;
const imageCache = join(cacheRoot, 'ahe', 'image-roots');
const tiny: [ContainerEngine, string][] = [];
after(async () => {
  if (!skip) await removeImageRoots({ cache: imageCache });
  rmSync(cacheRoot, { recursive: true, force: true });
  for (const [eng, tag] of tiny) await runEngine(eng, ['rmi', '-f', tag]);
});

const jobDir = () => mkdtempSync(join(tmpdir(), 'ahe-ijob-'));
function made(spec: TaskSpec): Task {
  const { task, problem } = loadTask(makeTask(spec));
  assert.ok(task, problem?.message);
  return task;
}
function bundled(name: string): Task {
  const { task, problem } = loadTask(join(ROOT, 'tasks/train', name));
  assert.ok(task, problem?.message);
  return task;
}
const trialFile = (dir: string, file: string) => readFileSync(join(dir, 'task__1', file), 'utf8');
const oracle = (task: Task, dir = jobDir(), pidsMax?: number) =>
  runTrial({ task, attempt: 1, jobDir: dir, agent: { kind: 'oracle' }, backend: 'image', pidsMax });
/** No overlay of the image backend is mounted where the host sees it (they live in private namespaces). */
const hostOverlays = () =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(' - overlay ahe-image '));

test('bundled tasks: the oracle passes and the noop agent fails on their own images; a second trial reuses the unpacked root', {
  skip,
}, async () => {
  const tasks = [bundled('top-words'), bundled('csv-region-totals')];
  for (const agent of ['oracle', 'noop'] as const) {
    const dir = jobDir();
    const outcome = await runJob({
      jobDir: dir,
      tasks,
      k: 1,
      agent: { kind: agent },
      backend: 'image',
      concurrency: 2,
      tasksDir: join(ROOT, 'tasks/train'),
    });
    assert.equal(outcome.interrupted, false);
    for (const t of tasks) {
      const result = JSON.parse(readFileSync(join(dir, `${t.name}__1`, 'result.json'), 'utf8'));
      assert.equal(result.config.environment.type, 'image');
      assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
      assert.equal(result.verifier_result.rewards.reward, agent === 'oracle' ? 1 : 0, `${agent} on ${t.name}`);
      const log = readFileSync(join(dir, `${t.name}__1`, 'trial.log'), 'utf8');
      // The oracle's job unpacked each root; the noop job, later, found them cached.
      if (agent === 'oracle') assert.match(log, /root v\d+-\w+ unpacked in/);
      else {
        assert.match(log, /root v\d+-\w+ cached/);
        assert.doesNotMatch(log, /unpacking the root/);
      }
    }
  }
  const roots = listImageRoots(imageCache);
  assert.equal(roots.length, 2);
  // Both images are built on the same base: its layers are cached once, for both.
  const layerDirs = readdirSync(join(imageCache, '.layers')).filter((n) => !n.startsWith('.'));
  assert.ok(roots.every((r) => r.layers > 1));
  assert.ok(layerDirs.length < roots[0]!.layers + roots[1]!.layers, `${layerDirs.length} layer directories`);
  assert.deepEqual(hostOverlays(), []);
});

test("the image's WORKDIR, ENV and USER apply; the network is cut unless the task allows it", { skip }, async () => {
  const server = createServer((s) => s.end('reached'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const dockerfile = `FROM ${BASE}\nENV GREETING=hello\nWORKDIR /work/dir\nUSER nobody\n`;
    const solve = `{ id -u; pwd; echo "$GREETING"; (timeout 3 cat < /dev/tcp/127.0.0.1/${port}) 2>/dev/null || echo offline; } > /tmp/probe.txt\n`;
    const test_ =
      'cp /tmp/probe.txt /logs/verifier/probe.txt; id -u > /logs/verifier/uid.txt; echo 1 > /logs/verifier/reward.txt\n';
    for (const allowInternet of [false, true]) {
      const dir = jobDir();
      const result = await oracle(made({ dockerfile, solve, test: test_, allowInternet }), dir);
      assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
      assert.deepEqual(trialFile(dir, 'verifier/probe.txt').trim().split('\n'), [
        '65534',
        '/work/dir',
        'hello',
        allowInternet ? 'reached' : 'offline',
      ]);
      assert.equal(trialFile(dir, 'verifier/uid.txt').trim(), '65534', 'the verifier runs as the image USER too');
    }
  } finally {
    server.close();
  }
});

test('an agent that reaches for the network, writes to the system, peeks at /tests, floods output and forges its reward is contained', {
  skip,
}, async () => {
  const task = made({
    solve: [
      'echo x > /usr/pwned && echo wrote-usr',
      '[ -z "$(ls -A /tests)" ] && echo tests-hidden || echo SAW-TESTS',
      `[ -e ${ROOT} ] && echo SAW-HOST || echo host-hidden`,
      'head -c 33554432 /dev/zero | tr "\\0" x', // 32 MB: 8 times the 4 MB cap
      'echo 1 > /logs/verifier/reward.txt',
      'echo after-flood >&2',
    ].join('\n'),
    test: 'if [ -f /app/done ]; then echo 1 > /logs/verifier/reward.txt; fi\n',
  });
  const dir = jobDir();
  const r = await oracle(task, dir);
  const out = trialFile(dir, 'agent/oracle.txt');
  const head = out.slice(0, 120).replace(/x{20,}/g, '<x…>');
  assert.ok(out.length < 10 * 1024 * 1024, `oracle.txt is ${out.length} bytes`);
  assert.ok(
    /wrote-usr\ntests-hidden\nhost-hidden\n/.test(out),
    `markers missing; oracle.txt starts ${JSON.stringify(head)}`,
  );
  assert.ok(out.includes('after-flood'));
  assert.ok(/\[\d+ bytes dropped\]/.test(out));
  assert.equal(r.verifier_result, null);
  assert.equal(r.exception_info?.exception_type, 'RewardFileNotFoundError');
  // The write to /usr stayed in that trial's layer: not on the host, not in the cached root, not in the next trial.
  assert.equal(existsSync('/usr/pwned'), false);
  const inCache = spawnSync('find', [imageCache, '-path', '*/usr/pwned'], { encoding: 'utf8' });
  assert.equal(inCache.stdout, '', 'the cached root was written to');
  const next = jobDir();
  await oracle(made({ solve: '[ -e /usr/pwned ] && echo LEAKED || echo clean\ntouch /app/done\n' }), next);
  assert.match(trialFile(next, 'agent/oracle.txt'), /^clean$/m);
});

test('nothing the agent phase started outlives it: background, double-forked, setsid, TERM-ignoring and fork-loop processes cannot forge the reward', {
  skip,
}, async () => {
  const dir = jobDir();
  const r = await oracle(
    made({ solve: strayProcessesScript('named-like-the-sandbox'), test: HONEST_VERIFIER_SCRIPT }),
    dir,
  );
  const verifierOut = trialFile(dir, 'verifier/test-stdout.txt');
  assert.match(verifierOut, /^alive:$/m, verifierOut.slice(0, 300));
  assert.deepEqual(r.verifier_result, { rewards: { reward: 0 } });
  assert.equal(r.exception_info, null);
  const killed = killedStrays(trialFile(dir, 'trial.log'));
  assert.ok(killed >= 6, `killed ${killed}`);
});

test('files the agent planted in /tests or /logs/verifier are gone before the verifier runs', { skip }, async () => {
  const dir = jobDir();
  const r = await oracle(
    made({
      solve:
        'mkdir -p /tests/sub; echo 1 > /logs/verifier/reward.txt; echo planted > /tests/conftest.py; echo x > /tests/sub/f\n',
      test: 'echo "tests:$(ls -A /tests | sort | tr "\\n" " ")"; [ -f /logs/verifier/reward.txt ] && echo FORGED-REWARD-SEEN\n',
    }),
    dir,
  );
  const out = trialFile(dir, 'verifier/test-stdout.txt');
  assert.match(out, /^tests:test.sh $/m, out.slice(0, 300));
  assert.doesNotMatch(out, /FORGED-REWARD-SEEN/);
  assert.equal(r.exception_info?.exception_type, 'RewardFileNotFoundError');
});

test('a fork flood stops at the pids limit and the trial goes on', { skip }, async (t) => {
  const probe = createCgroup('ahe-probe-image', { pidsMax: 10 });
  probe.remove();
  if (probe.kind === 'none') return t.skip(`no usable cgroup: ${probe.reason}`);
  const flood = [
    'import os, time',
    'n = 0',
    'for i in range(2000):',
    '    try:',
    '        pid = os.fork()',
    '    except OSError:',
    '        break',
    '    if pid == 0:',
    '        time.sleep(2)',
    '        os._exit(0)',
    '    n += 1',
    'print("forked", n, flush=True)',
  ].join('\n');
  const dir = jobDir();
  const r = await oracle(made({ solve: `python3 - <<'PY'\n${flood}\nPY\ntouch /app/done\n` }), dir, 100);
  const forked = Number(/forked (\d+)/.exec(trialFile(dir, 'agent/oracle.txt'))?.[1]);
  assert.ok(forked > 0 && forked < 100, trialFile(dir, 'agent/oracle.txt').slice(0, 300));
  assert.deepEqual(r.verifier_result, { rewards: { reward: 1 } });
});

test('symbolic links made inside the sandbox never lead the host out of it', { skip }, async () => {
  const root = await acquireImageRoot(engine, BASE, { timeoutSec: 600 });
  const trialDir = mkdtempSync(join(tmpdir(), 'ahe-itrial-'));
  const sandbox = await createImageSandbox({
    lowerDirs: root.lowerDirs,
    trialDir,
    workdir: '/app',
    onClose: root.release,
  });
  const outside = join(trialDir, 'outside.txt');
  try {
    const made_ = await sandbox.exec(
      `ln -s /etc /app/etc-link; ln -s ../../../../../../.. /app/up; ln -s ${outside} /app/abs; echo inside > /app/plain`,
    );
    assert.equal(made_.exitCode, 0, made_.stderr);
    await sandbox.writeFile('/app/etc-link/ahe-written', 'x');
    assert.equal(existsSync('/etc/ahe-written'), false);
    assert.equal((await sandbox.exec('cat /etc/ahe-written')).stdout, 'x');
    await sandbox.writeFile('/app/abs', 'through a link');
    assert.equal(existsSync(outside), false, 'an absolute link resolves inside the sandbox');
    assert.equal((await sandbox.exec(`cat ${outside}`)).stdout, 'through a link');
    assert.equal(
      await sandbox.readFile('/app/up/etc/hostname'),
      readFileSync(lookupInLayers(root.lowerDirs, 'etc/hostname')!, 'utf8'),
    );
    const out = mkdtempSync(join(tmpdir(), 'ahe-idl-'));
    await sandbox.download('/app', join(out, 'app'));
    assert.deepEqual(readdirSync(join(out, 'app')).sort(), ['plain'], 'links are not downloaded');
    rmSync(out, { recursive: true, force: true });
  } finally {
    await sandbox.close();
    rmSync(trialDir, { recursive: true, force: true });
  }
});

test('kill -9 of the process running a trial leaves no process, no mount and a removable layer', { skip }, async () => {
  const trialDir = mkdtempSync(join(tmpdir(), 'ahe-ikill-'));
  const script = [
    `import { containerEngine } from ${JSON.stringify(join(ROOT, 'src/sandbox/container-engine.ts'))};`,
    `import { acquireImageRoot } from ${JSON.stringify(join(ROOT, 'src/sandbox/image-root.ts'))};`,
    `import { createImageSandbox } from ${JSON.stringify(join(ROOT, 'src/sandbox/image-sandbox.ts'))};`,
    `const root = await acquireImageRoot(containerEngine('${engineKind}'), '${BASE}', { timeoutSec: 600 });`,
    `const sb = await createImageSandbox({ lowerDirs: root.lowerDirs, trialDir: ${JSON.stringify(trialDir)}, workdir: '/app' });`,
    "await sb.exec('(sleep 600 &) ; touch /app/started');",
    "process.stdout.write('started\\n');",
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolveStarted, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('started') && resolveStarted());
    child.on('exit', (code) => reject(new Error(`the child exited with ${code} before starting`)));
  });
  assert.equal(listImageRoots(imageCache).find((e) => e.users.includes(child.pid!))?.users.length, 1);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  // Everything of the sandbox went with it: the sleep, bwrap, and the overlay's namespace.
  for (let i = 0; i < 100 && spawnSync('pgrep', ['-f', 'sleep 600']).status === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.notEqual(spawnSync('pgrep', ['-f', 'sleep 600']).status, 0, 'a process of the sandbox survived');
  assert.deepEqual(hostOverlays(), []);
  assert.ok(existsSync(join(trialDir, '.image/upper/app/started')), "the trial's writes were in its layer");
  rmSync(trialDir, { recursive: true, force: true });
  assert.equal(existsSync(trialDir), false);
  // Its hold on the root died with it: gc may now remove the root.
  assert.equal(
    listImageRoots(imageCache).find((e) => e.users.includes(child.pid!)),
    undefined,
  );
});

/** A tiny image (one file): unpacks in an instant, for the cache's bookkeeping tests. */
async function tinyImage(name: string, eng: ContainerEngine = engine): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-tiny-'));
  writeFileSync(join(dir, 'name.txt'), `${name}\n`);
  spawnSync('tar', ['-cf', join(dir, 'root.tar'), '-C', dir, 'name.txt']);
  const tag = `localhost/ahe-test-tiny:${name}`;
  const r = await runEngine(eng, ['import', join(dir, 'root.tar'), tag]);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.exitCode, 0, r.stderr);
  tiny.push([eng, tag]);
  return tag;
}

test('the cache stays under its cap: least recently used roots are evicted first, never one in use', {
  skip,
}, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'ahe-icap-'));
  try {
    const [a, b, c] = [await tinyImage('a'), await tinyImage('b'), await tinyImage('c')];
    const opts = { timeoutSec: 120, cache, capBytes: 10 * 1024 ** 2 };
    const rootA = await acquireImageRoot(engine, a, opts);
    assert.equal(rootA.fresh, true);
    assert.equal(readFileSync(lookupInLayers(rootA.lowerDirs, 'name.txt')!, 'utf8'), 'a\n');
    rootA.release();
    const again = await acquireImageRoot(engine, a, opts);
    assert.equal(again.fresh, false, 'the second use of an image unpacks nothing');
    again.release();
    const rootB = await acquireImageRoot(engine, b, opts);
    rootB.release();
    // A cap smaller than two roots: unpacking c evicts a (used before b), then b; c itself is held.
    const small = { ...opts, capBytes: rootB.sizeBytes + 1 };
    const rootC = await acquireImageRoot(engine, c, small);
    assert.deepEqual(
      listImageRoots(cache).map((e) => e.image),
      [c],
    );
    // Held roots are never evicted, even over the cap.
    const rootA2 = await acquireImageRoot(engine, a, { ...opts, capBytes: 0 });
    assert.deepEqual(
      listImageRoots(cache)
        .map((e) => e.image)
        .sort(),
      [a, c].sort(),
    );
    rootC.release();
    rootA2.release();
    const { removed } = await removeImageRoots({ cache, capBytes: 0 });
    assert.equal(removed.length, 2);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('AHE_IMAGE_ROOT_EXPORT=1 exports a flat root instead of copying layers', { skip }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'ahe-iexp-'));
  process.env.AHE_IMAGE_ROOT_EXPORT = '1';
  try {
    const root = await acquireImageRoot(engine, await tinyImage('flat'), { timeoutSec: 120, cache });
    assert.equal(root.lowerDirs.length, 1);
    assert.equal(readFileSync(join(root.lowerDirs[0]!, 'name.txt'), 'utf8'), 'flat\n');
    assert.equal(listImageRoots(cache)[0]?.layers, 0);
    root.release();
  } finally {
    delete process.env.AHE_IMAGE_ROOT_EXPORT;
    await removeImageRoots({ cache });
    rmSync(cache, { recursive: true, force: true });
  }
});

test('ahe gc --backend image lists and removes cached roots, keeping those a trial holds', { skip }, async () => {
  const tag = await tinyImage('gc');
  const held = await acquireImageRoot(engine, BASE, { timeoutSec: 600 });
  const idle = await acquireImageRoot(engine, tag, { timeoutSec: 120 });
  idle.release();
  const { collectGarbage } = await import('../../src/cli/gc-action.ts');
  const capture = async (list: boolean) => {
    const write = process.stdout.write.bind(process.stdout);
    let text = '';
    process.stdout.write = ((chunk: string) => {
      text += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      await collectGarbage('image', list);
    } finally {
      process.stdout.write = write;
    }
    return text;
  };
  const listed = await capture(true);
  assert.match(listed, /image roots? cached in /);
  assert.match(listed, new RegExp(`${tag}.* not in use`));
  assert.match(listed, new RegExp(`${BASE}.* in use by pid ${process.pid}`));
  const removedText = await capture(false);
  assert.match(removedText, /^[1-9]\d* image roots? removed/m);
  assert.match(removedText, /kept: a running trial holds/);
  const left = listImageRoots(imageCache).map((e) => e.image);
  assert.ok(left.includes(BASE), 'the held root stays');
  assert.equal(left.includes(tag), false);
  held.release();
  assert.match(await capture(false), /removed/);
  assert.deepEqual(listImageRoots(imageCache), []);
});

test('AHE_IMAGE_ENGINE chooses the engine, and a wrong value is named', { skip }, async () => {
  assert.equal((await imageEngine()).kind, engineKind);
  await assert.rejects(
    imageEngine({ ...process.env, AHE_IMAGE_ENGINE: 'lxc' }),
    /AHE_IMAGE_ENGINE must be podman or docker/,
  );
});

// The other engine, when it has the base image too: the same trial and both ways of preparing a root.
const other: EngineKind = engineKind === 'docker' ? 'podman' : 'docker';
const otherSkip =
  skip ||
  (spawnSync(containerEngine(other).argv[0]!, [...containerEngine(other).argv.slice(1), 'image', 'inspect', BASE], {
    stdio: 'ignore',
    timeout: 60_000,
  }).status === 0
    ? false
    : `${other} has no ${BASE} here`);
test(`the image backend on ${other} too: WORKDIR/ENV/USER, layers and export`, { skip: otherSkip }, async () => {
  const eng = containerEngine(other);
  process.env.AHE_IMAGE_ENGINE = other;
  try {
    const dir = jobDir();
    const result = await oracle(
      made({
        dockerfile: `FROM ${BASE}\nENV GREETING=hello\nWORKDIR /work/dir\nUSER nobody\n`,
        files: { 'engine.txt': `${other}\n` }, // a build context of its own: a separate image
        solve: '{ id -u; pwd; echo "$GREETING"; } > /tmp/probe.txt\n',
        test: 'cp /tmp/probe.txt /logs/verifier/probe.txt; echo 1 > /logs/verifier/reward.txt\n',
      }),
      dir,
    );
    assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
    assert.match(trialFile(dir, 'trial.log'), new RegExp(`\\(${other}\\) root v\\d+-`));
    assert.deepEqual(trialFile(dir, 'verifier/probe.txt').trim().split('\n'), ['65534', '/work/dir', 'hello']);
    const cache = mkdtempSync(join(tmpdir(), 'ahe-iother-'));
    try {
      const layered = await acquireImageRoot(eng, await tinyImage('other', eng), { timeoutSec: 120, cache });
      assert.equal(readFileSync(lookupInLayers(layered.lowerDirs, 'name.txt')!, 'utf8'), 'other\n');
      layered.release();
      process.env.AHE_IMAGE_ROOT_EXPORT = '1';
      const flat = await acquireImageRoot(eng, await tinyImage('other-flat', eng), { timeoutSec: 120, cache });
      assert.equal(flat.lowerDirs.length, 1);
      assert.equal(readFileSync(join(flat.lowerDirs[0]!, 'name.txt'), 'utf8'), 'other-flat\n');
      flat.release();
    } finally {
      delete process.env.AHE_IMAGE_ROOT_EXPORT;
      await removeImageRoots({ cache });
      rmSync(cache, { recursive: true, force: true });
    }
  } finally {
    process.env.AHE_IMAGE_ENGINE = engineKind;
  }
});
