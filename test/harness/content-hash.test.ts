import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { taskChecksum } from '../../src/bench/run-trial.ts';
import { harnessContentHash, hashDirectory, listFiles } from '../../src/harness/content-hash.ts';
import { packDirectory } from '../../src/queue/file-bundle.ts';

/** Writes files (path → content) into a fresh directory, in the order given. */
function tree(files: [string, string][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-hash-'));
  for (const [path, content] of files) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const FILES: [string, string][] = [
  ['b.txt', 'bee\n'],
  ['a/x.sh', 'echo x\n'],
  ['a/y/z.md', 'zed\n'],
  ['a-c', 'dash\n'],
];

test('the hash does not depend on the order files were created in', () => {
  const one = tree(FILES);
  const two = tree([...FILES].reverse());
  assert.equal(hashDirectory(one), hashDirectory(two));
  assert.equal(hashDirectory(one, { modeBits: 0o111 }), hashDirectory(two, { modeBits: 0o111 }));
  assert.deepEqual(listFiles(one), ['a-c', 'a/x.sh', 'a/y/z.md', 'b.txt']);
});

test('a changed content, a renamed file, a moved file or bytes moved from name to content change the hash', () => {
  const base = hashDirectory(tree(FILES));
  const variants: [string, string][][] = [
    FILES.map(([p, c]) => [p, p === 'b.txt' ? 'bee!\n' : c]),
    FILES.map(([p, c]) => [p === 'b.txt' ? 'B.txt' : p, c]),
    FILES.map(([p, c]) => [p === 'a/y/z.md' ? 'a/z.md' : p, c]),
    [...FILES, ['empty', '']],
  ];
  for (const files of variants) assert.notEqual(hashDirectory(tree(files)), base, JSON.stringify(files));
  assert.notEqual(hashDirectory(tree([['ab', 'c']])), hashDirectory(tree([['a', 'bc']])));
});

test('permission bits count only as asked: the executable bit for caches, every bit for bundles', () => {
  const dir = tree(FILES);
  const plain = hashDirectory(dir);
  const exec = hashDirectory(dir, { modeBits: 0o111 });
  const all = hashDirectory(dir, { modeBits: 0o777 });
  chmodSync(join(dir, 'a/x.sh'), 0o755);
  assert.equal(hashDirectory(dir), plain, 'contents only: the mode does not count');
  const exec2 = hashDirectory(dir, { modeBits: 0o111 });
  assert.notEqual(exec2, exec);
  assert.notEqual(hashDirectory(dir, { modeBits: 0o777 }), all);
  // A write bit (the checkout's umask) is not part of a cache key, but a bundle restores it.
  const all2 = hashDirectory(dir, { modeBits: 0o777 });
  chmodSync(join(dir, 'a/x.sh'), 0o775);
  assert.equal(hashDirectory(dir, { modeBits: 0o111 }), exec2);
  assert.notEqual(hashDirectory(dir, { modeBits: 0o777 }), all2);
});

test('what is skipped: names the caller skips, dangling symlinks and special files; a symlinked file counts by its content', () => {
  const dir = tree([...FILES, ['.git/HEAD', 'ref\n'], ['node_modules/m/i.js', '1\n']]);
  const skipHidden = (name: string) => name.startsWith('.') || name === 'node_modules';
  assert.equal(hashDirectory(dir, { skip: skipHidden }), hashDirectory(tree(FILES)));
  assert.notEqual(hashDirectory(dir), hashDirectory(dir, { skip: skipHidden }));

  const linked = tree(FILES);
  const before = hashDirectory(linked);
  symlinkSync(join(linked, 'nowhere'), join(linked, 'dangling'));
  execFileSync('mkfifo', [join(linked, 'pipe')]);
  assert.equal(hashDirectory(linked), before, 'a dangling symlink and a fifo are left out');
  symlinkSync('b.txt', join(linked, 'c.txt'));
  assert.deepEqual(listFiles(linked), ['a-c', 'a/x.sh', 'a/y/z.md', 'b.txt', 'c.txt']);
  const copied = tree([...FILES, ['c.txt', 'bee\n']]);
  assert.equal(hashDirectory(linked), hashDirectory(copied));
});

test('one byte format: a harness hash, a task checksum and a bundle address agree with it', () => {
  const dir = tree([['a.txt', 'hello']]);
  // The format results already recorded (job config.json compares harness hashes on resume).
  const expected = createHash('sha256').update('a.txt').update('\0').update('hello').update('\0').digest('hex');
  assert.equal(harnessContentHash(dir, ['a.txt']), expected);
  assert.equal(hashDirectory(dir), expected);
  assert.equal(taskChecksum(dir), expected.slice(0, 16));
  chmodSync(join(dir, 'a.txt'), 0o640);
  const bundled = createHash('sha256')
    .update('a.txt')
    .update('\0')
    .update(String(0o640))
    .update('\0')
    .update('hello')
    .update('\0')
    .digest('hex');
  assert.equal(packDirectory(dir).sha256, bundled);
  assert.equal(hashDirectory(dir, { modeBits: 0o777 }), bundled);
});

test('a renamed folder changes the hash even when every file name stays', () => {
  const dir = tree(FILES);
  const before = hashDirectory(dir);
  renameSync(join(dir, 'a'), join(dir, 'd'));
  assert.notEqual(hashDirectory(dir), before);
});
