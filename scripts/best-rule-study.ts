// The comparison in docs/evolution-cost.md, "The best harness": the final harness's true train and
// held-out pass rates when the best is chosen by the change-attribution estimate (best-estimate.ts, what
// `ahe evolve` and `ahe simulate` do) against the rule it replaced, on the same seeds (the rule does not
// change a run's path, only which of its harnesses is handed over), per scenario and policy, k = 2.
//   node --import tsx scripts/best-rule-study.ts [--runs N] [--policies fixed,adaptive] [scenario.yaml …]
//
// The replaced rule, kept here only to measure against: iteration n became the best when its paired mean
// difference against the best so far, over the tasks both measured, was above zero; under fixed the two
// sides were the two evaluations, under adaptive each task's last measured outcome at either point.
import { parseArgs } from 'node:util';
import { compareJobs } from '../src/bench/compare-jobs.ts';
import type { TaskOutcome } from '../src/bench/stats.ts';
import type { EvaluatedHarness } from '../src/evolve/best-estimate.ts';
import { bestComparand, carriedOutcomes, type EvalPolicy, historyOf } from '../src/evolve/eval-policy.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { simulateRun } from '../src/sim/simulate.ts';
import { scenarioFiles, seedHarness, signedPoints } from './sim-study-common.ts';

/** The replaced rule, applied after the fact to the evaluations in order (as the gate step applied it). */
function pairedRunningBest(policy: EvalPolicy) {
  return (evaluated: readonly EvaluatedHarness[]): number => {
    let best: { iteration: number; outcomes: Record<string, TaskOutcome> } | undefined;
    for (let i = 0; i < evaluated.length; i++) {
      const history = historyOf(evaluated.slice(0, i + 1));
      const current = evaluated[i]!;
      const paired = best && compareJobs(best.outcomes, bestComparand(policy, history, current.outcomes)).paired;
      if (!best || (paired && paired.nTasks > 0 && paired.meanDifference > 0))
        best = { iteration: current.iteration, outcomes: carriedOutcomes(history) };
    }
    return best!.iteration;
  };
}

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '1000' }, policies: { type: 'string', default: 'fixed,adaptive' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const policies = values.policies.split(',') as EvalPolicy[];
const files = scenarioFiles(positionals);
const harness = seedHarness();

const rows: string[] = [];
for (const file of files) {
  const scenario = loadScenario(file);
  const name = file.replace(/^.*\//, '').replace(/\.yaml$/, '');
  const cells: string[] = [];
  for (const policy of policies) {
    const options = {
      scenario,
      seedHarness: harness,
      policy,
      iterations: Math.max(1, scenario.candidates.length),
      k: 2,
      holdoutEvery: 5,
    };
    const train: number[] = [];
    const holdout: number[] = [];
    const started = Date.now();
    for (let r = 0; r < runs; r++) {
      const estimate = await simulateRun(options, r);
      const replaced = await simulateRun({ ...options, bestRule: pairedRunningBest(policy) }, r);
      train.push(estimate.finalTrueTrain - replaced.finalTrueTrain);
      holdout.push((estimate.finalTrueHoldout ?? 0) - (replaced.finalTrueHoldout ?? 0));
    }
    cells.push(signedPoints(train), signedPoints(holdout));
    console.error(`${name} ${policy}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  rows.push(`| ${name} | ${cells.join(' | ')} |`);
}
console.log(
  `| scenario | ${policies.flatMap((p) => [`${p}: train Δ`, `${p}: held-out Δ`]).join(' | ')} |\n|${'---|'.repeat(1 + 2 * policies.length)}`,
);
console.log(rows.join('\n'));
console.log(
  `\n(Δ: estimate − replaced rule, percentage points of the final harness's true pass rate ± standard error; ${runs} runs per cell, k=2)`,
);
