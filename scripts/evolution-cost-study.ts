// The study of docs/evolution-cost.md: every scenario of examples/simulation/ under the fixed policy at
// k = 1, 2, 3 and the adaptive policy at k = 2, N evolutions each (the same code as `ahe simulate`), printed
// as Markdown tables with each figure's standard error, and adaptive against fixed k=2 with the verdict
// of the targets.
//   node --import tsx scripts/evolution-cost-study.ts [--runs N] [--json FILE] [scenario.yaml …]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EvalPolicy } from '../src/evolve/eval-policy.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { simulatePolicy } from '../src/sim/simulate.ts';
import { type Stat, scenarioFiles, scoreDecisions, seedHarness, stat } from './sim-study-common.ts';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '1000' }, json: { type: 'string' } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const files = scenarioFiles(positionals);
const harness = seedHarness();
const ARMS: { label: string; policy: EvalPolicy; k: number }[] = [
  { label: 'fixed k=1', policy: 'fixed', k: 1 },
  { label: 'fixed k=2', policy: 'fixed', k: 2 },
  { label: 'fixed k=3', policy: 'fixed', k: 3 },
  { label: 'adaptive k=2', policy: 'adaptive', k: 2 },
];

interface Arm {
  label: string;
  rollouts: Stat;
  accuracy: Stat & { n: number };
  harmfulKeptPerRun: Stat;
  train: Stat;
  holdout: Stat;
  /** The true train pass rate of the best harness the run evaluated (what a perfect best-iteration rule picks). */
  pathBest: Stat;
  seconds: number;
}

const pct = (s: Stat) => `${(s.mean * 100).toFixed(1)} ± ${(s.se * 100).toFixed(1)}`;
const results: { scenario: string; tasks: number; holdout: number; iterations: number; arms: Arm[] }[] = [];
for (const file of files) {
  const scenario = loadScenario(file);
  const iterations = Math.max(1, scenario.candidates.length);
  const arms: Arm[] = [];
  for (const arm of ARMS) {
    const started = process.hrtime.bigint();
    const s = await simulatePolicy(
      { scenario, seedHarness: harness, policy: arm.policy, iterations, k: arm.k, holdoutEvery: 5 },
      runs,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const decided = s.details.map(scoreDecisions);
    const correct = decided.flatMap((d) => d.correct);
    arms.push({
      label: arm.label,
      rollouts: stat(s.details.map((d) => d.rollouts)),
      accuracy: { ...stat(correct), n: correct.length },
      harmfulKeptPerRun: stat(decided.map((d) => d.harmfulKept)),
      train: stat(s.details.map((d) => d.finalTrueTrain)),
      holdout: stat(s.details.map((d) => d.finalTrueHoldout ?? Number.NaN)),
      pathBest: stat(s.details.map((d) => Math.max(...d.evaluations.map((e) => e.trueTrain)))),
      seconds,
    });
    process.stderr.write(`${scenario.file} ${arm.label}: ${seconds.toFixed(1)} s\n`);
  }
  results.push({
    scenario: file
      .split('/')
      .pop()!
      .replace(/\.yaml$/, ''),
    tasks: Object.keys(scenario.tasks).length,
    holdout: Object.keys(scenario.holdout).length,
    iterations,
    arms,
  });
}

const out: string[] = [];
for (const r of results) {
  out.push(
    `### ${r.scenario} (${r.tasks} training + ${r.holdout} held-out tasks, ${r.iterations} iterations, ${runs} runs)`,
    '',
    '| policy | rollouts / evolution | decision accuracy % | harmful kept / evolution | final true train % | final true held-out % | best on the path: true train % |',
    '|---|---|---|---|---|---|---|',
  );
  const base = r.arms.find((a) => a.label === 'fixed k=2')!;
  for (const a of r.arms)
    out.push(
      `| ${a.label} | ${a.rollouts.mean.toFixed(0)} (${((a.rollouts.mean / base.rollouts.mean) * 100).toFixed(0)}%) | ${pct(a.accuracy)} | ${a.harmfulKeptPerRun.mean.toFixed(2)} ± ${a.harmfulKeptPerRun.se.toFixed(2)} | ${pct(a.train)} | ${pct(a.holdout)} | ${pct(a.pathBest)} |`,
    );
  out.push('');
}

// Adaptive against fixed k=2: a shortfall counts when it is beyond two standard errors of the difference.
const within = (a: Stat, b: Stat, higherIsBetter: boolean) => {
  const diff = a.mean - b.mean;
  const se = Math.sqrt(a.se ** 2 + b.se ** 2);
  return higherIsBetter ? diff >= -2 * se : diff <= 2 * se;
};
out.push(
  '### Adaptive k=2 against fixed k=2',
  '',
  '| scenario | rollouts | accuracy (Δ pp) | harmful kept (Δ / evolution) | train (Δ pp) | held-out (Δ pp) | all targets met |',
  '|---|---|---|---|---|---|---|',
);
for (const r of results) {
  const f = r.arms.find((a) => a.label === 'fixed k=2')!;
  const a = r.arms.find((x) => x.label === 'adaptive k=2')!;
  const share = a.rollouts.mean / f.rollouts.mean;
  const checks = [
    share <= 0.5,
    within(a.accuracy, f.accuracy, true),
    within(a.harmfulKeptPerRun, f.harmfulKeptPerRun, false),
    within(a.train, f.train, true),
    within(a.holdout, f.holdout, true),
  ];
  const d = (x: Stat, y: Stat, ok: boolean) =>
    `${((x.mean - y.mean) * 100 >= 0 ? '+' : '') + ((x.mean - y.mean) * 100).toFixed(1)}${ok ? '' : ' ✗'}`;
  out.push(
    `| ${r.scenario} | ${(share * 100).toFixed(1)}%${checks[0] ? '' : ' ✗'} | ${d(a.accuracy, f.accuracy, checks[1]!)} | ${(a.harmfulKeptPerRun.mean - f.harmfulKeptPerRun.mean >= 0 ? '+' : '') + (a.harmfulKeptPerRun.mean - f.harmfulKeptPerRun.mean).toFixed(2)}${checks[2] ? '' : ' ✗'} | ${d(a.train, f.train, checks[3]!)} | ${d(a.holdout, f.holdout, checks[4]!)} | ${checks.every(Boolean) ? 'yes' : 'no'} |`,
  );
}
out.push('', `(✗: worse than fixed k=2 by more than two standard errors of the difference; ${runs} runs per cell)`);
process.stdout.write(`${out.join('\n')}\n`);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ runs, results }, null, 2)}\n`);
