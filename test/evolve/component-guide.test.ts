// The component guide is generated from the code: the committed snapshot (docs/component-guide.md) and
// the marked region of docs/harness.md must equal what the generator writes now — so a schema or hook
// change without `npm run docs:guide` fails here — and every example in it validates through the real
// validator when written into a copy of the seed harness.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  componentGuide,
  GUIDE_BEGIN,
  GUIDE_COMPONENTS,
  GUIDE_END,
  guideComponentOf,
  guideExamples,
  renderComponentGuide,
  schemaText,
  withGuideRegion,
} from '../../src/evolve/component-guide.ts';
import { HarnessManifestSchema, MIDDLEWARE_HOOKS, ToolSpecSchema } from '../../src/harness/schemas.ts';
import { validateHarness } from '../../src/harness/validate-harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGEN = 'run `npm run docs:guide` and commit the result';

test('docs/component-guide.md is what the generator writes now', () => {
  const committed = readFileSync(join(ROOT, 'docs', 'component-guide.md'), 'utf8');
  assert.equal(committed, renderComponentGuide(), `docs/component-guide.md is stale: ${REGEN}`);
});

test("docs/harness.md's generated region is current and sits at the end between its markers", () => {
  const doc = readFileSync(join(ROOT, 'docs', 'harness.md'), 'utf8');
  assert.ok(doc.includes(GUIDE_BEGIN) && doc.includes(GUIDE_END), `docs/harness.md has no guide region: ${REGEN}`);
  assert.equal(doc, withGuideRegion(doc), `docs/harness.md's component guide is stale: ${REGEN}`);
});

test('the guide follows the code: every schema field, every hook and every component type is in it', () => {
  const guide = renderComponentGuide();
  for (const hook of MIDDLEWARE_HOOKS) assert.match(componentGuide('middleware'), new RegExp(`\\b${hook}\\b`));
  // Fields from the zod schemas appear without being written by hand anywhere in the generator.
  for (const field of ['context_budget_tokens', 'max_parallel_subagents', 'keep_last_turns', 'reasoning_effort'])
    assert.match(guide, new RegExp(`\\b${field}:`));
  assert.match(componentGuide('tools'), /parallel: boolean/);
  assert.match(componentGuide('tools'), /interface ToolContext \{/);
  assert.match(componentGuide('middleware'), /interface MiddlewareContext \{/);
  assert.match(componentGuide('tools'), /`require\('fs'\)` → calls 'require'/);
  assert.match(componentGuide('tools'), /Globals beside the JavaScript built-ins: .*setTimeout/);
  assert.doesNotMatch(componentGuide('tools'), /Globals beside the JavaScript built-ins: [^.\n]*\bprocess\b/);
  for (const c of GUIDE_COMPONENTS) assert.ok(guide.includes(componentGuide(c)));
  assert.equal(guideComponentOf('sub-agent'), 'subagents');
  assert.equal(guideComponentOf('harness.yaml'), 'manifest');
  assert.equal(guideComponentOf('nonsense'), undefined);
});

test('a schema change is a guide change: a new field, a new default, a removed field each show', () => {
  const before = schemaText(ToolSpecSchema);
  assert.match(before, /^parallel: boolean {3}# optional$/m);
  assert.match(
    schemaText(ToolSpecSchema.extend({ timeout_sec: z.number().positive().default(30) })),
    /^timeout_sec: number, > 0 {3}# default 30$/m,
  );
  assert.doesNotMatch(schemaText(ToolSpecSchema.omit({ parallel: true })), /parallel/);
  assert.equal(schemaText(ToolSpecSchema), before, 'rendering is deterministic');
  // The committed guide holds exactly the rendering of the live schemas.
  assert.ok(renderComponentGuide().includes(schemaText(HarnessManifestSchema)));
});

test('every example of the guide validates through the real validator, without warnings', async () => {
  for (const [component, files] of Object.entries(guideExamples())) {
    const dir = mkdtempSync(join(tmpdir(), `ahe-guide-${component}-`));
    cpSync(join(ROOT, 'harnesses', 'seed'), dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    const report = await validateHarness(dir);
    assert.deepEqual(report.diagnostics, [], `${component} example does not validate`);
    assert.deepEqual(report.warnings, [], `${component} example has warnings`);
    const stats = report.stats as Record<string, number>;
    if (component in stats) assert.ok(stats[component]! >= 1, `${component} example was not loaded`);
  }
});
