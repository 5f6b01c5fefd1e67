// The advice against `--eval-policy adaptive` when the evolve agent's predictions are mostly wrong:
// its rule, how often it fires on the simulated suites, and where a run says it (summary.md and .json).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PredictionQuality } from '../../src/evolve/attribution.ts';
import { evalPolicyAdvice, newEvalPolicyAdvice } from '../../src/evolve/policy-advice.ts';
import { createRunState, iterationDir, saveRunState } from '../../src/evolve/run-state.ts';
import { writeRunSummary } from '../../src/evolve/run-summary.ts';
import { readHarnessFiles } from '../../src/sim/draw.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { simulatePolicy } from '../../src/sim/simulate.ts';
import { testRunConfig } from '../support/run-config.ts';

const quality = (predicted: number, actuallyFixed: number): PredictionQuality => ({
  precision: predicted ? actuallyFixed / predicted : null,
  recall: null,
  predicted,
  actually_fixed: actuallyFixed,
  credited: 0,
  fixed_or_improved: 0,
  manifests: predicted,
  changes: predicted,
});

test('adaptive is advised against only on enough predictions, fewer than a quarter of them right', () => {
  assert.equal(evalPolicyAdvice('fixed', quality(8, 0)), undefined, 'fixed measures every task anyway');
  assert.equal(evalPolicyAdvice('adaptive', undefined), undefined);
  assert.equal(evalPolicyAdvice('adaptive', quality(0, 0)), undefined);
  assert.equal(evalPolicyAdvice('adaptive', quality(4, 0)), undefined, 'too few predictions to judge');
  assert.equal(evalPolicyAdvice('adaptive', quality(8, 2)), undefined, '25% is not below 25%');
  assert.match(
    evalPolicyAdvice('adaptive', quality(8, 1)) ?? '',
    /^the evolve agent's predicted fixes came true for 1 of 8 \(13%\)\. .*--eval-policy fixed is the safer choice/,
  );
});

test('the log says it once: when the advice first holds, not again while it still does', () => {
  assert.match(newEvalPolicyAdvice('adaptive', quality(4, 0), quality(5, 0)) ?? '', /came true for 0 of 5 \(0%\)/);
  assert.equal(newEvalPolicyAdvice('adaptive', quality(5, 0), quality(6, 0)), undefined, 'said already');
  assert.equal(newEvalPolicyAdvice('adaptive', quality(4, 0), quality(5, 2)), undefined, '40% came true');
  assert.match(newEvalPolicyAdvice('adaptive', quality(5, 2), quality(9, 2)) ?? '', /2 of 9/, 'fell below after all');
  assert.equal(newEvalPolicyAdvice('fixed', quality(4, 0), quality(5, 0)), undefined);
});

test('on the simulator it fires where predictions are mostly wrong, not where they are right', async () => {
  const seedHarness = readHarnessFiles(new URL('../../harnesses/seed', import.meta.url).pathname);
  const advised = async (name: string) => {
    const scenario = loadScenario(new URL(`../../examples/simulation/${name}.yaml`, import.meta.url).pathname);
    const summary = await simulatePolicy(
      { scenario, seedHarness, policy: 'adaptive', iterations: 10, k: 2, holdoutEvery: 5 },
      20,
    );
    return summary.low_precision_runs;
  };
  const wrong = await advised('wrong-predictions-40');
  const right = await advised('stable-40');
  assert.ok(wrong >= 15, `wrong-predictions-40 (60% of candidates mispredict): ${wrong} of 20 runs advised`);
  assert.equal(right, 0, `stable-40 (predictions right): ${right} of 20 runs advised`);
});

test("an adaptive run's summary says it, and a fixed run's does not", () => {
  for (const policy of ['adaptive', 'fixed'] as const) {
    const runDir = mkdtempSync(join(tmpdir(), 'ahe-advice-'));
    const state = createRunState(
      testRunConfig({
        tasks: '/t',
        model: 'scripted:/m.yaml',
        evolve_model: 'scripted:/e.yaml',
        iterations: 3,
        k: 2,
        eval_policy: policy,
      }),
    );
    saveRunState(runDir, { ...state, iteration: 3 });
    mkdirSync(iterationDir(runDir, 3), { recursive: true });
    writeFileSync(
      join(iterationDir(runDir, 3), 'attribution.json'),
      JSON.stringify({ changes: [], run_prediction_quality: quality(9, 1) }),
    );
    const { markdown } = writeRunSummary(runDir, { ...state, iteration: 3 });
    const advice = /^Evaluation policy: the evolve agent's predicted fixes came true for 1 of 9 \(11%\)\./m;
    if (policy === 'adaptive') assert.match(markdown, advice);
    else assert.doesNotMatch(markdown, /Evaluation policy:/);
  }
});
