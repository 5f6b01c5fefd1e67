// Provider prompt caches as the providers document them, simulated for the fake servers and for
// bench/prompt-cache.ts. A prompt is a list of blocks (a tool definition, a system text block, a message
// content block…); a cache entry is the hash of every block up to a point. Tokens are estimated as
// ceil(characters / 4) of each block's JSON — rough, but the same estimate on both sides of a comparison.
//
// Anthropic (explicit): a prefix is cached only up to a block marked `cache_control` (a breakpoint), only
// when it holds at least the model's minimum (1024 tokens for Sonnet and Opus 4/4.1, 2048 for Haiku 3/3.5,
// 4096 for Opus 4.5+ and Haiku 4.5); a breakpoint finds an earlier entry by looking back at most 20 blocks.
// The usage splits the prompt into what was read from the cache, what was written to it (the prefix up to
// the last breakpoint beyond what was read) and the rest (`input_tokens`).
//
// OpenAI (automatic): prompts of at least 1024 tokens are cached; a later prompt with the same key reads the
// longest prefix it shares with an earlier one, counted from 1024 in steps of 128 tokens.
import { createHash } from 'node:crypto';

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export interface PromptBlock {
  /** What identifies the block's content (its JSON without cache markers). */
  key: string;
  tokens: number;
  /** Marked with cache_control. */
  breakpoint: boolean;
}

/** The block of a JSON value; `cache_control` is left out of its key (markers move, the content does not). */
export function blockOf(value: unknown): PromptBlock {
  const { cache_control, ...rest } = (value ?? {}) as { cache_control?: unknown };
  const key = JSON.stringify(rest);
  return { key, tokens: estimateTokens(key), breakpoint: cache_control !== undefined };
}

/** The hash and the token count of each prefix: entry i covers blocks 0..i. */
export function prefixChain(blocks: readonly PromptBlock[], salt = ''): { hashes: string[]; tokens: number[] } {
  const hashes: string[] = [];
  const tokens: number[] = [];
  let hash = createHash('sha256').update(salt).digest('hex');
  let total = 0;
  for (const b of blocks) {
    hash = createHash('sha256').update(hash).update('\0').update(b.key).digest('hex');
    total += b.tokens;
    hashes.push(hash);
    tokens.push(total);
  }
  return { hashes, tokens };
}

/** Tokens of the longest run of leading blocks two prompts share: what any prefix cache could reuse. */
export function sharedPrefixTokens(previous: readonly PromptBlock[], current: readonly PromptBlock[]): number {
  let tokens = 0;
  for (let i = 0; i < Math.min(previous.length, current.length); i++) {
    if (previous[i]!.key !== current[i]!.key) break;
    tokens += current[i]!.tokens;
  }
  return tokens;
}

/** Anthropic's minimum cacheable prompt length for a model (docs: prompt caching, "Cache limitations"). */
export function anthropicMinCacheableTokens(model: string): number {
  if (/opus-4-[5-9]|haiku-4-5/.test(model)) return 4096;
  if (/haiku-3|3-haiku|3-5-haiku/.test(model)) return 2048;
  return 1024;
}

export interface CacheUse {
  /** All the prompt's tokens. */
  total: number;
  read: number;
  written: number;
}

/** Anthropic's prefix cache, shared by every request made to one fake server. */
export class AnthropicPromptCache {
  private readonly entries = new Set<string>();
  constructor(private readonly minTokens: (model: string) => number = anthropicMinCacheableTokens) {}

  use(model: string, blocks: readonly PromptBlock[]): CacheUse {
    const { hashes, tokens } = prefixChain(blocks, model);
    const total = tokens.at(-1) ?? 0;
    const min = this.minTokens(model);
    const marks = blocks.flatMap((b, i) => (b.breakpoint ? [i] : []));
    let read = 0;
    for (const m of marks)
      for (let j = m; j >= Math.max(0, m - 19); j--)
        if (this.entries.has(hashes[j]!)) {
          read = Math.max(read, tokens[j]!);
          break;
        }
    let written = 0;
    for (const m of marks) {
      if (tokens[m]! < min) continue;
      this.entries.add(hashes[m]!);
      written = Math.max(written, tokens[m]! - read);
    }
    return { total, read, written: Math.max(0, written) };
  }
}

/** OpenAI's automatic prefix cache, keyed by `prompt_cache_key` (or the model when there is none). */
export class OpenAIPromptCache {
  private readonly seen = new Map<string, PromptBlock[][]>();

  use(key: string, blocks: readonly PromptBlock[]): CacheUse {
    const total = blocks.reduce((a, b) => a + b.tokens, 0);
    const earlier = this.seen.get(key) ?? [];
    const shared = Math.max(0, ...earlier.map((p) => sharedPrefixTokens(p, blocks)));
    const read = shared < 1024 || total < 1024 ? 0 : 1024 + Math.floor((shared - 1024) / 128) * 128;
    if (total >= 1024) this.seen.set(key, [...earlier.slice(-7), [...blocks]]);
    return { total, read, written: 0 };
  }
}
