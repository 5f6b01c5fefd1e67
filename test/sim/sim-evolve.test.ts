// `ahe evolve` with the simulator's models on real tasks and sandboxes (bwrap) reaches the decisions
// `ahe simulate` reaches in memory on the same seed, under both evaluation policies: the same trials
// (tasks × attempts), the same outcomes, the same verdicts, rollbacks and best iteration. The adaptive
// policy evaluates the held-out split in full; a run killed with SIGKILL resumes to the same end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import type { EvalPolicy } from '../../src/evolve/eval-policy.ts';
import { readEvidenceInput } from '../../src/evolve/evidence-input.ts';
import { finalCheckJobs } from '../../src/evolve/policy-views.ts';
import { renderEvidence } from '../../src/evolve/render-evidence.ts';
import { REVIEW_RULE, type ReviewRule } from '../../src/evolve/review-kept.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { loadRunState, saveRunState } from '../../src/evolve/run-state.ts';
import { openRun } from '../../src/evolve/steps/context.ts';
import { rollbacksForEvidence } from '../../src/evolve/steps/evolve.ts';
import { gateStep } from '../../src/evolve/steps/gate.ts';
import { loadReport } from '../../src/report/load-report.ts';
import type { RunReport } from '../../src/report/report-data.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { readHarnessFiles } from '../../src/sim/draw.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { simulateRun } from '../../src/sim/simulate.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = join(ROOT, 'harnesses', 'seed');
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const TASKS = {
  'csv-region-totals': 0.9,
  'incident-timeline': 0.6,
  'repair-json-config': 0.1,
  'session-durations': 0.95,
  'sort-files-by-extension': 0.5,
  'top-words': 0.2,
};

function setup(
  policy: EvalPolicy,
  shape: {
    tasks?: Record<string, number>;
    iterations?: number;
    holdoutEvery?: number;
    /** Replaces the scenario's seed, effects and candidates. */
    scenario?: { seed: number; effects: unknown[]; candidates: unknown[] };
    reviewKept?: boolean;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), `ahe-sim-evolve-${policy}-`));
  const { tasks } = makeDemo(dir);
  const holdout = join(dir, 'holdout');
  mkdirSync(holdout);
  cpSync(join(ROOT, 'tasks', 'holdout', 'failed-ssh-logins'), join(holdout, 'failed-ssh-logins'), { recursive: true });
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(
    scenario,
    stringify({
      seed: 11,
      tasks: shape.tasks ?? TASKS,
      holdout: { 'failed-ssh-logins': 0.4 },
      ...shape.scenario,
      effects: shape.scenario?.effects ?? [
        { id: 'rules', when: { text: 'stated ordering rule' }, tasks: ['top-words', 'failed-ssh-logins'], delta: 0.7 },
        {
          id: 'rush',
          when: { text: 'stop early' },
          tasks: ['csv-region-totals', 'session-durations', 'sort-files-by-extension'],
          delta: -0.8,
        },
      ],
      candidates: shape.scenario?.candidates ?? [
        {
          id: 'check-rules',
          component: 'memory',
          files: { 'memory/check-rules.md': 'Check every stated ordering rule before finishing.\n' },
          predicted_fixes: ['top-words'],
        },
        {
          id: 'save-time',
          component: 'memory',
          files: { 'memory/save-time.md': 'To save time, stop early once an answer looks plausible.\n' },
          predicted_fixes: ['repair-json-config'],
          risk_tasks: ['csv-region-totals'],
        },
      ],
    }),
  );
  const config: EvolveConfig = {
    harness: SEED,
    tasks,
    holdout,
    model: `sim:${scenario}`,
    evolve_model: `sim-evolver:${scenario}`,
    debug_model: null,
    iterations: shape.iterations ?? 2,
    k: 2,
    concurrency: 4,
    holdout_every: shape.holdoutEvery ?? 1,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
    eval_policy: policy,
    review_kept: shape.reviewKept ?? false,
  };
  return { dir, scenario, config };
}

/** What both must agree on, read from an evolve run directory. */
function evolveDecisions(runDir: string, iterations: number) {
  const it = (n: number, f: string) => join(runDir, 'iterations', String(n), f);
  return Array.from({ length: iterations + 1 }, (_, n) => {
    const tasks = readJson(it(n, 'job/result.json')).tasks as Record<string, { n: number; c: number }>;
    const attribution = existsSync(it(n, 'attribution.json')) ? readJson(it(n, 'attribution.json')) : undefined;
    const gate = readJson(it(n, 'gate.json'));
    return {
      iteration: n,
      attempts: readJson(it(n, 'evaluation.json')).attempts,
      outcomes: Object.fromEntries(
        Object.entries(tasks)
          .filter(([, o]) => o.n > 0)
          .map(([t, o]) => [t, { n: o.n, c: o.c }]),
      ),
      verdicts: (attribution?.changes ?? []).map((c: { id: string; verdict: string }) => [c.id, c.verdict]),
      rolledBack: gate.rollbacks.map((r: { changeId: string }) => r.changeId),
    };
  });
}

async function simulated(
  scenarioFile: string,
  policy: EvalPolicy,
  iterations = 2,
  holdoutEvery = 1,
  reviewKept: ReviewRule | undefined = undefined,
) {
  const run = await simulateRun({
    scenario: loadScenario(scenarioFile),
    seedHarness: readHarnessFiles(SEED),
    policy,
    iterations,
    k: 2,
    holdoutEvery,
    ...(reviewKept ? { reviewKept } : {}),
  });
  return {
    best: run.bestIteration,
    finalCheck: run.finalCheck,
    reviewRollbacks: run.reviewRollbacks,
    iterations: run.evaluations.map((e) => ({
      iteration: e.iteration,
      attempts: e.attempts,
      outcomes: e.outcomes,
      verdicts: run.decisions.filter((d) => d.iteration === e.iteration).map((d) => [d.change, d.verdict]),
      rolledBack: run.decisions.filter((d) => d.iteration === e.iteration && d.rolledBack).map((d) => d.change),
    })),
  };
}

for (const policy of ['fixed', 'adaptive'] as const) {
  test(`${policy}: ahe evolve with sim: models and ahe simulate --runs 1 make the same trials and decisions on one seed`, {
    skip,
  }, async () => {
    const { dir, scenario, config } = setup(policy);
    const runDir = join(dir, 'run');
    const lines: string[] = [];
    const state = await runEvolve({ runDir, config, log: (l) => lines.push(l) });
    assert.equal(state.step, 'done');
    const sim = await simulated(scenario, policy);
    // A later phase of an evaluation says why it runs more trials.
    for (const n of [0, 1, 2]) {
      const phases = readJson(join(runDir, 'iterations', String(n), 'evaluation.json')).phases.length;
      assert.equal(
        lines.some((l) => l.startsWith(`iteration ${n}: phase 2 (a task stable so far came out against its history)`)),
        phases > 1,
        `iteration ${n}: ${phases} phase(s)`,
      );
    }
    assert.deepEqual(evolveDecisions(runDir, 2), sim.iterations);
    assert.equal(state.best?.iteration, sim.best);
    // The harmful candidate's risk was measured and judged (whatever the draws made of it), and the
    // held-out split was evaluated in full at every iteration under both policies.
    assert.equal(sim.iterations[2]!.verdicts.length, 1);
    for (const n of [0, 1, 2]) {
      const held = readJson(join(runDir, 'iterations', String(n), 'holdout-job', 'result.json'));
      assert.deepEqual(held.tasks['failed-ssh-logins'].n, 2, `iteration ${n}`);
    }
    if (policy === 'adaptive') {
      const rollouts = [1, 2].map((n) => readJson(join(runDir, 'iterations', String(n), 'evaluation.json')).rollouts);
      assert.ok(
        rollouts.some((r) => r < 12),
        `adaptive ran every trial: ${rollouts}`,
      );
    }
  });
}

test("adaptive: the final check runs what the budget has left on the two best harnesses, the same trials as ahe simulate's", {
  skip,
}, async () => {
  // Mostly settled tasks over 6 iterations leave adaptive part of its budget (ahe simulate: 3 rounds).
  const settled = { ...TASKS, 'csv-region-totals': 0.99, 'incident-timeline': 0.99, 'repair-json-config': 0.01 };
  const { dir, scenario, config } = setup('adaptive', {
    tasks: { ...settled, 'session-durations': 0.99, 'sort-files-by-extension': 0.99 },
    iterations: 6,
    holdoutEvery: 3,
  });
  const runDir = join(dir, 'run');
  const lines: string[] = [];
  const state = await runEvolve({ runDir, config, log: (l) => lines.push(l) });
  assert.equal(state.step, 'done');
  const sim = await simulated(scenario, 'adaptive', 6, 3);
  assert.ok(sim.finalCheck.length > 0, 'the simulated run checks');
  const checked = finalCheckJobs(runDir, 6).map((job) => ({
    iteration: job.iteration,
    outcomes: Object.fromEntries(
      Object.entries(readJson(join(job.jobDir, 'result.json')).tasks as Record<string, { n: number; c: number }>)
        .filter(([, o]) => o.n > 0)
        .map(([t, o]) => [t, { n: o.n, c: o.c }]),
    ),
  }));
  assert.deepEqual(checked, sim.finalCheck);
  assert.equal(state.best?.iteration, sim.best);
  assert.ok(
    lines.some((l) =>
      /^iteration 6: final check 1\/3 \(what adaptive's budget has left\): iterations \d+ and \d+ once more on \d+ training tasks$/.test(
        l,
      ),
    ),
    lines.join('\n'),
  );
});

for (const policy of ['fixed', 'adaptive'] as const)
  test(`${policy} --review-kept: ahe evolve rolls back the kept change ahe simulate --runs 1 rolls back, at the same gate, and the rest agrees`, {
    skip,
  }, async () => {
    // The first candidate hurts three tasks; on this seed the gate keeps it and the next review rolls it
    // back (found with the simulator; the premise is asserted below).
    const { dir, scenario, config } = setup(policy, {
      iterations: 4,
      holdoutEvery: 2,
      reviewKept: true,
      scenario: {
        seed: 1,
        effects: [
          {
            id: 'slip',
            when: { text: 'skip the final re-read' },
            tasks: ['csv-region-totals', 'session-durations', 'failed-ssh-logins'],
            delta: -0.5,
          },
        ],
        candidates: [
          {
            id: 'slip',
            component: 'memory',
            files: { 'memory/slip.md': 'To finish sooner, skip the final re-read of the output.\n' },
            predicted_fixes: ['repair-json-config'],
          },
          ...[1, 2, 3].map((i) => ({
            id: `note-${i}`,
            component: 'memory',
            files: { [`memory/note-${i}.md`]: `Note ${i}: keep a scratch file of commands tried.\n` },
          })),
        ],
      },
    });
    const runDir = join(dir, 'run');
    const lines: string[] = [];
    const state = await runEvolve({ runDir, config, log: (l) => lines.push(l) });
    assert.equal(state.step, 'done');
    const sim = await simulated(scenario, policy, 4, 2, REVIEW_RULE);
    assert.deepEqual(sim.iterations[1]!.verdicts.length, 1);
    assert.deepEqual(sim.iterations[1]!.rolledBack, [], 'the gate keeps slip: the premise of this test');
    assert.equal(sim.reviewRollbacks?.[0]?.change, '0/slip', 'the review rolls it back: the premise of this test');
    assert.deepEqual(evolveDecisions(runDir, 4), sim.iterations);
    assert.equal(state.best?.iteration, sim.best);
    const reviews = [1, 2, 3, 4].map((n) => readJson(join(runDir, 'iterations', String(n), 'gate.json')).review);
    assert.deepEqual(
      reviews.flatMap((r, i) => (r?.rollback ? [{ iteration: i + 1, change: r.rollback.change }] : [])),
      sim.reviewRollbacks!.map((r) => ({ iteration: r.iteration, change: r.change })),
    );
    const first = reviews[sim.reviewRollbacks![0]!.iteration - 1];
    assert.equal(first.rollback.rise, sim.reviewRollbacks![0]!.rise);
    assert.equal(first.applied[0].changeId, 'slip');
    assert.match(first.applied[0].reason, /^review of kept changes: the harness without slip \(made in iteration 0\)/);
    assert.ok(
      state.rollbacks.some((r) => r.change_id === 'slip' && r.iteration === sim.reviewRollbacks![0]!.iteration),
    );
    assert.ok(
      lines.some((l) => /^iteration \d: rolled back slip — review of kept changes/.test(l)),
      lines.join('\n'),
    );
    // The rollbacks are revert commits: the harness at the end holds exactly the lessons neither the gate nor
    // the review rolled back.
    const gone = new Set([
      ...sim.iterations.flatMap((i) => i.rolledBack),
      ...sim.reviewRollbacks!.map((r) => r.change.replace(/^\d+\//, '')),
    ]);
    assert.ok(gone.has('slip'));
    for (const id of ['slip', 'note-1', 'note-2', 'note-3'])
      assert.equal(existsSync(join(runDir, 'harness', 'memory', `${id}.md`)), !gone.has(id), id);
    // The report shows slip as rolled back, by the review, and the review's rollback at its gate.
    const report = (await loadReport([runDir], { embedTrials: false })).payload.report as RunReport;
    const slip = report.iterations[0]!.changes.find((c) => c.id === 'slip')!;
    assert.equal(slip.rolled_back, true);
    assert.match(slip.rollback_reason ?? '', /^review of kept changes/);
    const at = report.iterations.find((i) => i.iteration === sim.reviewRollbacks![0]!.iteration)!;
    assert.ok(at.rollbacks.some((r) => r.change_id === 'slip' && r.reason.startsWith('review of kept changes')));
    // The evolve agent's evidence of that iteration says so.
    const n = sim.reviewRollbacks![0]!.iteration;
    const evidence = rollbacksForEvidence(runDir, state.rollbacks, n);
    assert.deepEqual(
      evidence.reviewRolledBack?.map((r) => [r.id, r.iteration]),
      [['slip', 0]],
    );
    assert.ok(!evidence.rolledBack?.some((r) => r.id === 'slip'));
    const text = renderEvidence(
      readEvidenceInput(runDir, n, { trainTasks: Object.keys(TASKS), ...evidence }),
      'attribution',
    );
    assert.match(text, /^- slip \(made in iteration 0\): review of kept changes/m);

    // A crash between saving the gate step's state and marking the step done: the redone gate step finds
    // the review's revert and makes no second rollback.
    const copy = join(dir, 'run-redone');
    cpSync(runDir, copy, { recursive: true });
    const saved = loadRunState(copy);
    saveRunState(copy, {
      ...saved,
      iteration: n,
      step: 'gate',
      rollbacks: saved.rollbacks.filter((r) => r.iteration <= n),
    });
    const ctx = await openRun({ runDir: copy });
    await gateStep(ctx, n);
    const redone = readJson(join(copy, 'iterations', String(n), 'gate.json')).review;
    assert.equal(redone.rollback?.change, '0/slip');
    assert.equal(redone.applied[0].alreadyReverted, true);
    assert.deepEqual(
      ctx.state.rollbacks.filter((r) => r.iteration === n),
      saved.rollbacks.filter((r) => r.iteration === n),
    );
  });

test('adaptive: a run killed with SIGKILL mid-evaluation resumes to the same decisions', { skip }, async () => {
  const { dir, config } = setup('adaptive');
  const reference = join(dir, 'reference');
  await runEvolve({ runDir: reference, config });
  const runDir = join(dir, 'killed');
  const script = join(dir, 'run.mts');
  writeFileSync(
    script,
    `import { runEvolve } from ${JSON.stringify(join(ROOT, 'src/evolve/run-evolve.ts'))};\nawait runEvolve({ runDir: ${JSON.stringify(runDir)}, config: ${JSON.stringify(config)} });\n`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  // Killed once iteration 1's training evaluation has started.
  const deadline = Date.now() + 120_000;
  while (!existsSync(join(runDir, 'iterations', '1', 'job', 'config.json')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await exited;
  const state = await runEvolve({ runDir });
  assert.equal(state.step, 'done');
  assert.deepEqual(evolveDecisions(runDir, 2), evolveDecisions(reference, 2));
});
