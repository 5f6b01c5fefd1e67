// The container backend's pure parts, without an engine: run flags from a task's limits, engine
// flags from the environment, and the image cache key (content hash of the build context).

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildContextHash } from '../../src/bench/container-image.ts';
import { containerEngine, engineFlags } from '../../src/sandbox/container-engine.ts';
import { containerRunArgs } from '../../src/sandbox/container-sandbox.ts';
import { makeTask } from '../support/make-task.ts';

const engine = containerEngine('podman', { AHE_PODMAN_FLAGS: '' });

test('run flags: labelled ahe=1 and by trial, no network unless allowed, cpu/memory/pids limits', () => {
  const args = containerRunArgs(
    { engine, image: 'ahe-env:abc', trialName: 'top-words__1', workdir: '/app', cpus: 2, memoryMb: 1024, pidsMax: 100 },
    'c1',
  );
  assert.deepEqual(args.slice(0, 4), ['run', '-d', '--name', 'c1']);
  for (const pair of [
    ['--label', 'ahe=1'],
    ['--label', 'ahe.trial=top-words__1'],
    ['--network', 'none'],
    ['--cpus', '2'],
    ['--memory', '1024m'],
    ['--pids-limit', '100'],
  ]) {
    const at = args.findIndex((a, i) => a === pair[0] && args[i + 1] === pair[1]);
    assert.ok(at >= 0, pair.join(' '));
  }
  assert.deepEqual(args.slice(-2), ['ahe-env:abc', 'infinity']);
  const online = containerRunArgs(
    { engine, image: 'x', trialName: 't__1', workdir: '/app', allowInternet: true },
    'c2',
  );
  assert.ok(!online.includes('--network'));
  assert.ok(!online.includes('--memory'));
});

test('engine flags come from AHE_PODMAN_FLAGS / AHE_DOCKER_FLAGS when set', () => {
  assert.deepEqual(engineFlags('podman', { AHE_PODMAN_FLAGS: ' --runtime /x  --log-level=error ' }), [
    '--runtime',
    '/x',
    '--log-level=error',
  ]);
  assert.deepEqual(engineFlags('docker', { AHE_DOCKER_FLAGS: '--context ci' }), ['--context', 'ci']);
  assert.deepEqual(engineFlags('podman', { AHE_PODMAN_FLAGS: '' }), []);
  assert.deepEqual(containerEngine('docker', {}).argv, ['docker']);
});

test('the image cache key changes with the Dockerfile or any build-context file, not otherwise', () => {
  const dir = makeTask({ files: { 'app/a.txt': 'one\n' } });
  const env = join(dir, 'environment');
  const key = () => buildContextHash(join(env, 'Dockerfile'), env);
  const first = key();
  assert.match(first, /^[0-9a-f]{16}$/);
  assert.equal(key(), first);
  writeFileSync(join(env, 'app/a.txt'), 'two\n');
  const second = key();
  assert.notEqual(second, first);
  writeFileSync(join(env, 'Dockerfile'), 'FROM debian:bookworm-slim\nWORKDIR /srv\n');
  assert.notEqual(key(), second);
});
