// --method tf-grpo without a sandbox: add/modify/delete on the experience library, a step that asks for
// a semantic advantage only of groups with both passing and failing attempts (groups.json says why the
// others were left out), one batch update committed as a memory change, nothing to learn from → no call
// and no change, and k < 2 refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyExperienceOperations, parseExperiences } from '../../src/evolve/methods/experience-library.ts';
import { tfGrpoStep } from '../../src/evolve/methods/tf-grpo.ts';
import { createModel } from '../../src/model/create-model.ts';
import { fakeModel, stepFixture } from './methods-support.ts';

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const git = (dir: string, args: string[]) => execFileSync('git', args, { cwd: dir }).toString().trim();

test('experience operations: add takes the next id, modify keeps the id, delete removes it, unknown ids are ignored', () => {
  const first = applyExperienceOperations(parseExperiences(null), [
    { op: 'add', content: 'Run the program once before finishing.' },
    { op: 'add', content: 'Read the whole instruction before the first command.' },
  ]);
  assert.deepEqual(first.added, ['G0', 'G1']);
  const second = applyExperienceOperations(first.experiences, [
    { op: 'modify', id: 'G0', content: 'Run the program once and compare its output with the instruction.' },
    { op: 'delete', id: 'G1' },
    { op: 'delete', id: 'G7' },
    { op: 'add', content: 'run the program once and compare its output with the instruction' },
    { op: 'add', content: 'Keep the input files unchanged.' },
  ]);
  assert.deepEqual(second.modified, ['G0']);
  assert.deepEqual(second.deleted, ['G1']);
  assert.deepEqual(second.added, ['G2']);
  assert.equal(second.ignored.length, 2);
  assert.deepEqual(
    second.experiences.map((e) => e.id),
    ['G0', 'G2'],
  );
});

// Each group's advantage names a code word for its task (never the task's name: that would leak).
const CODE: Record<string, string> = {
  'csv-region-totals': 'ALPHAWORD',
  'session-durations': 'BRAVOWORD',
  'top-words': 'CHARLIEWORD',
  'incident-timeline': 'DELTAWORD',
};

function tfGrpoModel() {
  return fakeModel((system, user) => {
    if (system.includes('semantic-advantage step')) {
      const task = /^# (\S+)$/m.exec(user)?.[1] ?? '';
      return JSON.stringify({ advantage: `Passing attempts ran a command and checked the result (${CODE[task]}).` });
    }
    const words = [...user.matchAll(/\(([A-Z]+WORD)\)/g)].map((m) => m[1]);
    return JSON.stringify({
      reasoning: 'one experience per advantage',
      operations: words.map((w) => ({
        op: 'add',
        content: `Run a command and check its result before finishing (${w}).`,
      })),
    });
  });
}

test('tf-grpo step: only groups with both passing and failing attempts are compared; one memory commit', async () => {
  const fake = tfGrpoModel();
  const outcomes = {
    'csv-region-totals': [1, 0],
    'session-durations': [0, 1],
    'top-words': [0, 0],
    'incident-timeline': [1, 1],
  };
  const { input, iterationDir } = await stepFixture('tf-grpo', fake.model, outcomes);
  const base = git(input.workspace.dir, ['rev-parse', 'HEAD']);
  const result = await tfGrpoStep(input);
  assert.equal(result.skipped, undefined);
  // Two advantage calls (the mixed groups) and one batch update.
  assert.equal(fake.calls.length, 3);
  assert.equal(result.usage.calls, 3);
  const groups = readJson(join(iterationDir, 'tf-grpo', 'groups.json')).groups;
  assert.deepEqual(
    groups.map((g: { task: string; used: boolean; reason: string | null }) => [g.task, g.used, g.reason]),
    [
      ['csv-region-totals', true, null],
      ['incident-timeline', false, 'every attempt passed'],
      ['session-durations', true, null],
      ['top-words', false, 'every attempt failed'],
    ],
  );
  const library = readFileSync(join(input.workspace.dir, 'memory/experiences.md'), 'utf8');
  const entries = parseExperiences(library);
  assert.deepEqual(
    entries.map((e) => e.id),
    ['G0', 'G1'],
  );
  assert.match(library, /ALPHAWORD/);
  assert.match(library, /BRAVOWORD/);
  assert.doesNotMatch(library, /CHARLIEWORD|DELTAWORD/);
  const change = result.manifest.changes[0]!;
  assert.equal(change.id, 'tf-grpo-it0');
  assert.deepEqual(change.files, ['memory/experiences.md']);
  assert.deepEqual([change.predicted_fixes, change.risk_tasks], [[], []]);
  assert.deepEqual(change.evidence, ['task_detail:csv-region-totals', 'task_detail:session-durations']);
  assert.equal(git(input.workspace.dir, ['diff', '--name-only', base, 'HEAD']), 'memory/experiences.md');
});

test('tf-grpo step: without a mixed group there is nothing to learn: no model call, no change; k < 2 is refused', async () => {
  const fake = tfGrpoModel();
  const { input } = await stepFixture('tf-grpo', fake.model, { 'top-words': [0, 0], 'incident-timeline': [1, 1] });
  const result = await tfGrpoStep(input);
  assert.equal(fake.calls.length, 0);
  assert.deepEqual(result.manifest.changes, []);
  assert.match(result.skipped ?? '', /no task had both passing and failing attempts/);

  const single = await stepFixture('tf-grpo', fake.model, { 'top-words': [0] }, 1);
  await assert.rejects(tfGrpoStep(single.input), /needs -k 2 or more \(the run has k = 1\)/);
});

test('the tf-grpo script of the offline demo drives the step (docs/experiments.md uses it)', async () => {
  const spec = `scripted:${fileURLToPath(new URL('fixtures/methods/tf-grpo.script.yaml', import.meta.url))}`;
  const { input } = await stepFixture('tf-grpo', fakeModel(() => '').model, {
    'top-words': [1, 0],
    'incident-timeline': [1, 1],
  });
  const result = await tfGrpoStep({ ...input, evolveModel: () => createModel(spec) });
  assert.equal(result.manifest.changes[0]!.description, 'TF-GRPO experience update: +1 (G0)');
  assert.equal(result.usage.calls, 2);
});
