// The image backend's pieces that need no container engine: symbolic links resolved inside an image's
// root, USER looked up in its layers, whiteouts hiding lower layers, and the cache's bookkeeping
// (eviction order, holders alive or dead, layers shared and dropped) over a cache laid out by hand.
// The engine-backed tests are in test/containers/image-backend.test.ts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lookupInLayers } from '../../src/sandbox/image-layers.ts';
import { cacheBytes, holdCachedRoot, listImageRoots, removeImageRoots } from '../../src/sandbox/image-root.ts';
import { resolveImageUser, resolveInRoot } from '../../src/sandbox/image-sandbox.ts';

const dirs: string[] = [];
const tmp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('paths are resolved inside the root: absolute and climbing links never leave it', () => {
  const root = tmp('ahe-rir-');
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'app'));
  symlinkSync('/etc', join(root, 'app/etc-link'));
  symlinkSync('../../../../..', join(root, 'app/up'));
  symlinkSync('loop', join(root, 'app/loop'));
  assert.equal(resolveInRoot(root, '/app/etc-link/passwd'), join(root, 'etc/passwd'));
  assert.equal(resolveInRoot(root, '/app/up/etc'), join(root, 'etc'));
  assert.equal(resolveInRoot(root, '/app/../../../etc'), join(root, 'etc'));
  assert.equal(resolveInRoot(root, '/app/new/file'), join(root, 'app/new/file'));
  assert.throws(() => resolveInRoot(root, '/app/loop/x'), /too many levels of symbolic links/);
});

test("the image's USER is found in the topmost layer's /etc/passwd; an unknown name is named", () => {
  const lower = tmp('ahe-rl-');
  const upper = tmp('ahe-ru-');
  mkdirSync(join(lower, 'etc'));
  mkdirSync(join(upper, 'etc'));
  writeFileSync(join(lower, 'etc/passwd'), 'root:x:0:0::/root:/bin/bash\n');
  writeFileSync(join(upper, 'etc/passwd'), 'root:x:0:0::/root:/bin/bash\napp:x:1000:1001::/home/app:/bin/bash\n');
  writeFileSync(join(upper, 'etc/group'), 'staff:x:50:\n');
  const layers = [upper, lower];
  assert.deepEqual(resolveImageUser(layers, 'app'), { uid: 1000, gid: 1001, home: '/home/app' });
  assert.deepEqual(resolveImageUser(layers, 'app:staff'), { uid: 1000, gid: 50, home: '/home/app' });
  assert.deepEqual(resolveImageUser(layers, '1234:5'), { uid: 1234, gid: 5, home: '/' });
  assert.throws(() => resolveImageUser([lower], 'app'), /USER app is not in its \/etc\/passwd/);
  assert.throws(() => resolveImageUser(layers, 'app:nogroup'), /no group nogroup/);
});

test('a whiteout in an upper layer hides the lower file', (t) => {
  if (process.getuid?.() !== 0) return t.skip('mknod of a whiteout needs root');
  const lower = tmp('ahe-wl-');
  const upper = tmp('ahe-wu-');
  writeFileSync(join(lower, 'gone'), 'x');
  writeFileSync(join(lower, 'kept'), 'x');
  assert.equal(spawnSync('mknod', [join(upper, 'gone'), 'c', '0', '0']).status, 0);
  assert.equal(lookupInLayers([upper, lower], 'gone'), undefined);
  assert.equal(lookupInLayers([upper, lower], 'kept'), join(lower, 'kept'));
});

/** A root as the cache lays it out: meta.json, its layers (each with its size), a last-used time. */
function fakeRoot(cache: string, key: string, layers: string[], usedAt: number): void {
  const dir = join(cache, key);
  mkdirSync(join(dir, 'users'), { recursive: true });
  mkdirSync(join(dir, 'fix'));
  const meta = { format: 'v2', image: `img-${key}`, imageId: key, engine: 'docker', sizeBytes: 0, layers };
  meta.sizeBytes = layers.length * 1000;
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...meta, config: { workdir: '/', env: {}, user: '' } }));
  writeFileSync(join(dir, 'last-used'), '');
  utimesSync(join(dir, 'last-used'), usedAt, usedAt);
  for (const layer of layers) {
    mkdirSync(join(cache, '.layers', layer, 'diff'), { recursive: true });
    writeFileSync(join(cache, '.layers', layer, 'size'), '1000');
  }
}

test('eviction: least recently used first, shared layers counted once and kept while a root uses them, held roots never', async () => {
  const cache = tmp('ahe-cache-');
  fakeRoot(cache, 'v2-old', ['l-base', 'l-old'], 1000);
  fakeRoot(cache, 'v2-mid', ['l-base', 'l-mid'], 2000);
  fakeRoot(cache, 'v2-new', ['l-base', 'l-new'], 3000);
  // A holder that died (no such process) does not count; a live one (this process) does.
  writeFileSync(join(cache, 'v2-old', 'users', '999999999-1.dead'), '');
  assert.equal(cacheBytes(cache), 4000, 'the base layer counts once');
  assert.deepEqual(
    listImageRoots(cache).map((e) => [e.key, e.users.length]),
    [
      ['v2-old', 0],
      ['v2-mid', 0],
      ['v2-new', 0],
    ],
  );
  const held = holdCachedRoot('v2-mid', cache);
  assert.ok(held);
  assert.deepEqual(held.lowerDirs, [
    join(cache, 'v2-mid', 'fix'),
    join(cache, '.layers', 'l-base', 'diff'),
    join(cache, '.layers', 'l-mid', 'diff'),
  ]);
  // Holding it made mid the most recently used. Down to 2000 bytes: old goes (and its own layer), then new.
  const { removed } = await removeImageRoots({ cache, capBytes: 2000 });
  assert.deepEqual(
    removed.map((e) => e.key),
    ['v2-old', 'v2-new'],
  );
  // Down to nothing: mid is held, so it stays, and the base layer with it.
  const { kept } = await removeImageRoots({ cache, capBytes: 0 });
  assert.deepEqual(
    kept.map((e) => e.key),
    ['v2-mid'],
  );
  assert.equal(existsSync(join(cache, '.layers', 'l-old')), false);
  assert.equal(existsSync(join(cache, '.layers', 'l-new')), false);
  assert.equal(existsSync(join(cache, '.layers', 'l-base', 'diff')), true);
  assert.equal(cacheBytes(cache), 2000);
  held.release();
  // Released: gc may take it, and the layers with it.
  await removeImageRoots({ cache });
  assert.deepEqual(listImageRoots(cache), []);
  assert.equal(cacheBytes(cache), 0);
  assert.equal(holdCachedRoot('v2-mid', cache), undefined);
});

test('a root whose layers are gone is not held (it is prepared again)', () => {
  const cache = tmp('ahe-cache-');
  fakeRoot(cache, 'v2-broken', ['l-a'], 1000);
  rmSync(join(cache, '.layers', 'l-a'), { recursive: true });
  assert.equal(holdCachedRoot('v2-broken', cache), undefined);
  assert.equal(existsSync(join(cache, 'v2-broken')), false);
});
