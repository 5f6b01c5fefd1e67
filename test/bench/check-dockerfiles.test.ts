// scripts/check-dockerfiles.ts on a folder of tasks: each Dockerfile prepared or refused with its reason,
// tallied, and the tasks that have no Dockerfile but a prebuilt docker_image (as most public copies of
// Terminal-Bench 2 do) counted apart. Dry run: nothing is executed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTask } from '../support/make-task.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

test('check-dockerfiles tallies prepared, refused by reason, and docker_image-only tasks', () => {
  const root = join(makeTask({ name: 'prepared' }), '..');
  makeTask({ name: 'adds-user', dockerfile: 'FROM debian:bookworm-slim\nRUN useradd -m agent\n' }, root);
  const imageOnly = makeTask({ name: 'image-only' }, root);
  rmSync(join(imageOnly, 'environment'), { recursive: true });
  writeFileSync(
    join(imageOnly, 'task.toml'),
    'schema_version = "1.1"\n[task]\nname = "terminal-bench/image-only"\n[environment]\ndocker_image = "alexgshaw/image-only:20251031"\n',
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-dockerfiles.ts', root, '--verbose'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok {6}prepared\/environment\/Dockerfile$/m);
  assert.match(r.stdout, /^REFUSED adds-user\/environment\/Dockerfile$/m);
  assert.match(r.stdout, /2 Dockerfiles under .* \(dry run\):/);
  assert.match(r.stdout, /^ {4}1 {2}prepared$/m);
  assert.match(r.stdout, /^ {4}1 {2}creates a user/m);
  assert.match(r.stdout, /^image {3}image-only \(alexgshaw\/image-only:20251031\)$/m);
  assert.match(r.stdout, /^ {4}1 {2}more tasks have no Dockerfile, only docker_image/m);
});
