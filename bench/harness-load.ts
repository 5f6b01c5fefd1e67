// `ahe harness validate` and harness loading on the example harness: a cold load compiles every
// component with esbuild; warm loads (what each trial of a job does) hit the compile cache.
// Run: node --import tsx bench/harness-load.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A fresh compile cache, so "cold" really compiles (the cache also lives on disk across processes).
process.env.AHE_CACHE_DIR = mkdtempSync(join(tmpdir(), 'ahe-bench-cache-'));
const { componentCacheStats } = await import('../src/harness/compile-component.ts');
const { loadHarness } = await import('../src/harness/load-harness.ts');
const { validateHarness } = await import('../src/harness/validate-harness.ts');

const EXAMPLE = fileURLToPath(new URL('../harnesses/example', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/ahe.js', import.meta.url));
const WARM_RUNS = 50;
const CLI_RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

const cold = await time(() => validateHarness(EXAMPLE));
const warmValidate: number[] = [];
const warmLoad: number[] = [];
for (let i = 0; i < WARM_RUNS; i++) warmValidate.push(await time(() => validateHarness(EXAMPLE)));
for (let i = 0; i < WARM_RUNS; i++) warmLoad.push(await time(() => loadHarness(EXAMPLE)));
const cli: number[] = [];
for (let i = 0; i < CLI_RUNS; i++) {
  const t = performance.now();
  execFileSync('node', [BIN, 'harness', 'validate', EXAMPLE], { stdio: 'ignore' });
  cli.push(performance.now() - t);
}
const stats = componentCacheStats();
console.log(
  `harness load/validate · harnesses/example (2 tools, 2 middleware, 1 skill, 1 sub-agent, 1 memory) · node ${process.version}`,
);
console.log('| measure | ms |');
console.log('|---|---|');
console.log(`| validate, cold (compiles 4 components) | ${cold.toFixed(1)} |`);
console.log(`| validate, warm (median of ${WARM_RUNS}) | ${median(warmValidate).toFixed(1)} |`);
console.log(`| loadHarness, warm — per trial (median of ${WARM_RUNS}) | ${median(warmLoad).toFixed(2)} |`);
console.log(
  `| \`ahe harness validate\` whole CLI process, disk cache warm (median of ${CLI_RUNS}) | ${median(cli).toFixed(0)} |`,
);
console.log(`compile cache: ${stats.misses} compiles, ${stats.hits} hits`);
