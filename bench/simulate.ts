// `ahe simulate`'s speed: 1,000 whole evolutions of a 40-task, 10-iteration scenario per policy, in
// process (the same code the command runs), timed with the wall clock.
//   node --import tsx bench/simulate.ts [runs]
import { fileURLToPath } from 'node:url';
import { readHarnessFiles } from '../src/sim/draw.ts';
import { loadScenario } from '../src/sim/scenario.ts';
import { simulatePolicy } from '../src/sim/simulate.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 1000);
const seedHarness = readHarnessFiles(`${root}harnesses/seed`);
console.log('| scenario | policy | runs | seconds | evolutions / s |\n|---|---|---|---|---|');
for (const name of ['stable-40', 'tb2-89']) {
  const scenario = loadScenario(`${root}examples/simulation/${name}.yaml`);
  for (const policy of ['fixed', 'adaptive'] as const) {
    const started = process.hrtime.bigint();
    await simulatePolicy({ scenario, seedHarness, policy, iterations: 10, k: 2, holdoutEvery: 5 }, runs);
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`| ${name} | ${policy} | ${runs} | ${s.toFixed(1)} | ${(runs / s).toFixed(0)} |`);
  }
}
