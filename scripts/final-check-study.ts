// The comparison in docs/evolution-cost.md, "The final check": adaptive k=2 with its final check (what
// `ahe evolve` and `ahe simulate` do) against the same runs without it, on the same seeds (the check runs
// after the last evaluation, so the path is the same), per scenario: the share of fixed's rollouts spent
// and the final harness's true train and held-out pass rates.
//   node --import tsx scripts/final-check-study.ts [--runs N] [scenario.yaml …]
import { parseArgs } from 'node:util';
import { fixedRollouts } from '../src/evolve/eval-policy.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { simulateRun } from '../src/sim/simulate.ts';
import { scenarioFiles, seedHarness, signedPoints, stat } from './sim-study-common.ts';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '1000' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const harness = seedHarness();

console.log('| scenario | rollouts (share of fixed k=2) | extra rollouts / evolution | train Δ | held-out Δ |');
console.log('|---|---|---|---|---|');
for (const file of scenarioFiles(positionals)) {
  const scenario = loadScenario(file);
  const iterations = Math.max(1, scenario.candidates.length);
  const options = { scenario, seedHarness: harness, policy: 'adaptive' as const, iterations, k: 2, holdoutEvery: 5 };
  const fixed = fixedRollouts({
    trainTasks: Object.keys(scenario.tasks).length,
    holdoutTasks: Object.keys(scenario.holdout).length,
    k: 2,
    iterations,
    holdoutEvery: 5,
  });
  const train: number[] = [];
  const holdout: number[] = [];
  const extra: number[] = [];
  const share: number[] = [];
  const started = Date.now();
  for (let r = 0; r < runs; r++) {
    const withCheck = await simulateRun(options, r);
    const without = await simulateRun({ ...options, finalCheck: false }, r);
    train.push(withCheck.finalTrueTrain - without.finalTrueTrain);
    holdout.push((withCheck.finalTrueHoldout ?? 0) - (without.finalTrueHoldout ?? 0));
    extra.push(withCheck.rollouts - without.rollouts);
    share.push(withCheck.rollouts / fixed);
  }
  const name = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
  console.log(
    `| ${name} | ${(stat(share).mean * 100).toFixed(1)}% | ${stat(extra).mean.toFixed(1)} | ${signedPoints(train)} | ${signedPoints(holdout)} |`,
  );
  console.error(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `\n(Δ: with the final check − without, percentage points of the final harness's true pass rate ± standard error; ${runs} runs per scenario, adaptive k=2)`,
);
