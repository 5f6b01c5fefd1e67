// What the simulator studies (evolution-cost-study.ts, best-rule-study.ts) share: the scenarios to run,
// the seed harness, and a mean with its standard error.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHarnessFiles } from '../src/sim/draw.ts';

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
export const stat = (xs: readonly number[]): Stat => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean, se: Math.sqrt(variance / xs.length) };
};
