// Longer evolve sessions: --evolve-max-steps/--evolve-max-minutes reach the session (a changeable flag of
// a run), and after a compaction the evolver's system prompt restates what it committed and must still
// put in the manifest.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadTaskSuite } from '../../src/bench/load-task.ts';
import { compareResumeFlags } from '../../src/cli/evolve-flags.ts';
import { EvolveConfigSchema } from '../../src/evolve/evolve-config.ts';
import { progressAfterCompaction, runEvolveSession } from '../../src/evolve/evolve-session.ts';
import { createWorkspace } from '../../src/evolve/workspace.ts';
import type { MiddlewareContext } from '../../src/harness/types.ts';
import { createModel } from '../../src/model/create-model.ts';
import type { CompletionRequest, Message } from '../../src/model/types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('--evolve-max-steps limits each evolve session; a session that hits it is retried, then the iteration skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evlimits-'));
  const ws = await createWorkspace(join(dir, 'run'), join(ROOT, 'harnesses', 'seed'));
  const iterationDir = join(dir, 'run', 'iterations', '0');
  mkdirSync(iterationDir, { recursive: true });
  const script = join(dir, 'evolver.yaml');
  const read = { reply: { content: '', tool_calls: [{ name: 'read_evidence', arguments: { section: 'overview' } }] } };
  writeFileSync(script, stringify({ turns: [read, read, read, read, read, read] }));
  const result = await runEvolveSession({
    iteration: 0,
    workspace: ws,
    iterationDir,
    model: await createModel(`scripted:${script}`),
    trainTasks: loadTaskSuite(join(ROOT, 'tasks', 'train')).tasks.slice(0, 2),
    evidenceSections: ['overview'],
    readEvidence: async () => 'nothing',
    maxSteps: 2,
  });
  assert.match(result.skipped ?? '', /no accepted manifest after 2 sessions \(the session stopped \(max_steps/);
  assert.equal(result.usage.calls, 4, 'two sessions of two model calls each');
});

test('--evolve-max-steps and --evolve-max-minutes are recorded and may change on --resume', () => {
  const config = EvolveConfigSchema.parse({
    harness: '/h',
    tasks: '/t',
    holdout: null,
    model: 'm',
    evolve_model: 'm',
    debug_model: null,
    iterations: 1,
    k: 1,
    concurrency: 1,
    holdout_every: 1,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
  });
  assert.equal(config.evolve_max_steps, null, 'a run from before the flags resumes with the harness default');
  assert.deepEqual(compareResumeFlags({ evolveMaxSteps: 300, evolveMaxMinutes: 90 }, config), {
    changes: { evolve_max_steps: 300, evolve_max_minutes: 90 },
    refused: [],
  });
});

test('after a compaction, every model call restates the committed changes and the manifest still to write', async () => {
  const committed = [{ id: 'add-tool', sha: 'a'.repeat(40), files: ['tools/x.yaml', 'tools/x.ts'] }];
  let accepted = false;
  const hooks = progressAfterCompaction(committed, () => accepted).hooks;
  const ctx = { state: { store: {} } } as unknown as MiddlewareContext;
  const msgs = (n: number): Message[] => [
    { role: 'system', content: 'You are the evolve agent.' },
    ...Array.from({ length: n - 1 }, (_, i) => ({ role: 'user' as const, content: `turn ${i}` })),
  ];
  const request = (n: number): CompletionRequest => ({ messages: msgs(n), tools: [] });
  assert.equal(await hooks.beforeModel!(request(6), ctx), undefined);
  assert.equal(await hooks.beforeModel!(request(8), ctx), undefined, 'no compaction yet: the request is untouched');
  const after = (await hooks.beforeModel!(request(3), ctx)) as CompletionRequest;
  assert.ok(after, 'the conversation shrank: compaction happened');
  assert.match(after.messages[0]!.content, /^You are the evolve agent\.\n\n# Progress of this session/);
  assert.match(after.messages[0]!.content, /Committed so far: add-tool \(tools\/x\.yaml, tools\/x\.ts\)/);
  assert.match(after.messages[0]!.content, /Still to do: .*write_manifest .*\(add-tool\)/);
  assert.equal(after.messages.length, 3);
  committed.push({ id: 'add-skill', sha: 'b'.repeat(40), files: ['skills/s/SKILL.md'] });
  accepted = true;
  const later = (await hooks.beforeModel!(request(5), ctx)) as CompletionRequest;
  assert.match(later.messages[0]!.content, /add-tool .*; add-skill/);
  assert.match(later.messages[0]!.content, /manifest is accepted/);
});
