// What the simulator studies (evolution-cost-study.ts, best-rule-study.ts) share: the scenarios to run,
// the seed harness, a mean with its standard error, and the ground-truth rewrites of adaptive-bounds-study.ts.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHarnessFiles } from '../src/sim/draw.ts';
import type { Scenario } from '../src/sim/scenario.ts';
import { decidedRight, harmfulKept, type SimRun, scoredDecisions } from '../src/sim/simulate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The scenario files named on the command line, or every one of examples/simulation/. */
export const scenarioFiles = (positionals: readonly string[]): string[] =>
  positionals.length
    ? [...positionals]
    : readdirSync(join(root, 'examples/simulation'))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => join(root, 'examples/simulation', f));

export const seedHarness = (): Map<string, string> => readHarnessFiles(join(root, 'harnesses/seed'));

export interface Stat {
  mean: number;
  se: number;
}
/** A mean difference of rates in percentage points with its standard error: `+0.42 ± 0.10` (minus as −). */
export const signedPoints = (xs: readonly number[], digits = 2): string => {
  const { mean, se } = stat(xs);
  return `${mean >= 0 ? '+' : '−'}${Math.abs(mean * 100).toFixed(digits)} ± ${(se * 100).toFixed(digits)}`;
};

/**
 * A run's scored decisions (changes with a non-zero true effect), each by the change's final state: rolled
 * back by its gate or, with `reviewKept`, by a later review. `correct`: 1 per right decision, else 0.
 */
export function scoreDecisions(r: SimRun): { correct: number[]; harmfulKept: number } {
  const scored = scoredDecisions(r.decisions);
  return { correct: scored.map((d) => (decidedRight(d) ? 1 : 0)), harmfulKept: scored.filter(harmfulKept).length };
}

export const stat = (xs: readonly number[]): Stat => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean, se: Math.sqrt(variance / xs.length) };
};

/** The scenario with every candidate's predictions made true: the tasks its effects raise and lower. */
export function withPerfectPredictions(scenario: Scenario): Scenario {
  const train = new Set(Object.keys(scenario.tasks));
  const candidates = scenario.candidates.map((c) => {
    const text = Object.values(c.files).join('\n');
    const own = scenario.effects.filter((e) => text.includes(e.when.text));
    const tasks = (sign: number) => [
      ...new Set(own.filter((e) => Math.sign(e.delta) === sign).flatMap((e) => e.tasks.filter((t) => train.has(t)))),
    ];
    return { ...c, predicted_fixes: tasks(1), risk_tasks: tasks(-1) };
  });
  return { ...scenario, candidates };
}

/** The training tasks some effect of the scenario touches. */
export const affectedTasks = (scenario: Scenario): string[] => {
  const train = new Set(Object.keys(scenario.tasks));
  return [...new Set(scenario.effects.flatMap((e) => e.tasks.filter((t) => train.has(t))))].sort();
};
