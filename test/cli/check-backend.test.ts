// The one availability check every command runs before it spends anything: a backend that cannot run
// here is a UserError naming --backend and what to install or start (never a stack, never mid-job).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBackend } from '../../src/cli/check-backend.ts';
import { UserError } from '../../src/errors.ts';
import { bwrapAvailable } from '../../src/sandbox/bwrap-sandbox.ts';

/** Runs `body` with no container engine on PATH. */
async function withoutEngines(body: () => Promise<void>): Promise<void> {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent-ahe-test';
  try {
    await body();
  } finally {
    process.env.PATH = path;
  }
}

test('podman, docker and image name the missing engine; image names both', async () => {
  await withoutEngines(async () => {
    await assert.rejects(
      checkBackend('podman'),
      (e: Error) => e instanceof UserError && /^--backend podman: podman is not installed/.test(e.message),
    );
    await assert.rejects(
      checkBackend('docker'),
      (e: Error) => e instanceof UserError && /^--backend docker: docker is not installed/.test(e.message),
    );
    await assert.rejects(checkBackend('image'), (e: Error) => {
      assert.ok(e instanceof UserError, String(e));
      if (bwrapAvailable()) {
        assert.match(e.message, /^--backend image: it needs a container engine .* neither answers/);
        assert.match(e.message, /podman: podman is not installed/);
        assert.match(e.message, /docker: docker is not installed/);
      } else assert.match(e.message, /^--backend image: bubblewrap is not installed/);
      return true;
    });
  });
});

test('bwrap passes where bubblewrap is installed, and otherwise says how to install it', async () => {
  if (bwrapAvailable()) await checkBackend('bwrap');
  else
    await assert.rejects(
      checkBackend('bwrap'),
      (e: Error) => e instanceof UserError && /^--backend bwrap: bubblewrap is not installed/.test(e.message),
    );
});
