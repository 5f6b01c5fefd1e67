// scripts/setup-docker.mjs as `npm run test:containers` runs it: ready where a daemon answers (it checks
// the base image), and where none can be reached it says why, leaves the reason in its skip file and
// exits 0, so the docker tests skip instead of failing. TMPDIR points the skip file at a directory of
// the test's own, so the suite's real skip file is never touched.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedPortUrl } from '../support/closed-port.ts';
import { containerSkipReason } from '../support/container-engines.ts';

const SCRIPT = resolve(fileURLToPath(import.meta.url), '../../../scripts/setup-docker.mjs');
const skip = containerSkipReason('docker');

function setup(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-setup-docker-'));
  try {
    const r = spawnSync(process.execPath, [SCRIPT], {
      env: { ...process.env, TMPDIR: dir, ...env },
      encoding: 'utf8',
      timeout: 600_000,
    });
    const file = join(dir, 'ahe-containers-skip-docker.txt');
    return { ...r, skipFile: existsSync(file) ? readFileSync(file, 'utf8') : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('setup-docker: a daemon that answers with a sound base image is ready, no skip file', { skip }, () => {
  const r = setup({});
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^setup-docker: ready: docker runs ahe-base:local$/m, r.stdout);
  assert.equal(r.skipFile, undefined);
});

test('setup-docker: a DOCKER_HOST nobody answers on is a skip with its reason, exit 0', { skip }, async () => {
  const host = (await closedPortUrl('')).replace('http://', 'tcp://');
  const r = setup({ DOCKER_HOST: host });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^setup-docker: SKIP: the Docker daemon at DOCKER_HOST\/AHE_DOCKER_FLAGS does not answer: /m);
  assert.match(r.skipFile ?? '', /does not answer/);
});
