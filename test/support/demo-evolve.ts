// The `ahe evolve` arguments of the offline demo evolution (examples/evolve-demo: scripted coding and
// evolve models, no debugger) that many tests run, so they cannot drift apart.
import { fileURLToPath } from 'node:url';
import type { Demo } from '../../examples/evolve-demo/make-demo.ts';
import type { EvolveConfig } from '../../src/evolve/evolve-config.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));

export interface DemoEvolveOptions {
  /** The run directory (`--out`). */
  out: string;
  iterations: number;
  k?: number;
  /** `--concurrency`; the command's default when absent. */
  concurrency?: number;
}

/** `evolve --harness harnesses/seed --tasks DEMO --model scripted:… --evolve-model scripted:… --debug-model none …`. */
export function demoEvolveArgs(demo: Demo, options: DemoEvolveOptions): string[] {
  return [
    'evolve',
    '--harness',
    SEED,
    '--tasks',
    demo.tasks,
    '--model',
    `scripted:${demo.codingScript}`,
    '--evolve-model',
    `scripted:${demo.evolveScript}`,
    '--debug-model',
    'none',
    '--iterations',
    String(options.iterations),
    '-k',
    String(options.k ?? 1),
    ...(options.concurrency === undefined ? [] : ['--concurrency', String(options.concurrency)]),
    '--out',
    options.out,
  ];
}

/**
 * The in-process config of the demo evolution (runEvolve): 3 iterations, k=1, concurrency 3, no
 * held-out split, no debugger, no budgets; `overrides` replaces any of them.
 */
export function demoEvolveConfig(demo: Demo, overrides: Partial<EvolveConfig> = {}): EvolveConfig {
  return {
    harness: SEED,
    tasks: demo.tasks,
    holdout: null,
    model: `scripted:${demo.codingScript}`,
    evolve_model: `scripted:${demo.evolveScript}`,
    debug_model: null,
    iterations: 3,
    k: 1,
    concurrency: 3,
    holdout_every: 5,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
    ...overrides,
  };
}
