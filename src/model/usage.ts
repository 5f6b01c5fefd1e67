// Tokens and money spent on model calls: one definition, from a single completion up to an evolve
// run's ledger per role and the debugger report's ledger. In memory the fields are camelCase, as the
// model layer has always named them; the files that record spend (RUN/state.json, usage.json,
// summary.json, the debugger's report.json) name them snake_case, and `SpendJson` is the one codec
// between the two, used at those files' edges only.
import { z } from 'zod';

const count = z.number().int().nonnegative();

/** The tokens of one model call, or of many summed. */
export const UsageSchema = z.object({
  promptTokens: count,
  completionTokens: count,
  /** Prompt tokens served from the provider's cache (a subset of promptTokens). */
  cachedTokens: count,
  /** Prompt tokens written into the provider's cache (Anthropic prices them apart; a subset of promptTokens). */
  cacheWriteTokens: count.optional(),
  /** Completion tokens spent on reasoning (a subset of completionTokens), when the provider reports them. */
  reasoningTokens: count.optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const ZERO_USAGE: Usage = Object.freeze({ promptTokens: 0, completionTokens: 0, cachedTokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
  };
  // The optional counts appear in a sum only when some part reported them.
  if (a.cacheWriteTokens !== undefined || b.cacheWriteTokens !== undefined)
    sum.cacheWriteTokens = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  if (a.reasoningTokens !== undefined || b.reasoningTokens !== undefined)
    sum.reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  return sum;
}

/** Model calls summed: how many, their tokens, and their cost in USD (0 when the price is unknown). */
export const SpendSchema = UsageSchema.extend({ calls: count, costUsd: z.number().nonnegative() });
export type Spend = z.infer<typeof SpendSchema>;

export const ZERO_SPEND: Spend = Object.freeze({ ...ZERO_USAGE, calls: 0, costUsd: 0 });

export function addSpend(a: Spend, b: Spend): Spend {
  return { ...addUsage(a, b), calls: a.calls + b.calls, costUsd: a.costUsd + b.costUsd };
}

/** The spend of `calls` model calls that used `usage` and cost `costUsd` (a Completion is one call). */
export const spendOf = ({ usage, costUsd }: { usage: Usage; costUsd: number }, calls = 1): Spend => ({
  calls,
  ...addUsage(ZERO_USAGE, usage),
  costUsd,
});

/** A Spend as files record it. */
export const SpendFileSchema = z.strictObject({
  calls: count,
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count,
  cache_write_tokens: count.optional(),
  reasoning_tokens: count.optional(),
  cost_usd: z.number().nonnegative(),
});
export type SpendFile = z.infer<typeof SpendFileSchema>;

export const spendFromFile = (f: SpendFile): Spend => ({
  calls: f.calls,
  promptTokens: f.prompt_tokens,
  completionTokens: f.completion_tokens,
  cachedTokens: f.cached_tokens,
  ...(f.cache_write_tokens !== undefined ? { cacheWriteTokens: f.cache_write_tokens } : {}),
  ...(f.reasoning_tokens !== undefined ? { reasoningTokens: f.reasoning_tokens } : {}),
  costUsd: f.cost_usd,
});

export const spendToFile = (s: Spend): SpendFile => ({
  calls: s.calls,
  prompt_tokens: s.promptTokens,
  completion_tokens: s.completionTokens,
  cached_tokens: s.cachedTokens,
  ...(s.cacheWriteTokens !== undefined ? { cache_write_tokens: s.cacheWriteTokens } : {}),
  ...(s.reasoningTokens !== undefined ? { reasoning_tokens: s.reasoningTokens } : {}),
  cost_usd: s.costUsd,
});

/**
 * The codec at the file edge: `SpendJson.parse(fileValue)` validates the file's form (errors name its
 * snake_case field) and gives a Spend; `SpendJson.encode(spend)` gives what is written. Schemas of whole
 * files embed it, so their parse and encode convert every spend they hold.
 */
export const SpendJson = z.codec(SpendFileSchema, SpendSchema, { decode: spendFromFile, encode: spendToFile });
