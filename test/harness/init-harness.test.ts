import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { initHarness } from '../../src/harness/init-harness.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { SEED, scratchPath } from './harness-variants.ts';

test('init writes a copy of harnesses/seed that loads', async () => {
  const dir = scratchPath('init');
  await initHarness(dir);
  assert.deepEqual(readdirSync(dir, { recursive: true }).sort(), [
    'harness.yaml',
    'system_prompt.md',
    'tools',
    'tools/run_shell_command.ts',
    'tools/run_shell_command.yaml',
  ]);
  for (const file of [
    'harness.yaml',
    'system_prompt.md',
    'tools/run_shell_command.ts',
    'tools/run_shell_command.yaml',
  ]) {
    assert.equal(readFileSync(join(dir, file), 'utf8'), readFileSync(join(SEED, file), 'utf8'), file);
  }
  const harness = await loadHarness(dir);
  assert.equal(harness.contentHash, (await loadHarness(SEED)).contentHash);
});

test('init accepts an existing empty directory and refuses a non-empty one or a file, writing nothing', async () => {
  const empty = scratchPath('empty');
  mkdirSync(empty);
  await initHarness(empty);
  assert.equal((await loadHarness(empty)).name, 'seed');

  const busy = scratchPath('busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'notes.txt'), 'mine');
  await assert.rejects(
    initHarness(busy),
    (e: unknown) => e instanceof UserError && /busy-\d+ is not empty/.test(e.message),
  );
  assert.deepEqual(readdirSync(busy), ['notes.txt']);

  const file = scratchPath('file');
  writeFileSync(file, 'x');
  await assert.rejects(initHarness(file), /is a file/);
});
