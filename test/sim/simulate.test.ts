// `ahe simulate`: whole evolutions in memory. Same seed, same result; held-out evaluated in full at the
// same iterations under both policies; decisions scored against the scenario's truth; the adaptive
// policy's plan (focus, stable tasks, surprises).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import {
  ADAPTIVE_DEFAULTS,
  adaptiveTrainBudget,
  firstPhase,
  fixedRollouts,
  holdoutEvaluationCount,
  nextPhase,
  stableOutcome,
} from '../../src/evolve/eval-policy.ts';
import { REVIEW_RULE } from '../../src/evolve/review-kept.ts';
import { readHarnessFiles } from '../../src/sim/draw.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { simulatePolicy, simulateRun } from '../../src/sim/simulate.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const seedHarness = readHarnessFiles(new URL('../../harnesses/seed', import.meta.url).pathname);
const dir = mkdtempSync(join(tmpdir(), 'ahe-simulate-'));

/** 12 tasks: 8 stable, 4 flaky; a helpful candidate (+0.6 on two failing tasks), a harmful one (−0.9 on four passing tasks), a neutral one. */
function scenario() {
  const tasks: Record<string, number> = {};
  for (let i = 0; i < 4; i++) tasks[`pass-${i}`] = 0.99;
  for (let i = 0; i < 4; i++) tasks[`fail-${i}`] = 0.01;
  for (let i = 0; i < 4; i++) tasks[`flaky-${i}`] = 0.5;
  const file = join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    stringify({
      seed: 3,
      tasks,
      holdout: { 'held-a': 0.5, 'held-b': 0.2 },
      effects: [
        { id: 'good', when: { text: 'GOOD-RULE' }, tasks: ['fail-0', 'fail-1', 'held-b'], delta: 0.9 },
        { id: 'bad', when: { text: 'BAD-RULE' }, tasks: ['pass-0', 'pass-1', 'pass-2', 'pass-3'], delta: -0.9 },
      ],
      candidates: [
        {
          id: 'good',
          component: 'memory',
          files: { 'memory/good.md': 'GOOD-RULE' },
          predicted_fixes: ['fail-0', 'fail-1'],
        },
        {
          id: 'bad',
          component: 'memory',
          files: { 'memory/bad.md': 'BAD-RULE' },
          risk_tasks: ['pass-0', 'pass-1', 'pass-2', 'pass-3'],
        },
        { id: 'neutral', component: 'memory', files: { 'memory/neutral.md': 'nothing' }, predicted_fixes: ['flaky-0'] },
      ],
    }),
  );
  return loadScenario(file);
}

const options = (policy: 'fixed' | 'adaptive') => ({
  scenario: scenario(),
  seedHarness,
  policy,
  iterations: 4,
  k: 2,
  holdoutEvery: 2,
});

test('the same seed gives the same evolution; another seed another one', async () => {
  const a = await simulateRun(options('adaptive'), 0);
  const b = await simulateRun(options('adaptive'), 0);
  assert.deepEqual(a, b);
  const c = await simulateRun(options('adaptive'), 5);
  assert.notDeepEqual(c.evaluations, a.evaluations);
});

test('fixed runs every task k times; both policies evaluate the held-out split in full at 0, every 2 and at the end', async () => {
  const fixed = await simulateRun(options('fixed'), 0);
  for (const e of fixed.evaluations) assert.deepEqual(Object.values(e.attempts), Array(12).fill(2));
  assert.equal(fixed.trainRollouts, 5 * 12 * 2);
  for (const policy of ['fixed', 'adaptive'] as const) {
    const run = await simulateRun(options(policy), 0);
    assert.equal(run.holdoutRollouts, 3 * 2 * 2, policy); // iterations 0, 2, 4 × 2 tasks × k
  }
  const adaptive = await simulateRun(options('adaptive'), 0);
  assert.ok(adaptive.trainRollouts < fixed.trainRollouts);
  assert.deepEqual(Object.values(adaptive.evaluations[0]!.attempts), Array(12).fill(2)); // nothing known yet: all × k
});

test('each evaluation records the true training pass rate of the harness it measured', async () => {
  const run = await simulateRun(options('fixed'), 0);
  // The seed: (4 × 0.99 + 4 × 0.01 + 4 × 0.5) / 12; with the good rule, two failing tasks gain 0.9 each.
  assert.ok(Math.abs(run.evaluations[0]!.trueTrain - 0.5) < 1e-9, String(run.evaluations[0]!.trueTrain));
  assert.ok(
    Math.abs(run.evaluations[1]!.trueTrain - (0.5 + (2 * 0.9) / 12)) < 1e-9,
    String(run.evaluations[1]!.trueTrain),
  );
  // The run's best harness is one it evaluated.
  assert.ok(run.evaluations.some((e) => Math.abs(e.trueTrain - run.finalTrueTrain) < 1e-9));
});

test('decisions are scored against the truth: the good change is kept, the harmful one rolled back, the neutral one counted apart', async () => {
  for (const policy of ['fixed', 'adaptive'] as const) {
    const s = await simulatePolicy(options(policy), 40);
    const decisions = s.details.flatMap((d) => d.decisions);
    const good = decisions.filter((d) => d.change === 'good');
    const bad = decisions.filter((d) => d.change === 'bad');
    assert.ok(good.every((d) => d.trueEffect > 0) && bad.every((d) => d.trueEffect < 0), policy);
    assert.ok(
      good.filter((d) => !d.rolledBack).length >= 36,
      `${policy}: good kept ${good.filter((d) => !d.rolledBack).length}/40`,
    );
    assert.ok(
      bad.filter((d) => d.rolledBack).length >= 36,
      `${policy}: bad rolled back ${bad.filter((d) => d.rolledBack).length}/40`,
    );
    assert.equal(s.zero_effect_decisions, 40, policy); // the neutral candidate, once per run
    assert.equal(s.decisions, 80);
    assert.ok(s.decision_accuracy! >= 0.9, `${policy}: ${s.decision_accuracy}`);
    assert.equal(s.harmful_kept, bad.filter((d) => !d.rolledBack).length);
    // The best harness keeps the good rule and not the bad one: its true training rate is above the seed's.
    assert.ok(s.final_true_train > (4 * 0.99 + 4 * 0.01 + 4 * 0.5) / 12 + 0.1, `${policy}: ${s.final_true_train}`);
  }
});

test('adaptive plan: changed tasks get k attempts, stable ones are re-checked in turn, a surprise brings in every task', () => {
  const history = {
    steady: [
      { iteration: 0, n: 2, c: 2 },
      { iteration: 1, n: 1, c: 1 },
    ],
    flaky: [
      { iteration: 0, n: 2, c: 1 },
      { iteration: 1, n: 1, c: 0 },
    ],
    named: [{ iteration: 0, n: 2, c: 0 }],
  };
  assert.equal(stableOutcome(history.steady), 1);
  assert.equal(stableOutcome(history.flaky), undefined);
  assert.equal(
    stableOutcome([
      { iteration: 0, n: 1, c: 1 },
      { iteration: 1, n: 1, c: 1 },
    ]),
    undefined,
  ); // 2 attempts: too few
  const input = { policy: 'adaptive' as const, tasks: ['steady', 'flaky', 'named'], k: 3, history, focus: ['named'] };
  const plans = [2, 3, 4, 5].map((iteration) => firstPhase({ ...input, iteration }));
  for (const plan of plans) assert.equal(plan.named, 3);
  // The stable task is run once in every 4 iterations, the uncertain one every other iteration.
  assert.equal(plans.filter((p) => p.steady === 1).length, 1);
  assert.equal(plans.filter((p) => p.flaky === 1).length, 2);
  const skipping = plans.find((p) => p.steady === 1)!;
  // The re-checked stable task failed: it gets its remaining attempts and every task not run yet gets one.
  const next = nextPhase({ ...input, iteration: 2 }, skipping, { steady: { n: 1, c: 0 }, named: { n: 3, c: 1 } });
  assert.deepEqual(next, { ...skipping, steady: 3, flaky: Math.max(skipping.flaky!, 1) });
  // As expected: nothing more to run.
  assert.equal(
    nextPhase({ ...input, iteration: 2 }, skipping, { steady: { n: 1, c: 1 }, named: { n: 3, c: 1 } }),
    undefined,
  );
  // fixed: every task k times, one phase.
  assert.deepEqual(firstPhase({ ...input, policy: 'fixed', iteration: 2 }), { steady: 3, flaky: 3, named: 3 });
});

test('the adaptive budget: half of what fixed runs (training and held-out), less the held-out evaluations', () => {
  assert.equal(holdoutEvaluationCount(10, 5), 3); // 0, 5, 10
  assert.equal(holdoutEvaluationCount(10, 4), 4); // 0, 4, 8 and the last, 10
  assert.equal(holdoutEvaluationCount(3, 0), 1); // only the last
  const shape = { trainTasks: 40, holdoutTasks: 12, k: 2, iterations: 10, holdoutEvery: 5 };
  assert.equal(fixedRollouts(shape), 40 * 2 * 11 + 12 * 2 * 3);
  assert.equal(adaptiveTrainBudget(shape), Math.floor(952 / 2) - 72);
  assert.equal(adaptiveTrainBudget({ ...shape, holdoutTasks: 0 }), 440);
});

test('adaptive keeps to its budget: the second phase spends what the later evaluations do not need, the longest unmeasured first; the first phase is never cut and never empty', () => {
  const tasks = ['a', 'b', 'c', 'd', 'e', 'steady'];
  const history: Record<string, { iteration: number; n: number; c: number }[]> = {
    steady: [
      { iteration: 0, n: 2, c: 2 },
      { iteration: 1, n: 1, c: 1 },
    ],
    a: [{ iteration: 1, n: 1, c: 0 }],
    b: [{ iteration: 0, n: 2, c: 1 }],
    c: [],
    d: [{ iteration: 1, n: 1, c: 1 }],
    e: [{ iteration: 0, n: 2, c: 1 }],
  };
  const input = { policy: 'adaptive' as const, iteration: 4, tasks, k: 2, history, focus: ['a'] };
  const plan = { a: 2, b: 0, c: 0, d: 0, e: 0, steady: 1 };
  const surprise = { a: { n: 2, c: 1 }, steady: { n: 1, c: 0 } };
  // Unlimited: the surprised task gets k, every task not run one attempt.
  assert.deepEqual(nextPhase(input, plan, surprise), { a: 2, b: 1, c: 1, d: 1, e: 1, steady: 2 });
  // 4 evaluations after this one at this one's size (4 with the escalation) need 16 of the 22 left, this one
  // has 4: 2 more tasks, the never-measured c first, then b (last measured at 0, before e by name).
  assert.deepEqual(nextPhase({ ...input, budget: { remaining: 22, evaluationsAfter: 4 } }, plan, surprise), {
    ...plan,
    steady: 2,
    b: 1,
    c: 1,
  });
  // The last evaluation may spend all that is left; a spent budget still lets the surprised task have its k.
  assert.deepEqual(nextPhase({ ...input, budget: { remaining: 6, evaluationsAfter: 0 } }, plan, surprise), {
    ...plan,
    steady: 2,
    b: 1,
    c: 1,
  });
  assert.deepEqual(nextPhase({ ...input, budget: { remaining: 0, evaluationsAfter: 0 } }, plan, surprise), {
    ...plan,
    steady: 2,
  });
  // The first phase is the same whatever is left.
  assert.deepEqual(firstPhase({ ...input, budget: { remaining: 0, evaluationsAfter: 3 } }), firstPhase(input));
  // Nothing predicted and nothing due: the longest unmeasured task once.
  const quiet = { a: history.a!, b: history.b!, d: history.d! };
  const due = firstPhase({ ...input, tasks: ['a', 'b', 'd'], history: quiet, focus: [], iteration: 1 });
  assert.ok(Object.values(due).some((n) => n > 0));
});

test('the budget holds where surprises would take adaptive past half of fixed (tb2-89-wrong)', async () => {
  const scenario = loadScenario(new URL('../../examples/simulation/tb2-89-wrong.yaml', import.meta.url).pathname);
  const shape = { trainTasks: 89, holdoutTasks: 20, k: 2, iterations: 10, holdoutEvery: 5 };
  const spend = async (budgetShare: number) =>
    (
      await simulatePolicy(
        {
          scenario,
          seedHarness,
          policy: 'adaptive',
          iterations: 10,
          k: 2,
          holdoutEvery: 5,
          adaptive: { ...ADAPTIVE_DEFAULTS, budgetShare },
        },
        20,
      )
    ).rollouts_mean / fixedRollouts(shape);
  const unlimited = await spend(1);
  const half = await spend(0.5);
  assert.ok(unlimited > 0.5, `without a budget: ${unlimited}`);
  assert.ok(half <= 0.5, `with half of fixed's: ${half}`);
});

test('ahe simulate: one JSON object per policy with the documented keys, the same as the library; a table by default; a bad scenario is one line naming the file', async () => {
  const file = scenario().file;
  const json = await runCli(['simulate', file, '--runs', '5', '--iterations', '3', '--holdout-every', '2', '--json']);
  assert.equal(json.exitCode, 0, json.stderr);
  const lines = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.policy),
    ['fixed', 'adaptive'],
  );
  for (const line of lines) {
    for (const key of [
      'policy',
      'runs',
      'rollouts_mean',
      'decision_accuracy',
      'harmful_kept',
      'final_true_train',
      'final_true_holdout',
      'prediction_precision',
      'low_precision_runs',
    ])
      assert.ok(key in line, `${key} in ${JSON.stringify(line)}`);
    const { details: _details, ...direct } = await simulatePolicy({ ...options(line.policy), iterations: 3 }, 5);
    assert.deepEqual(line, JSON.parse(JSON.stringify(direct)), 'the CLI runs the same code as the library');
  }
  const table = await runCli(['simulate', file, '--runs', '2', '--policy', 'adaptive', '-k', '3'], {
    keepFinalNewline: true,
  });
  assert.equal(table.exitCode, 0, table.stderr);
  assert.match(table.stdout, /k=3, 2 runs from seed 3/);
  assert.match(table.stdout, /^adaptive .* \(\d+ of 2 runs below 25%\)\n$/m, 'the table ends its last line');
  // Counts over all runs say so, with the mean per run beside them (the study's tables are per run).
  assert.match(table.stdout, /harmful kept \(all runs\)/);
  assert.match(table.stdout, /^adaptive .* \d+ \(\d+\.\d\d \/ run\) .* \d+ \(\d+\.\d\d \/ run\) /m);
  const reviewed = await runCli([
    'simulate',
    file,
    '--runs',
    '5',
    '--iterations',
    '3',
    '--holdout-every',
    '2',
    '--policy',
    'fixed',
    '--review-kept',
    '--json',
  ]);
  assert.equal(reviewed.exitCode, 0, reviewed.stderr);
  const { details, ...direct } = await simulatePolicy(
    { ...options('fixed'), iterations: 3, reviewKept: REVIEW_RULE },
    5,
  );
  assert.deepEqual(JSON.parse(reviewed.stdout), JSON.parse(JSON.stringify(direct)), '--review-kept is REVIEW_RULE');
  assert.equal(direct.review_rollbacks, details.reduce((n, d) => n + d.reviewRollbacks!.length, 0) / 5);
  assert.equal(lines[0].review_rollbacks, null);
  const reviewedTable = await runCli(['simulate', file, '--runs', '2', '--policy', 'fixed', '--review-kept']);
  assert.match(reviewedTable.stdout, /kept changes reviewed after each gate/);
  assert.match(reviewedTable.stdout, /review rollbacks \/ run/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, stringify({ seed: 1, tasks: { a: 1.5 }, candidates: [] }));
  const refused = await runCli(['simulate', bad]);
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(refused.stderr, /bad\.yaml:3:6: tasks\.a: /);
  assert.doesNotMatch(refused.stderr, STACK_LINE);
});
