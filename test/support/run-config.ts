// A valid evolve configuration for tests that care about a few of its keys: scripted models, one
// iteration, no budgets; `extra` sets the keys a test is about.
import type { EvolveConfig } from '../../src/evolve/evolve-config.ts';

export function testRunConfig(extra: Partial<EvolveConfig> = {}): EvolveConfig {
  return {
    harness: '/h',
    tasks: '/train',
    holdout: null,
    model: 'scripted:/m.yaml',
    evolve_model: 'scripted:/m.yaml',
    debug_model: null,
    iterations: 1,
    k: 1,
    concurrency: 1,
    holdout_every: 5,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
    ...extra,
  };
}
