// The measurement behind docs/next-steps.md's "late review" (a gate that is not shipped): after each gate,
// the kept change whose removal raises the harness's estimate (best-estimate.ts) the most is rolled back
// when the rise is at least a margin (SimulateOptions.study.reviewKept). Per scenario and policy (k=2),
// on the same seeds: decision accuracy and harmful changes kept counted by each change's final state (a
// change the review rolled back counts as rolled back), late rollbacks per run, and the final harness's
// true train and held-out pass rates as differences from the same policy without the review (± standard
// error, percentage points).
//   node --import tsx scripts/review-kept-study.ts [--runs N] [--margins 0.005,0.01,0.02] [scenario.yaml …]
import { parseArgs } from 'node:util';
import type { EvalPolicy } from '../src/evolve/eval-policy.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { type SimRun, simulateRun } from '../src/sim/simulate.ts';
import { scenarioFiles, scoreDecisions, seedHarness, signedPoints, stat } from './sim-study-common.ts';

const { values, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    margins: { type: 'string', default: '0.005,0.01,0.02' },
    z: { type: 'string', default: '0' },
    policies: { type: 'string', default: 'fixed,adaptive' },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
const rules = values.margins
  .split(',')
  .map(Number)
  .flatMap((margin) => values.z.split(',').map((z) => ({ margin, z: Number(z) })));
const policies = values.policies.split(',') as EvalPolicy[];
const harness = seedHarness();

const pp = (xs: number[]) => signedPoints(xs, 1);

console.log(
  '| scenario | policy | review margin | decision accuracy % | harmful kept / evolution | late rollbacks / evolution | train Δ pp | held-out Δ pp |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const file of scenarioFiles(positionals)) {
  const scenario = loadScenario(file);
  const name = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
  const iterations = Math.max(1, scenario.candidates.length);
  const started = Date.now();
  for (const policy of policies) {
    const options = { scenario, seedHarness: harness, policy, iterations, k: 2, holdoutEvery: 5 };
    const plain: SimRun[] = [];
    for (let r = 0; r < runs; r++) plain.push(await simulateRun(options, r));
    for (const rule of [undefined, ...rules]) {
      const margin = rule?.margin;
      const rs: SimRun[] = [];
      if (margin === undefined) rs.push(...plain);
      else
        for (let r = 0; r < runs; r++)
          rs.push(await simulateRun({ ...options, reviewKept: { margin: rule!.margin, sd: rule!.z } }, r));
      const decided = rs.map(scoreDecisions);
      const train = rs.map((r, j) => r.finalTrueTrain - plain[j]!.finalTrueTrain);
      const holdout = rs.map((r, j) => (r.finalTrueHoldout ?? 0) - (plain[j]!.finalTrueHoldout ?? 0));
      const cells =
        margin === undefined
          ? [
              `${(stat(rs.map((r) => r.finalTrueTrain)).mean * 100).toFixed(1)}%`,
              `${(stat(rs.map((r) => r.finalTrueHoldout ?? 0)).mean * 100).toFixed(1)}%`,
            ]
          : [pp(train), pp(holdout)];
      console.log(
        `| ${policy === 'fixed' && margin === undefined ? name : ''} | ${margin === undefined ? policy : ''} | ${rule === undefined ? 'none' : `${rule.margin * 100} point(s)${rule.z ? `, ${rule.z} sd` : ''}`} | ${(stat(decided.flatMap((d) => d.correct)).mean * 100).toFixed(1)} | ${stat(decided.map((d) => d.harmfulKept)).mean.toFixed(2)} | ${stat(rs.map((r) => r.reviewRollbacks?.length ?? 0)).mean.toFixed(2)} | ${cells[0]} | ${cells[1]} |`,
      );
    }
  }
  console.error(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `\n(the row without a review gives the policy's final true train and held-out pass rates; the rows with one the difference from it, paired by seed, percentage points ± standard error; ${runs} runs per row, k=2)`,
);
