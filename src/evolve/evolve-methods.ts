// The ways a harness is changed between evaluations (`ahe evolve --method`). Dependency-free: the CLI's
// option definitions import it, and `ahe --help` must not load zod (test/cli/startup.test.ts).
export const EVOLVE_METHODS = ['ahe', 'ace', 'tf-grpo'] as const;
export type EvolveMethod = (typeof EVOLVE_METHODS)[number];
