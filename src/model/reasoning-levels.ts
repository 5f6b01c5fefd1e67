// The reasoning-effort levels, in a module of their own that imports nothing: the CLI's option
// definitions name them, and `ahe --help` must not load the model layer (and zod) to list them.

/** How hard a reasoning model thinks; each provider maps a level to its own setting (docs/models.md). */
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
