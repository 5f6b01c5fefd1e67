// Usage → cost. List prices in USD per 1M tokens as published by the providers (each group of the
// table names its source page and when it was read); they change — users extend or override them with
// --prices FILE. Keys are `provider:model`; a key also matches dated snapshots of that model
// (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`). Prompt tokens are priced three ways: read from
// the provider's cache (`cached_input`), written to it (`cache_write`, Anthropic's 5-minute writes),
// and the rest (`input`). Unknown models cost "unknown", never a made-up number.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.ts';
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
export type PriceTable = Record<string, Price>;

export const DEFAULT_PRICES: PriceTable = {
  // OpenAI: https://platform.openai.com/docs/pricing (Standard tier; the "Cached input" column), as listed
  // there in late 2025. OpenAI's caching is automatic and its cache writes cost nothing extra.
  'openai:gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'openai:gpt-5-nano': { input: 0.05, cached_input: 0.005, output: 0.4 },
  'openai:gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'openai:gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  'openai:o3': { input: 2, cached_input: 0.5, output: 8 },
  'openai:o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
  // Anthropic: https://docs.claude.com/en/docs/about-claude/pricing ("Cache Hits & Refreshes" = 0.1×
  // input, "5m Cache Writes" = 1.25× input; ahe sets no 1-hour TTL), read 2026-12-06.
  'anthropic:claude-opus-4-1': { input: 15, cached_input: 1.5, cache_write: 18.75, output: 75 },
  'anthropic:claude-opus-4-5': { input: 5, cached_input: 0.5, cache_write: 6.25, output: 25 },
  'anthropic:claude-sonnet-4-5': { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  'anthropic:claude-sonnet-4': { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 },
  'anthropic:claude-haiku-4-5': { input: 1, cached_input: 0.1, cache_write: 1.25, output: 5 },
};

/** Context windows (tokens) of well-known models, for compaction when the harness sets no budget. */
const CONTEXT_WINDOWS: Record<string, number> = {
  'openai:gpt-5': 400_000,
  'openai:gpt-4.1': 1_047_576,
  'openai:gpt-4o': 128_000,
  'openai:o3': 200_000,
  'openai:o4-mini': 200_000,
  'anthropic:claude': 200_000,
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
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`--prices ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const parsed = z.record(z.string().regex(/^[\w.-]+:.+$/, 'keys are provider:model'), PriceSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`--prices ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return { ...base, ...parsed.data };
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
