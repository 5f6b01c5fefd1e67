// Orchestration overhead of one `ahe evolve` iteration, excluding evaluation and LLM time: the offline
// demo (3 bundled tasks, scripted models that answer instantly) run end to end; overhead = the run's
// wall time minus the wall time of its evaluation jobs, per iteration. It covers git (tags, commits,
// reverts, exports), stats, attribution, the gate, the heuristic debugger, the evolve session's tools
// (validate compiles the harness; the leak audit reads the tasks) and every state write.
// Target (issue 6): under 2 s per iteration on the bundled suite.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDemo } from '../examples/evolve-demo/make-demo.ts';
import { runEvolve } from '../src/evolve/run-evolve.ts';
import { bwrapAvailable, bwrapInstallHint } from '../src/sandbox/bwrap-sandbox.ts';

if (!bwrapAvailable()) {
  console.log(`skipped: ${bwrapInstallHint()}`);
  process.exit(0);
}
const SEED = fileURLToPath(new URL('../harnesses/seed', import.meta.url));
const ITERATIONS = 3;
const RUNS = Number(process.env.RUNS ?? 3);

const rows: string[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-bench-evolve-'));
  const demo = makeDemo(dir);
  const runDir = join(dir, 'run');
  const t0 = performance.now();
  const state = await runEvolve({
    runDir,
    config: {
      harness: SEED,
      tasks: demo.tasks,
      holdout: null,
      model: `scripted:${demo.codingScript}`,
      evolve_model: `scripted:${demo.evolveScript}`,
      debug_model: null,
      iterations: ITERATIONS,
      k: 1,
      concurrency: 3,
      holdout_every: 5,
      budget_usd: null,
      budget_tokens: null,
      budget_minutes: null,
      timeout_multiplier: 1,
    },
  });
  const total = (performance.now() - t0) / 1000;
  let evaluation = 0;
  for (let n = 0; n <= state.iteration; n++)
    evaluation += (
      JSON.parse(readFileSync(join(runDir, 'iterations', String(n), 'job', 'result.json'), 'utf8')) as {
        wall_sec: number;
      }
    ).wall_sec;
  const iterations = state.iteration + 1;
  rows.push(
    `| ${i + 1} | ${total.toFixed(2)} s | ${evaluation.toFixed(2)} s | ${((total - evaluation) / iterations).toFixed(2)} s |`,
  );
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${ITERATIONS} iterations + the seed evaluation (4 evaluations), scripted models\n`);
console.log('| run | run wall | Σ evaluation jobs | orchestration per iteration |\n|---|---|---|---|');
console.log(rows.join('\n'));
