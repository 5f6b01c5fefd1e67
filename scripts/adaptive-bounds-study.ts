// The bounds in docs/evolution-cost.md, "What would close the gap": adaptive k=2 against fixed k=2 when
// the run is given knowledge only the simulator has, to locate what adaptive lacks where it misses its
// targets. Per scenario, on the same seeds:
//   - adaptive k=2 as shipped;
//   - with perfect predictions: every candidate's predicted_fixes / risk_tasks are the training tasks its
//     effects raise / lower (the scenario rewritten; the policy, gate and final check unchanged);
//   - with a final check 2·k·T trials larger than its budget allows (T training tasks: each of the two best
//     harnesses once more on every task, twice over);
//   - measuring only the affected tasks: after the first evaluation, exactly the training tasks some
//     candidate's effect touches, k times each, nothing else, no final check (SimulateOptions.study).
// Printed as a Markdown table: share of fixed's rollouts, decision accuracy, harmful changes kept, and
// the final harness's true train and held-out pass rates, each as a difference from fixed k=2 paired by
// seed (± its standard error).
//   node --import tsx scripts/adaptive-bounds-study.ts [--runs N] [scenario.yaml …]
import { parseArgs } from 'node:util';
import { fixedRollouts } from '../src/evolve/eval-policy.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { type SimRun, type SimulateOptions, simulateRun } from '../src/sim/simulate.ts';
import {
  affectedTasks,
  scenarioFiles,
  scoreDecisions,
  seedHarness,
  signedPoints,
  stat,
  withPerfectPredictions,
} from './sim-study-common.ts';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '1000' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const harness = seedHarness();

const pp = (xs: number[]) => signedPoints(xs, 1);

console.log(
  '| scenario | arm | rollouts (share of fixed k=2) | decision accuracy % | harmful kept / evolution | train Δ pp | held-out Δ pp |',
);
console.log('|---|---|---|---|---|---|---|');
for (const file of scenarioFiles(positionals)) {
  const scenario = loadScenario(file);
  const name = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
  const iterations = Math.max(1, scenario.candidates.length);
  const T = Object.keys(scenario.tasks).length;
  const base: SimulateOptions = {
    scenario,
    seedHarness: harness,
    policy: 'adaptive',
    iterations,
    k: 2,
    holdoutEvery: 5,
  };
  const fixed = fixedRollouts({
    trainTasks: T,
    holdoutTasks: Object.keys(scenario.holdout).length,
    k: 2,
    iterations,
    holdoutEvery: 5,
  });
  const arms: [string, SimulateOptions][] = [
    ['fixed k=2', { ...base, policy: 'fixed' }],
    ['adaptive k=2', base],
    ['… with perfect predictions', { ...base, scenario: withPerfectPredictions(scenario) }],
    [`… with a final check ${2 * 2 * T} trials larger`, { ...base, study: { finalCheckExtra: 2 * 2 * T } }],
    ['measuring only the affected tasks', { ...base, study: { measureOnly: affectedTasks(scenario) } }],
  ];
  const started = Date.now();
  const results: SimRun[][] = [];
  for (const [, options] of arms) {
    const rs: SimRun[] = [];
    for (let r = 0; r < runs; r++) rs.push(await simulateRun(options, r));
    results.push(rs);
  }
  const reference = results[0]!;
  arms.forEach(([label], i) => {
    const rs = results[i]!;
    const accuracy = stat(rs.flatMap((r) => scoreDecisions(r).correct));
    const train = rs.map((r, j) => r.finalTrueTrain - reference[j]!.finalTrueTrain);
    const holdout = rs.map((r, j) => (r.finalTrueHoldout ?? 0) - (reference[j]!.finalTrueHoldout ?? 0));
    const cells =
      i === 0
        ? [
            `${(stat(rs.map((r) => r.finalTrueTrain)).mean * 100).toFixed(1)}%`,
            `${(stat(rs.map((r) => r.finalTrueHoldout ?? 0)).mean * 100).toFixed(1)}%`,
          ]
        : [pp(train), pp(holdout)];
    console.log(
      `| ${i === 0 ? name : ''} | ${label} | ${((stat(rs.map((r) => r.rollouts)).mean / fixed) * 100).toFixed(1)}% | ${(accuracy.mean * 100).toFixed(1)} | ${stat(rs.map((r) => scoreDecisions(r).harmfulKept)).mean.toFixed(2)} | ${cells[0]} | ${cells[1]} |`,
    );
  });
  console.error(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `\n(fixed k=2's row gives its final true train and held-out pass rates; the other rows the difference from it, paired by seed, percentage points ± standard error; ${runs} runs per arm)`,
);
