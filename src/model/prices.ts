// Usage → cost. List prices in USD per 1M tokens as published by the providers (each group of the
// table names its source page and when it was read); they change — users extend or override them with
// --prices FILE. Keys are `provider:model`; a key also matches dated snapshots of that model
// (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`). Prompt tokens are priced three ways: read from
// the provider's cache (`cached_input`), written to it (`cache_write`, Anthropic's 5-minute writes),
// and the rest (`input`). Unknown models cost "unknown", never a made-up number.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { diagnosticsError } from '../harness/harness-error.ts';
import { checkYaml, parseYaml } from '../harness/read-yaml.ts';
import { parseChaosSpec } from './chaos-spec.ts';
import type { Usage } from './types.ts';

const PriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  /** Prompt tokens read from the provider's cache (default: the input price). */
  cached_input: z.number().nonnegative().optional(),
  /** Prompt tokens written to the provider's cache (default: 1.25× input for anthropic:, else the input price). */
  cache_write: z.number().nonnegative().optional(),
});
export type Price = z.infer<typeof PriceSchema>;
// Keys are checked apart from the record: zod reports a bad record key only as "Invalid key in record".
const PriceFileSchema = z.record(z.string(), PriceSchema).superRefine((table, ctx) => {
  for (const key of Object.keys(table))
    if (!/^[\w.-]+:.+$/.test(key))
      ctx.addIssue({ code: 'custom', path: [key], message: `a key is provider:model (e.g. openai:${key})` });
});
export type PriceTable = Record<string, Price>;

export const DEFAULT_PRICES: PriceTable = {
  // OpenAI, Standard tier, the "Cached input" column (OpenAI's caching is automatic; cache writes cost
  // nothing extra). OpenAI's own page (https://developers.openai.com/api/docs/pricing, formerly
  // https://platform.openai.com/docs/pricing) was not among the pages readable here (no internet,
  // 2026-12-06), so these rows were read from pages that copy its table, each dated by the page itself:
  // - gpt-5.5, gpt-5.4 / -mini / -nano: https://tokenmix.ai/blog/openai-api-cost-2026-gpt-5-5-5-4-nano-batch
  //   ("data verified: 2026-06-04" against OpenAI's pricing page); the same numbers on
  //   https://www.morphllm.com/openai-api-pricing ("as of June 2026"), in
  //   https://github.com/api-evangelist/openai/blob/main/plans/openai-plans-pricing.yml (from OpenAI's page,
  //   2026-05-04) and, for gpt-5.4 and its mini and nano, on
  //   https://benchlm.ai/blog/posts/openai-api-pricing (2026-04-13). These are the rates for
  //   prompts under ~270K tokens; longer prompts cost more and are priced here at the short-prompt rate.
  // - gpt-5.2, gpt-5.1: https://benchlm.ai/blog/posts/openai-api-pricing (2026-04-13, from OpenAI's
  //   GPT-5.2 launch page).
  // Prices as of those pages (April to June 2026), not re-read at a later date.
  'openai:gpt-5.5': { input: 5, cached_input: 0.5, output: 30 },
  'openai:gpt-5.4': { input: 2.5, cached_input: 0.25, output: 15 },
  'openai:gpt-5.4-mini': { input: 0.75, cached_input: 0.075, output: 4.5 },
  'openai:gpt-5.4-nano': { input: 0.2, cached_input: 0.02, output: 1.25 },
  'openai:gpt-5.2': { input: 1.75, cached_input: 0.175, output: 14 },
  'openai:gpt-5.1': { input: 1.25, cached_input: 0.125, output: 10 },
  // OpenAI, older models: https://platform.openai.com/docs/pricing as listed there in late 2025 (kept from
  // then; not re-read here — some may have left the page since).
  'openai:gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'openai:gpt-5-nano': { input: 0.05, cached_input: 0.005, output: 0.4 },
  'openai:gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'openai:gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  'openai:o3': { input: 2, cached_input: 0.5, output: 8 },
  'openai:o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
  // Anthropic ("Cache hits and refreshes" → cached_input, "5m cache writes" → cache_write; ahe sets no
  // 1-hour TTL). Stored copies of Anthropic's own pages, read 2026-12-06 (the pages show no date):
  // - Opus 5, 4.8, 4.7, 4.6, 4.5, 4.1: https://platform.claude.com/docs/en/about-claude/pricing (a copy
  //   that lists models up to Claude Fable 5.1; Opus 4.1 is marked retired except on Bedrock and
  //   Google Cloud).
  // - Sonnet 5: its model page, https://platform.claude.com/docs/zh-CN/models/sonnet-5/overview.
  // - Sonnet 4.6, 4.5, 4 and Haiku 4.5: an older copy of the pricing page,
  //   https://platform.claude.com/docs/en/docs/about-claude/pricing (newest model listed: Opus 4.6, so
  //   prices as of early 2026); Sonnet 4.6 at $3/$15 and Haiku 4.5 at $1/$5 also on the current model
  //   pages.
  // Left out: Opus 5.5 and Sonnet 5.5 (their rows were not readable on the stored official pricing page,
  // and their cache-read prices changed during 2026), Haiku 5.5 (priced by prompt length), Fable and
  // Mythos — give them with --prices.
  'anthropic:claude-opus-5': { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  'anthropic:claude-opus-4-8': { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  'anthropic:claude-opus-4-7': { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  'anthropic:claude-opus-4-6': { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  'anthropic:claude-opus-4-5': { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  'anthropic:claude-opus-4-1': { input: 15, cached_input: 1.5, cache_write: 18.75, output: 75 },
  'anthropic:claude-sonnet-5': { input: 2, cached_input: 0.2, cache_write: 2.5, output: 10 },
  'anthropic:claude-sonnet-4-6': { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  'anthropic:claude-sonnet-4-5': { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  'anthropic:claude-sonnet-4': { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  'anthropic:claude-haiku-4-5': { input: 1, cached_input: 0.1, cache_write: 1.25, output: 5 },
  // Gemini, used as `openai:<model>` with OPENAI_BASE_URL at Google's OpenAI-compatible endpoint (Paid
  // tier, standard). Google's page https://ai.google.dev/gemini-api/docs/pricing was not readable here;
  // these are its rows as transcribed verbatim, read 2026-10-07, in
  // https://github.com/api-evangelist/deepmind/blob/main/plans/deepmind-plans-pricing.yml (prices as of
  // that date). That copy has no context-caching prices, so cached reads are billed at the input price
  // (too high, never too low). Left out: the Pro models (priced by prompt length), Gemini 3.8 Flash (an
  // introductory price until 2026-12-31, then another), Gemini 2.5 Flash (no output price in the copy).
  'openai:gemini-3.5-flash': { input: 1.5, output: 9 },
  'openai:gemini-3.5-flash-lite': { input: 0.3, output: 2.5 },
};

/**
 * Context windows (tokens) of well-known models, for compaction when the harness sets no budget. A key
 * also matches longer names it begins (`anthropic:claude` covers every Claude model not listed).
 * Opus 5 and Sonnet 5 (and their .5 successors, which the prefix covers) have 1M windows per their model
 * pages on platform.claude.com (models/opus-5, sonnet-5, sonnet-5-5 overview, whose comparison tables
 * list 1M for Opus 5.5 too; read 2026-12-06).
 * Opus 4.6 and Sonnet 4.6 stay at 200K: pages disagree on whether their 1M window needs a separate
 * variant, and a window set too large makes the provider refuse the call instead of ahe compacting.
 * OpenAI's are from its model pages as of late 2025.
 */
const CONTEXT_WINDOWS: Record<string, number> = {
  'openai:gpt-5': 400_000,
  'openai:gpt-4.1': 1_047_576,
  'openai:gpt-4o': 128_000,
  'openai:o3': 200_000,
  'openai:o4-mini': 200_000,
  'anthropic:claude': 200_000,
  'anthropic:claude-opus-5': 1_000_000,
  'anthropic:claude-sonnet-5': 1_000_000,
};

function lookup<T>(table: Record<string, T>, spec: string, prefixes = false): T | undefined {
  if (table[spec]) return table[spec];
  const keys = Object.keys(table).filter((k) => spec.startsWith(`${k}-20`) || (prefixes && spec.startsWith(k)));
  keys.sort((a, b) => b.length - a.length);
  return keys[0] ? table[keys[0]] : undefined;
}

/**
 * Providers billed as another for the same model name: a Responses API call of `gpt-5` costs what a
 * Chat Completions call of it costs, so `openai-responses:gpt-5` is priced by `openai:gpt-5` unless the
 * table has an entry of its own.
 */
const BILLED_AS: Record<string, string> = { 'openai-responses': 'openai' };

/** The same model under the provider it is billed as, when there is one. */
function billedSpec(spec: string): string | undefined {
  const colon = spec.indexOf(':');
  const billedAs = colon > 0 ? BILLED_AS[spec.slice(0, colon)] : undefined;
  return billedAs && `${billedAs}${spec.slice(colon)}`;
}

export function priceOf(spec: string, table: PriceTable = DEFAULT_PRICES): Price | undefined {
  const billed = billedSpec(spec);
  return lookup(table, spec) ?? (billed ? lookup(table, billed) : undefined);
}

export function contextWindowOf(spec: string): number | undefined {
  const billed = billedSpec(spec);
  return lookup(CONTEXT_WINDOWS, spec, true) ?? (billed ? lookup(CONTEXT_WINDOWS, billed, true) : undefined);
}

/** Anthropic's 5-minute cache writes cost 1.25× input; used when a price file names no `cache_write`. */
export const ANTHROPIC_CACHE_WRITE_FACTOR = 1.25;

/** The price of writing a prompt token to the cache (see `cache_write`). */
export function cacheWritePrice(spec: string, price: Price): number {
  if (price.cache_write !== undefined) return price.cache_write;
  return spec.startsWith('anthropic:') ? price.input * ANTHROPIC_CACHE_WRITE_FACTOR : price.input;
}

/**
 * Cost of one call (or of many, summed): cached prompt tokens at the cached rate, cache writes at the
 * write rate, the rest of the prompt at the input rate. 0 when the price is unknown.
 */
export function costOf(spec: string, usage: Usage, table: PriceTable = DEFAULT_PRICES): number {
  const price = priceOf(spec, table);
  if (!price) return 0;
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const written = Math.min(usage.cacheWriteTokens ?? 0, usage.promptTokens - cached);
  const fresh = usage.promptTokens - cached - written;
  return (
    (fresh * price.input +
      cached * (price.cached_input ?? price.input) +
      written * cacheWritePrice(spec, price) +
      usage.completionTokens * price.output) /
    1_000_000
  );
}

/** Reads a YAML/JSON price file (`provider:model: {input, output, cached_input?, cache_write?}` per 1M tokens) over the defaults. */
export function loadPriceTable(file: string, base: PriceTable = DEFAULT_PRICES): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`--prices ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  // Every problem at once, each at its line and column (as harness files are checked).
  const parsed = parseYaml(text, file);
  if (!parsed.source) throw diagnosticsError(parsed.diagnostics, '--prices ');
  const checked = checkYaml(PriceFileSchema, parsed.source, file);
  if (!checked.value) throw diagnosticsError(checked.diagnostics, '--prices ');
  return { ...base, ...checked.value };
}

/** One way to show a cost everywhere: `$0.0123`, `$4.56`, and `$?` when it is unknown (never `$0`). */
export function formatUsd(usd: number | null): string {
  if (usd === null) return '$?';
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/**
 * A total of costs some of which may be unknown: never presented as known when a part is not —
 * `$1.20`, `≥ $1.20 (+ unknown)`, or `$?` when nothing is known.
 */
export function formatUsdSum(parts: (number | null)[]): string {
  const known = parts.filter((p): p is number => p !== null);
  const sum = known.reduce((a, b) => a + b, 0);
  if (known.length === parts.length) return formatUsd(sum);
  return known.length === 0 || sum === 0 ? '$?' : `≥ ${formatUsd(sum)} (+ unknown)`;
}

/** The models that never call a provider (docs/models.md): they cost nothing. */
const TEST_DOUBLES = /^(scripted|replay|sim|sim-evolver):/;

/**
 * What `usage` of the model `spec` costs as a run records it, for estimates made before the model is:
 * nothing for a test double, a `chaos:` wrapper's inner model's cost (an injected fault never reaches
 * the provider), null when the price is unknown.
 */
export function estimatedCost(spec: string, usage: Usage, table: PriceTable = DEFAULT_PRICES): number | null {
  let billed = spec;
  try {
    while (billed.startsWith('chaos:')) billed = parseChaosSpec(billed.slice('chaos:'.length), {}).inner;
  } catch {
    return null; // not a valid spec: the model cannot be made, and its price is not known
  }
  if (TEST_DOUBLES.test(billed)) return 0;
  return priceOf(billed, table) ? costOf(billed, usage, table) : null;
}
