// Where podman and docker differ on the command line, without an engine: `rm` (docker's has no `-t`, and
// refusing the whole command left every container of a docker run behind), and the network of a task
// that cannot use the internet. The engines themselves run in test/containers/ (npm run test:containers).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerEngine, removeArgs, runNetworkArgs } from '../../src/sandbox/container-engine.ts';

test('rm removes at once on both engines: podman with -t 0, docker without -t (it has none)', () => {
  const podman = containerEngine('podman', { AHE_PODMAN_FLAGS: '' });
  const docker = containerEngine('docker', {});
  assert.deepEqual(removeArgs(podman, ['a', 'b']), ['rm', '-f', '-t', '0', 'a', 'b']);
  assert.deepEqual(removeArgs(docker, ['a', 'b']), ['rm', '-f', 'a', 'b']);
});

test('a task without internet gets --network none on both engines, whatever the daemon has', async () => {
  // No engine is asked: an offline task never needs to know the daemon's networks.
  const missing = { kind: 'docker' as const, argv: ['/nonexistent/docker'] };
  assert.deepEqual(await runNetworkArgs(missing, false), ['--network', 'none']);
  assert.deepEqual(await runNetworkArgs(containerEngine('podman', { AHE_PODMAN_FLAGS: '' }), undefined), [
    '--network',
    'none',
  ]);
  assert.deepEqual(await runNetworkArgs(containerEngine('podman', { AHE_PODMAN_FLAGS: '' }), true), []);
});
