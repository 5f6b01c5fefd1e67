// --method ace without a sandbox: the playbook's incremental delta (ids and counters kept, near-duplicates
// dropped), the reflector → curator step on a real workspace (one memory commit, a manifest without
// predictions), a malformed reply retried then the iteration skipped, a leaking bullet dropped with a
// record, and a step redone after a crash that neither calls the model again nor applies the delta twice.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { HELPFUL_LESSON } from '../../examples/evolve-demo/make-demo.ts';
import { compareJobs } from '../../src/bench/compare-jobs.ts';
import { ModelConnectionError } from '../../src/errors.ts';
import { attributeManifest } from '../../src/evolve/attribution.ts';
import { decideGate } from '../../src/evolve/gate.ts';
import { aceStep } from '../../src/evolve/methods/ace.ts';
import { applyAceDelta, parsePlaybook, renderPlaybook } from '../../src/evolve/methods/ace-playbook.ts';
import { callForJson } from '../../src/evolve/methods/model-json.ts';
import { createModel } from '../../src/model/create-model.ts';
import type { Model } from '../../src/model/types.ts';
import { fakeModel, stepFixture } from './methods-support.ts';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const git = (dir: string, args: string[]) => execFileSync('git', args, { cwd: dir }).toString().trim();

test('a playbook delta appends bullets with new ids, bumps tagged counters, keeps the rest, drops near-duplicates', () => {
  const first = applyAceDelta(parsePlaybook(null), {
    tags: [],
    add: [
      { section: 'Strategies and hard rules', content: 'Check the output against every rule the instruction states.' },
      { section: 'common_mistakes', content: 'Stopping before running any command leaves no output file.' },
    ],
  });
  assert.deepEqual(first.added, ['str-00001', 'com-00002']);
  const text = renderPlaybook(first.playbook);
  assert.match(text, /^- \[str-00001\] helpful=0 harmful=0 :: Check the output/m);
  assert.deepEqual(parsePlaybook(text), first.playbook, 'render and parse round-trip');

  const second = applyAceDelta(parsePlaybook(text), {
    tags: [
      { id: 'str-00001', tag: 'helpful' },
      { id: 'com-00002', tag: 'harmful' },
      { id: 'xyz-00009', tag: 'helpful' },
    ],
    add: [
      { section: 'strategies_and_hard_rules', content: 'check the OUTPUT against every rule the instruction states' },
      { section: 'verification_checklist', content: 'Run the verifier-like check yourself before finishing.' },
    ],
  });
  assert.equal(second.duplicates, 1);
  assert.deepEqual(second.unknownTags, ['xyz-00009']);
  assert.deepEqual(second.added, ['ver-00003']);
  const bullets = second.playbook.sections.flatMap((s) => s.bullets);
  assert.deepEqual(
    bullets.map((b) => [b.id, b.helpful, b.harmful]),
    [
      ['str-00001', 1, 0],
      ['com-00002', 0, 1],
      ['ver-00003', 0, 0],
    ],
  );
  assert.equal(bullets[0]!.content, 'Check the output against every rule the instruction states.');
});

test('a reply that is not the JSON asked for is sent back once with the problems, then given up with a reason', async () => {
  const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'ahe-json-'));
  const schema = z.object({ n: z.number() });
  const replies = ['sure! here it is', '```json\n{"n": 3}\n```'];
  const good = fakeModel(() => replies.shift()!);
  const ok = await callForJson({
    model: async () => good.model,
    role: 'reflector',
    system: 's',
    user: 'u',
    schema,
    recordFile: join(dir, 'calls.jsonl'),
  });
  assert.deepEqual(ok.ok && ok.value, { n: 3 });
  assert.equal(good.calls.length, 2);
  assert.match(good.calls[1]!.user, /could not be used: .*JSON/);
  assert.equal(ok.usage.calls, 2);

  const bad = fakeModel(() => '{"n": "three"}');
  const failed = await callForJson({
    model: async () => bad.model,
    role: 'curator',
    system: 's',
    user: 'u',
    schema,
    recordFile: join(dir, 'calls.jsonl'),
  });
  assert.equal(failed.ok, false);
  assert.match(!failed.ok ? failed.reason : '', /curator's reply was unusable after 2 attempts \(n: /);
  assert.equal(readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').length, 4);
});

const OUTCOMES = {
  'top-words': [0],
  'repair-json-config': [0],
  'csv-region-totals': [1],
  'incident-timeline': [1],
  'session-durations': [1],
  'sort-files-by-extension': [1],
};

function aceModel(options: { leak?: boolean; malformed?: number } = {}) {
  let malformed = options.malformed ?? 0;
  return fakeModel((system) => {
    if (malformed > 0) {
      malformed--;
      return 'I think the agent should check its work.';
    }
    if (system.includes('Reflector'))
      return JSON.stringify({
        analysis: 'Two tasks failed because the agent stopped before checking its output.',
        lessons: [{ insight: HELPFUL_LESSON, evidence: 'the failing attempts stopped after one step' }],
        bullet_tags: [],
      });
    return JSON.stringify({
      operations: [
        { type: 'ADD', section: 'verification_checklist', content: HELPFUL_LESSON },
        ...(options.leak
          ? [
              {
                type: 'ADD',
                section: 'common_mistakes',
                content: 'For top-words, write /app/top10.txt sorted by count.',
              },
            ]
          : []),
      ],
    });
  });
}

test('ace step: reflector and curator calls become one memory commit with a manifest that predicts nothing', async () => {
  const fake = aceModel({ leak: true });
  const { input, iterationDir } = await stepFixture('ace', fake.model, OUTCOMES, 1);
  const base = git(input.workspace.dir, ['rev-parse', 'HEAD']);
  const result = await aceStep(input);
  assert.equal(result.skipped, undefined);
  assert.equal(result.usage.calls, 2);
  assert.equal(fake.calls.length, 2);
  assert.match(fake.calls[0]!.user, /# Trajectories of top-words/);
  const change = result.manifest.changes[0]!;
  assert.equal(change.id, 'ace-it0');
  assert.equal(change.component, 'memory');
  assert.deepEqual(change.files, ['memory/playbook.md']);
  assert.deepEqual([change.predicted_fixes, change.risk_tasks], [[], []]);
  assert.deepEqual(readJson(join(iterationDir, 'change_manifest.json')), result.manifest);
  assert.equal(git(input.workspace.dir, ['diff', '--name-only', base, 'HEAD']), 'memory/playbook.md');
  const playbook = readFileSync(join(input.workspace.dir, 'memory/playbook.md'), 'utf8');
  assert.match(playbook, /- \[ver-00001\] helpful=0 harmful=0 :: Before finishing, list every ordering/);
  // The task-specific bullet is dropped by the anti-leak audit, with a record.
  assert.doesNotMatch(playbook, /top10/);
  assert.match(change.description, /1 item\(s\) dropped by the anti-leak audit/);
  const leaks = readJson(join(iterationDir, 'ace', 'leak-rejections.json'));
  assert.equal(leaks.dropped_items[0].key, 'add.1');

  // A crash after the commit but before the manifest: the step again neither calls the model nor adds twice.
  rmSync(join(iterationDir, 'change_manifest.json'));
  const again = await aceStep(input);
  assert.equal(fake.calls.length, 2);
  assert.equal(again.usage.calls, 2);
  assert.equal(git(input.workspace.dir, ['rev-list', '--count', `${base}..HEAD`]), '1');
  assert.equal(readFileSync(join(input.workspace.dir, 'memory/playbook.md'), 'utf8'), playbook);
  // And once the manifest is written, a redone step returns it as it is.
  const third = await aceStep(input);
  assert.deepEqual(third.manifest, again.manifest);
  assert.equal(git(input.workspace.dir, ['rev-list', '--count', `${base}..HEAD`]), '1');
});

test('ace step: a malformed reply is retried once; two malformed replies skip the iteration without a change', async () => {
  const retried = aceModel({ malformed: 1 });
  const one = await stepFixture('ace', retried.model, OUTCOMES, 1);
  const ok = await aceStep(one.input);
  assert.equal(ok.manifest.changes.length, 1);
  assert.equal(retried.calls.length, 3);

  const broken = aceModel({ malformed: 2 });
  const two = await stepFixture('ace', broken.model, OUTCOMES, 1);
  const base = git(two.input.workspace.dir, ['rev-parse', 'HEAD']);
  const skipped = await aceStep(two.input);
  assert.deepEqual(skipped.manifest.changes, []);
  assert.match(skipped.skipped ?? '', /reflector's reply was unusable after 2 attempts/);
  assert.equal(skipped.usage.calls, 2);
  assert.equal(git(two.input.workspace.dir, ['rev-parse', 'HEAD']), base);
  assert.equal(readJson(join(two.iterationDir, 'change_manifest.json')).skipped, skipped.skipped);
  assert.equal(existsSync(join(two.input.workspace.dir, 'memory/playbook.md')), false);
});

test('a change without predictions is never judged on predictions: kept unless the tests over every task find harm', () => {
  const manifest = {
    iteration: 0,
    changes: [
      {
        id: 'ace-it0',
        type: 'new' as const,
        component: 'memory' as const,
        files: ['memory/playbook.md'],
        description: 'ACE playbook delta',
        evidence: ['debugger_overview'],
        root_cause: 'r',
        failure_pattern: 'f',
        predicted_fixes: [],
        risk_tasks: [],
        why_this_component: 'w',
        commit: 'c0ffee',
      },
    ],
  };
  const job = (passed: string[], all: string[]) =>
    Object.fromEntries(all.map((t) => [t, { n: 1, c: passed.includes(t) ? 1 : 0 }]));
  const tasks = ['a', 'b', 'c', 'd', 'e', 'f'];
  // One task better, one worse: neither a predicted fix nor a realised risk exists, and no test finds harm.
  const mixed = attributeManifest(
    manifest,
    compareJobs(job(['a', 'b', 'c', 'd'], tasks), job(['a', 'b', 'c', 'e'], tasks)),
  );
  assert.equal(mixed.changes[0]!.verdict, 'INEFFECTIVE');
  const kept = decideGate({
    verdicts: [{ id: 'ace-it0', verdict: mixed.changes[0]!.verdict, commit: 'c0ffee' }],
    paired: { meanDifference: 0, pValue: 1 },
  });
  assert.deepEqual(kept.rollbacks, []);
  // Every task worse: the iteration's own test over every task rolls it back (HARMFUL), as for any sole change.
  const worse = attributeManifest(manifest, compareJobs(job(['a', 'b', 'c', 'd', 'e'], tasks), job([], tasks)));
  assert.equal(worse.changes[0]!.verdict, 'HARMFUL');
  assert.match(worse.changes[0]!.reason, /the only change of its iteration/);
});

test('ace step: a crash before the commit re-applies the recorded proposal once; an unreachable model stops the step resumably', async () => {
  const fake = aceModel();
  const { input, iterationDir } = await stepFixture('ace', fake.model, OUTCOMES, 1);
  const base = git(input.workspace.dir, ['rev-parse', 'HEAD']);
  await aceStep(input);
  const playbook = readFileSync(join(input.workspace.dir, 'memory/playbook.md'), 'utf8');
  // As if killed after the proposal was recorded, with the file half-written and nothing committed.
  git(input.workspace.dir, ['reset', '--hard', base]);
  mkdirSync(join(input.workspace.dir, 'memory'), { recursive: true });
  writeFileSync(join(input.workspace.dir, 'memory', 'playbook.md'), '- [ver-00001] helpful=9');
  rmSync(join(iterationDir, 'change_manifest.json'));
  const again = await aceStep(input);
  assert.equal(fake.calls.length, 2);
  assert.equal(again.manifest.changes.length, 1);
  assert.equal(git(input.workspace.dir, ['rev-list', '--count', `${base}..HEAD`]), '1');
  assert.equal(readFileSync(join(input.workspace.dir, 'memory/playbook.md'), 'utf8'), playbook);

  const down: Model = {
    ...fake.model,
    async complete() {
      throw new ModelConnectionError('connect ECONNREFUSED 127.0.0.1:9');
    },
  };
  const stopped = await stepFixture('ace', down, OUTCOMES, 1);
  const result = await aceStep({ ...stopped.input, evolveModel: async () => down });
  assert.match(result.unavailable ?? '', /ECONNREFUSED/);
  assert.equal(existsSync(join(stopped.iterationDir, 'ace', 'proposal.json')), false);
  assert.equal(existsSync(join(stopped.iterationDir, 'change_manifest.json')), false);
});

test('the ace script of the offline demo drives the step (docs/experiments.md uses it)', async () => {
  const spec = `scripted:${fileURLToPath(new URL('fixtures/methods/ace.script.yaml', import.meta.url))}`;
  const { input } = await stepFixture('ace', fakeModel(() => '').model, OUTCOMES, 1);
  const result = await aceStep({ ...input, evolveModel: () => createModel(spec) });
  assert.equal(result.manifest.changes[0]!.description, 'ACE playbook delta: +2 bullet(s) (ver-00001, com-00002)');
});
