// Token counting with the o200k tokenizer (GPT-4o/GPT-5 family); for other models an estimate that
// is close enough for budgets and compaction decisions.
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { Message } from './types.ts';

/** Per-message framing tokens in the chat format. */
const MESSAGE_OVERHEAD = 4;
const cache = new WeakMap<object, number>();

export function countTokens(text: string): number {
  return text.length === 0 ? 0 : countO200k(text);
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
