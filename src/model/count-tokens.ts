// Token counting with the o200k tokenizer (GPT-4o/GPT-5 family); for other models an estimate that
// is close enough for budgets and compaction decisions.
import { createRequire } from 'node:module';
import type { Message } from './types.ts';

// The o200k tables take ~60 MB and a noticeable start-up: load them on the first count, not on import (a library
// user importing 'ahe', or a command that never counts, does not pay). The package ships a CommonJS build.
type Counter = (text: string) => number;
let countO200k: Counter | undefined;
const loadCounter = (): Counter => {
  countO200k ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: Counter })
    .countTokens;
  return countO200k;
};

/** Per-message framing tokens in the chat format. */
const MESSAGE_OVERHEAD = 4;
const cache = new WeakMap<object, number>();

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : loadCounter()(text);
}

function countOne(message: Message): number {
  const cached = cache.get(message);
  if (cached !== undefined) return cached;
  let n = MESSAGE_OVERHEAD + countTokens(message.content);
  if (message.role === 'assistant') {
    if (message.reasoning) n += countTokens(message.reasoning);
    for (const call of message.toolCalls ?? [])
      n += MESSAGE_OVERHEAD + countTokens(call.name) + countTokens(call.rawArguments);
  }
  cache.set(message, n);
  return n;
}

/** Tokens of a conversation; each message is counted once and cached (messages are not mutated in place). */
export function countMessageTokens(messages: readonly Message[]): number {
  let total = 0;
  for (const m of messages) total += countOne(m);
  return total;
}
