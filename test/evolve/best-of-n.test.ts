// Best-of-N (`ahe evolve --evolvers 2 --evolver-hints …`): two evolve-agent sessions from the same
// evidence, one per hint; the scripted evolver adds the helpful lesson under one hint and the harmful one
// under the other. Both candidates are evaluated on the training split, the better one by the paired test
// is kept (its commit is HEAD, its manifest the iteration's), and candidates.json says why the other lost.
// Redoing the step (as after a crash) re-runs no session and chooses the same candidate.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { HARMFUL_LESSON, HELPFUL_LESSON, makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { readJobTrials } from '../../src/bench/job-summary.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const call = (name: string, args: Record<string, unknown>, content = '') => ({
  reply: { content, tool_calls: [{ name, arguments: args }] },
});
const say = (content: string) => ({ reply: { content } });

/** An evolver that writes `lesson` as its one memory change when the session's hint is `hint`. */
function candidate(hint: string, id: string, lesson: string, predicted: string[]) {
  return {
    when: { user_contains: `Strategy for this session: ${hint}` },
    turns: [
      call('write_file', { path: 'memory/lessons.md', content: `- ${lesson}\n` }, `A lesson (${hint}).`),
      call('commit_change', { id, message: `memory lesson ${id}` }),
      call('write_manifest', {
        manifest: {
          iteration: 0,
          changes: [
            {
              id,
              type: 'new',
              component: 'memory',
              files: ['memory/lessons.md'],
              description: `Adds the lesson ${id}.`,
              evidence: ['debugger_overview'],
              root_cause: 'The agent does not check its output against the stated rules.',
              failure_pattern: 'assertions on the output fail after the agent claims success',
              predicted_fixes: predicted,
              risk_tasks: [],
              why_this_component: 'A lesson for every task: memory.',
            },
          ],
        },
      }),
      say('Done.'),
    ],
  };
}

test('best-of-2 keeps the candidate with the better paired difference and records why the other lost', {
  skip,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-best-of-n-'));
  const demo = makeDemo(dir);
  const evolver = join(dir, 'best-of-n-evolver.yaml');
  writeFileSync(
    evolver,
    stringify({
      name: 'best-of-n-evolver',
      variants: [
        candidate('prefer speed', 'save-time', HARMFUL_LESSON, ['repair-json-config']),
        candidate('prefer checking', 'check-stated-rules', HELPFUL_LESSON, ['top-words']),
      ],
    }),
  );
  const config: EvolveConfig = demoEvolveConfig(demo, {
    evolve_model: `scripted:${evolver}`,
    iterations: 1,
    evolvers: 2,
    evolver_hints: ['prefer speed', 'prefer checking'],
  });
  const runDir = join(dir, 'run');
  let redo = false;
  const state = await runEvolve({
    runDir,
    config,
    // Once, right after the evolve step: put the run back before it, as a crash just before its record would.
    afterStep: (s) => {
      if (s.step === 'evaluate' && s.iteration === 1 && !redo) {
        redo = true;
        const file = join(runDir, 'state.json');
        const raw = readJson(file);
        writeFileSync(file, JSON.stringify({ ...raw, iteration: 0, step: 'evolve' }));
        throw new Error('simulated crash');
      }
    },
  }).catch((error: Error) => {
    assert.equal(error.message, 'simulated crash');
    return runEvolve({ runDir });
  });
  assert.equal(redo, true);
  assert.equal(state.step, 'done');

  const it0 = (file: string) => join(runDir, 'iterations', '0', file);
  const candidates = readJson(it0('candidates.json')).candidates;
  assert.equal(candidates.length, 2);
  const [speed, checking] = candidates;
  assert.equal(speed.hint, 'prefer speed');
  assert.equal(checking.hint, 'prefer checking');
  // The seed fails top-words and repair-json-config: the helpful lesson fixes top-words, the harmful one
  // breaks the four tasks the seed solves.
  assert.deepEqual(checking.paired.fixed, ['top-words']);
  assert.deepEqual(speed.paired.regressed, [
    'csv-region-totals',
    'incident-timeline',
    'session-durations',
    'sort-files-by-extension',
  ]);
  assert.ok(checking.paired.mean_difference > 0 && speed.paired.mean_difference < 0);
  assert.equal(checking.chosen, true);
  assert.equal(speed.chosen, false);
  assert.match(speed.reason, /against candidate 1/);

  // The winner's manifest is the iteration's, its commit is in HEAD's history, the loser's is only tagged.
  assert.deepEqual(
    readJson(it0('change_manifest.json')).changes.map((c: { id: string }) => c.id),
    ['check-stated-rules'],
  );
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: join(runDir, 'harness') })
      .toString()
      .trim();
  assert.equal(git('show', 'HEAD:memory/lessons.md'), `- ${HELPFUL_LESSON}`);
  assert.deepEqual(git('tag', '--list', 'cand-*').split('\n').sort(), ['cand-0-0', 'cand-0-1']);
  assert.match(git('show', 'cand-0-0:memory/lessons.md'), /stop as soon as a plausible answer/);
  // Iteration 1 evaluates the kept harness: top-words now passes.
  assert.equal(readJson(join(runDir, 'iterations', '1', 'job', 'result.json')).tasks['top-words'].c, 1);

  // The redone step ran no session again (each candidate one session transcript) and counted each
  // candidate evaluation's model calls once in the iteration's coding spend: those of the 6 training and
  // 2 × 6 candidate trials (calls count model calls, as the evolver's do, not trials).
  for (const i of [0, 1])
    assert.deepEqual(
      execFileSync('ls', [join(runDir, 'iterations', '0', 'candidates', String(i), 'evolve')])
        .toString()
        .trim()
        .split('\n')
        .filter((f) => f.startsWith('session-')),
      ['session-1'],
    );
  const jobs = [it0('job'), it0('candidates/0/job'), it0('candidates/1/job')].map((d) => readJobTrials(d).trials);
  assert.deepEqual(
    jobs.map((trials) => trials.length),
    [6, 6, 6],
  );
  const modelCalls = jobs.flat().reduce((sum, t) => sum + (t.result.ahe?.steps ?? 0), 0);
  assert.ok(modelCalls > 18, `${modelCalls} model calls over 18 trials`);
  assert.equal(readJson(it0('usage.json')).coding.calls, modelCalls);
  // Both candidates' commit attempts count in the iteration's proposals.
  const attempts = readFileSync(it0('evolve/commit-attempts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(attempts.map((a: { candidate: number }) => a.candidate).sort(), [0, 1]);
});
