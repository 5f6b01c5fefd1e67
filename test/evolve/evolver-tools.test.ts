// The evolve agent's tools with stand-in checks: refusals reach the agent as tool errors that say why;
// commits require a valid, leak-free harness; the manifest must describe exactly the committed changes.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkManifest } from '../../src/evolve/check-manifest.ts';
import { createEvolverTools, type EvolverToolDeps } from '../../src/evolve/evolver-tools.ts';
import type { ToolContext, ToolResult } from '../../src/harness/types.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));

function setup(overrides: Partial<EvolverToolDeps> = {}) {
  const harnessDir = join(mkdtempSync(join(tmpdir(), 'ahe-evtools-')), 'harness');
  cpSync(SEED, harnessDir, { recursive: true });
  const written = new Set<string>();
  let valid = true;
  let leak: string | undefined;
  let manifest: unknown;
  const deps: EvolverToolDeps = {
    harnessDir,
    checkPath: (rel) =>
      /^(memory\/[\w-]+\.md|system_prompt\.md|tools\/[\w-]+\.(ts|yaml))$/.test(rel)
        ? undefined
        : `${rel} is not a harness component file`,
    checkContent: (rel, _before, after) =>
      rel === 'system_prompt.md' && !after.includes('coding agent') ? 'the seed system prompt must stay' : undefined,
    evidenceSections: () => ['overview', 'attribution'],
    readEvidence: async (s) => {
      if (s !== 'overview') throw new Error(`no section ${s}`);
      return 'pass@1 40%';
    },
    validate: async () => ({ ok: valid, text: valid ? 'ok' : 'memory/x.md:1 broken' }),
    uncommittedFiles: async () => [...written],
    auditUncommitted: async () => leak,
    commit: async (id) => {
      const files = [...written];
      written.clear();
      return { id, sha: `sha-${id}`, files };
    },
    writeManifest: async (value, committed) => {
      const r = checkManifest(value, {
        iteration: 2,
        committed,
        trainTasks: new Set(['top-words', 'csv-region-totals']),
      });
      if (r.ok) manifest = r.manifest;
      return r.ok ? [] : r.problems;
    },
    ...overrides,
  };
  const t = createEvolverTools(deps);
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolResult> => {
    const r = await t.tools.find((x) => x.definition.name === name)!.run(args, {} as ToolContext);
    if (typeof r === 'string') return { output: r };
    if (name === 'write_file' || name === 'edit_file') if (!r.isError) written.add(String(args.path));
    return r;
  };
  return {
    t,
    call,
    harnessDir,
    setValid: (v: boolean) => (valid = v),
    setLeak: (l?: string) => (leak = l),
    manifest: () => manifest,
  };
}

test('file tools stay inside component files and say why they refuse', async () => {
  const { call, harnessDir } = setup();
  assert.match(
    (await call('list_files')).output,
    /system_prompt\.md\ntools\/run_shell_command\.ts\ntools\/run_shell_command\.yaml/,
  );
  assert.equal(
    (await call('write_file', { path: 'memory/lessons.md', content: '- Verify the output format before finishing.\n' }))
      .isError,
    undefined,
  );
  assert.equal(
    readFileSync(join(harnessDir, 'memory', 'lessons.md'), 'utf8'),
    '- Verify the output format before finishing.\n',
  );
  const escaped = await call('write_file', { path: '../tasks/x/tests/test.sh', content: 'exit 0' });
  assert.equal(escaped.isError, true);
  assert.match(escaped.output, /refused: \.\.\/tasks\/x\/tests\/test\.sh is not a harness component file/);
  assert.equal(existsSync(join(harnessDir, '..', 'tasks')), false);
  const prompt = await call('write_file', { path: 'system_prompt.md', content: 'Be brief.' });
  assert.match(prompt.output, /refused: the seed system prompt must stay/);
  const twice = await call('edit_file', { path: 'memory/lessons.md', old_text: 'e', new_text: 'E' });
  assert.match(twice.output, /old_text must occur exactly once in memory\/lessons\.md; it occurs \d+ times/);
  assert.equal((await call('read_evidence', { section: 'overview' })).output, 'pass@1 40%');
  assert.match((await call('read_evidence', { section: 'holdout' })).output, /no section holdout/);
});

test('commit_change needs an edit, a valid harness and no leak; the manifest must match the commits', async () => {
  const s = setup();
  assert.match((await s.call('commit_change', { id: 'lesson', message: 'x' })).output, /nothing to commit/);
  await s.call('write_file', { path: 'memory/lessons.md', content: '- Check CSV quoting.\n' });
  s.setValid(false);
  assert.match(
    (await s.call('commit_change', { id: 'lesson', message: 'x' })).output,
    /does not validate:\nmemory\/x\.md:1 broken/,
  );
  s.setValid(true);
  s.setLeak('memory/lessons.md:1 task-name top-words');
  assert.match(
    (await s.call('commit_change', { id: 'lesson', message: 'x' })).output,
    /task-specific content found.*\nmemory\/lessons\.md:1 task-name top-words/s,
  );
  s.setLeak(undefined);
  assert.match(
    (await s.call('commit_change', { id: 'lesson', message: 'x' })).output,
    /committed lesson as sha-lesson: memory\/lessons\.md/,
  );
  const change = {
    id: 'lesson',
    type: 'new',
    component: 'memory',
    files: ['memory/lessons.md'],
    description: 'd',
    evidence: 'overview',
    root_cause: 'r',
    failure_pattern: 'f',
    predicted_fixes: ['top-words'],
    risk_tasks: [],
    why_this_component: 'w',
  };
  const bad = await s.call('write_manifest', {
    manifest: { iteration: 1, changes: [{ ...change, id: 'other', predicted_fixes: ['secret-holdout-task'] }] },
  });
  assert.match(bad.output, /changes\.0\.predicted_fixes: not training tasks: secret-holdout-task/);
  const wrong = await s.call('write_manifest', { manifest: { iteration: 1, changes: [{ ...change, id: 'other' }] } });
  assert.match(wrong.output, /iteration: this is iteration 2, not 1/);
  assert.match(wrong.output, /no committed change has id other/);
  assert.match(wrong.output, /missing: lesson/);
  assert.equal(s.t.manifestAccepted(), false);
  const ok = await s.call('write_manifest', { manifest: { iteration: 2, changes: [change] } });
  assert.match(ok.output, /manifest accepted/);
  assert.equal(s.t.manifestAccepted(), true);
  assert.deepEqual((s.manifest() as { changes: { commit: string; evidence: string[] }[] }).changes[0], {
    ...change,
    evidence: ['overview'],
    commit: 'sha-lesson',
  });
});
