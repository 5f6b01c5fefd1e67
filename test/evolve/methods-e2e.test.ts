// --method ace and --method tf-grpo end to end on bwrap with the demo tasks: two iterations each, through
// the same evaluations, attribution, gate and summary as ahe. Both edit only memory/; ace's playbook keeps
// its bullet ids and counters across iterations (a malformed reflector reply is retried); tf-grpo learns
// only from the groups of k = 2 rollouts that had both a passing and a failing attempt.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HELPFUL_LESSON, makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import type { EvolveConfig } from '../../src/evolve/evolve-config.ts';
import { parsePlaybook } from '../../src/evolve/methods/ace-playbook.ts';
import { parseExperiences } from '../../src/evolve/methods/experience-library.ts';
import { runEvolve } from '../../src/evolve/run-evolve.ts';
import { createModel } from '../../src/model/create-model.ts';
import { ScriptSchema } from '../../src/model/script-schema.ts';
import { scriptedModel } from '../../src/model/scripted-model.ts';
import type { Model } from '../../src/model/types.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';
import { fakeModel } from './methods-support.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const git = (dir: string, args: string[]) => execFileSync('git', args, { cwd: dir }).toString().trim();

function setup(method: 'ace' | 'tf-grpo', k: number) {
  const dir = mkdtempSync(join(tmpdir(), `ahe-${method}-e2e-`));
  const demo = makeDemo(dir);
  const config: EvolveConfig = demoEvolveConfig(demo, { evolve_model: 'fake:evolver', iterations: 2, k, method });
  return { dir, demo, config, runDir: join(dir, 'run') };
}

/** Files the run's commits after the seed touched (every commit, not just the net diff). */
const touched = (runDir: string) =>
  [
    ...new Set(
      git(join(runDir, 'harness'), ['log', '--format=', '--name-only', 'seed..HEAD']).split('\n').filter(Boolean),
    ),
  ].sort();

test('ace: two iterations edit only memory/playbook.md; bullets keep ids and counters; a malformed reply is retried', {
  skip,
}, async () => {
  const { config, runDir } = setup('ace', 1);
  let malformed = 1;
  const evolver = fakeModel((system, _last, request) => {
    // The iteration is in the first user message (a retry's last one is the complaint).
    const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const it = Number(/^Iteration (\d+)\./.exec(user)?.[1]);
    if (system.includes('Reflector')) {
      if (it === 1 && malformed-- > 0) return 'The agent should verify more.';
      return JSON.stringify({
        analysis: 'Failing attempts stopped after one step without checking the output.',
        lessons: [{ insight: HELPFUL_LESSON }],
        bullet_tags: it === 1 ? [{ id: 'ver-00001', tag: 'helpful' }] : [],
      });
    }
    return JSON.stringify({
      operations:
        it === 0
          ? [
              { type: 'ADD', section: 'verification_checklist', content: HELPFUL_LESSON },
              {
                type: 'ADD',
                section: 'common_mistakes',
                content: 'Replying that the work is done without running a command.',
              },
            ]
          : [
              { type: 'ADD', section: 'verification_checklist', content: HELPFUL_LESSON },
              { type: 'ADD', section: 'tool_usage', content: 'Inspect the input files before writing the output.' },
            ],
    });
  });
  const state = await runEvolve({
    runDir,
    config,
    resolveModel: (spec, role) => (role === 'evolver' ? evolver.model : createModel(spec)),
  });
  assert.equal(state.step, 'done');
  assert.equal(state.config.method, 'ace');
  const it = (n: number, file: string) => join(runDir, 'iterations', String(n), file);
  assert.deepEqual(touched(runDir), ['memory/playbook.md']);
  assert.equal(readJson(it(0, 'change_manifest.json')).changes[0].id, 'ace-it0');
  assert.equal(readJson(it(1, 'change_manifest.json')).changes[0].id, 'ace-it1');

  const bullets = parsePlaybook(readFileSync(join(runDir, 'harness', 'memory/playbook.md'), 'utf8')).sections.flatMap(
    (s) => s.bullets,
  );
  assert.deepEqual(
    bullets.map((b) => [b.id, b.helpful, b.harmful]),
    [
      ['ver-00001', 1, 0],
      ['com-00002', 0, 0],
      ['too-00003', 0, 0],
    ],
  );
  assert.equal(bullets[0]!.content, HELPFUL_LESSON);
  assert.match(readJson(it(1, 'change_manifest.json')).changes[0].description, /1 near-duplicate\(s\) dropped/);
  // The retry: three calls in iteration 1 (reflector twice, curator once), all counted as evolver spend.
  const calls = readFileSync(it(1, 'ace/calls.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    calls.map((c) => [c.role, c.attempt, Boolean(c.problems)]),
    [
      ['reflector', 1, true],
      ['reflector', 2, false],
      ['curator', 1, false],
    ],
  );
  assert.equal(readJson(it(1, 'usage.json')).evolver.calls, 3);
  // The lesson in the playbook fixes top-words; the prediction-free change is judged and kept.
  assert.equal(readJson(it(0, 'job/result.json')).tasks['top-words'].c, 0);
  assert.equal(readJson(it(1, 'job/result.json')).tasks['top-words'].c, 1);
  const verdict = readJson(it(1, 'attribution.json')).changes[0];
  assert.equal(verdict.id, 'ace-it0');
  assert.notEqual(verdict.verdict, 'HARMFUL');
  assert.deepEqual(readJson(it(1, 'gate.json')).rollbacks, []);
});

/** The demo's coding agent, except that on the tasks keyed here every second attempt gives up. */
function alternatingCoding(keys: string[]) {
  const seen = new Map<string, number>();
  const giveUp = ScriptSchema.parse({ turns: [{ reply: { content: 'I believe this is done.' } }] });
  return (spec: string): Model => {
    let inner: Model | Promise<Model> | undefined;
    return {
      spec,
      provider: 'scripted',
      name: 'coding',
      priced: true,
      async complete(request, signal) {
        if (!inner) {
          const user = request.messages.find((m) => m.role === 'user')?.content ?? '';
          const key = keys.find((k) => user.includes(k));
          const count = key ? (seen.get(key) ?? 0) : 0;
          if (key) seen.set(key, count + 1);
          inner = key && count % 2 === 1 ? scriptedModel(giveUp, 'give-up') : createModel(spec);
        }
        return (await inner).complete(request, signal);
      },
    };
  };
}

const CODE: Record<string, string> = {
  'csv-region-totals': 'ALPHAWORD',
  'session-durations': 'BRAVOWORD',
};

test('tf-grpo: two iterations with k = 2 learn only from groups with both passing and failing attempts', {
  skip,
}, async () => {
  const { config, runDir } = setup('tf-grpo', 2);
  const evolver = fakeModel((system, user) => {
    if (system.includes('semantic-advantage step')) {
      const task = /^# (\S+)$/m.exec(user)?.[1] ?? '';
      return JSON.stringify({
        advantage: `The passing attempt ran its commands, the failing one gave up (${CODE[task] ?? `UNEXPECTED ${task}`}).`,
      });
    }
    const words = [...user.matchAll(/\(([A-Z]+WORD)\)/g)].map((m) => m[1]);
    return JSON.stringify({
      operations: user.includes('[G0]')
        ? [
            {
              op: 'modify',
              id: 'G0',
              content: 'Always run the commands that produce the output; never reply done without them.',
            },
          ]
        : words.map((w) => ({
            op: 'add',
            content: `Run the commands that produce the output before replying (${w}).`,
          })),
    });
  });
  const coding = alternatingCoding(['sales.csv', 'auth.log']);
  const state = await runEvolve({
    runDir,
    config,
    resolveModel: (spec, role) => (role === 'evolver' ? evolver.model : coding(spec)),
  });
  assert.equal(state.step, 'done');
  assert.equal(state.config.method, 'tf-grpo');
  const it = (n: number, file: string) => join(runDir, 'iterations', String(n), file);
  assert.deepEqual(touched(runDir), ['memory/experiences.md']);
  for (const n of [0, 1]) {
    const groups = readJson(it(n, 'tf-grpo/groups.json')).groups as {
      task: string;
      used: boolean;
      passed: number;
      n: number;
    }[];
    assert.deepEqual(
      groups.filter((g) => g.used).map((g) => g.task),
      ['csv-region-totals', 'session-durations'],
      `iteration ${n}: the mixed groups`,
    );
    for (const g of groups.filter((g) => !g.used))
      assert.ok(g.passed === 0 || g.passed === g.n, `${g.task} is all-pass or all-fail`);
  }
  // No advantage was asked of an all-pass or all-fail group.
  assert.equal(evolver.calls.filter((c) => c.user.includes('UNEXPECTED')).length, 0);
  assert.equal(evolver.calls.length, 6);
  const first = parseExperiences(readFileSync(it(1, 'harness/memory/experiences.md'), 'utf8'));
  assert.deepEqual(
    first.map((e) => e.id),
    ['G0', 'G1'],
  );
  assert.match(first[0]!.content, /ALPHAWORD/);
  assert.match(first[1]!.content, /BRAVOWORD/);
  const last = parseExperiences(readFileSync(join(runDir, 'harness', 'memory/experiences.md'), 'utf8'));
  assert.deepEqual(
    last.map((e) => [e.id, e.content.startsWith('Always run')]),
    [
      ['G0', true],
      ['G1', false],
    ],
  );
  assert.equal(
    readJson(it(1, 'change_manifest.json')).changes[0].description,
    'TF-GRPO experience update: modified G0',
  );
  const summary = readJson(join(runDir, 'summary.json'));
  assert.equal(summary.method, 'tf-grpo');
  assert.match(readFileSync(join(runDir, 'summary.md'), 'utf8'), /^Method: tf-grpo$/m);
  assert.deepEqual(
    summary.iterations.slice(0, 2).map((r: { changes: { id: string }[] }) => r.changes.map((c) => c.id)),
    [['tf-grpo-it0'], ['tf-grpo-it1']],
  );
});
