// Snapshot of exactly what the model sees for the seed harness: the rendered system prompt and tool list.
// A change to either is a visible diff in test/fixtures/seed-context.txt. Regenerate with UPDATE_SNAPSHOTS=1.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectTools } from '../../src/agent/builtin-tools.ts';
import { renderSystemPrompt } from '../../src/agent/render-context.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const SNAPSHOT = fileURLToPath(new URL('../fixtures/seed-context.txt', import.meta.url));

test('the seed harness shows the model exactly the checked-in system prompt and tool list', async () => {
  const harness = await loadHarness(SEED);
  const tools = collectTools(harness).map((t) => t.definition);
  const rendered = `=== system prompt ===\n${renderSystemPrompt(harness)}=== tools ===\n${JSON.stringify(tools, null, 2)}\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, rendered);
  assert.ok(existsSync(SNAPSHOT), 'missing snapshot: run UPDATE_SNAPSHOTS=1 npm run test:unit');
  assert.equal(rendered, readFileSync(SNAPSHOT, 'utf8'));
  assert.deepEqual(
    tools.map((t) => t.name),
    ['run_shell_command'],
  );
});
