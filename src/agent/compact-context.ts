// Context compaction: when the conversation nears the context budget, the oldest turns (after the
// system prompt and the task) are replaced by a short deterministic record of what was done, so the
// agent keeps its bearings without a model call. Tool calls and their results are never split.
import type { Message } from '../model/types.ts';

export interface CompactionResult {
  messages: Message[];
  tokensBefore: number;
  tokensAfter: number;
  messagesRemoved: number;
}

export interface CompactionPolicy {
  budgetTokens: number;
  /** Compact when the prompt exceeds this share of the budget. */
  triggerRatio: number;
  /** Keep recent messages up to this share of the budget. */
  keepRatio: number;
}

export const DEFAULT_COMPACTION: Omit<CompactionPolicy, 'budgetTokens'> = { triggerRatio: 0.85, keepRatio: 0.5 };

const MAX_ACTIONS_LISTED = 60;
const COMPACTION_MARK = '[Context compacted by the runtime';

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function describeRemoved(removed: readonly Message[]): string[] {
  const failed = new Set(
    removed.filter((m) => m.role === 'tool' && m.isError).map((m) => (m as { toolCallId: string }).toolCallId),
  );
  const actions: string[] = [];
  for (const m of removed) {
    // A previous compaction note: carry its record forward.
    if (m.role === 'user' && m.content.startsWith(COMPACTION_MARK))
      actions.push(...m.content.split('\n').filter((l) => l.startsWith('- ')));
    if (m.role !== 'assistant') continue;
    for (const call of m.toolCalls ?? []) {
      actions.push(
        `- ${call.name} ${clip(call.rawArguments || JSON.stringify(call.arguments), 160)}${failed.has(call.id) ? ' → error' : ''}`,
      );
    }
  }
  const skipped = actions.length - MAX_ACTIONS_LISTED;
  return skipped > 0 ? [`- (${skipped} older actions not listed)`, ...actions.slice(-MAX_ACTIONS_LISTED)] : actions;
}

/**
 * Returns the compacted conversation, or null when no compaction is needed or possible.
 * `count` gives the token count of one message (callers cache it).
 */
export function compactMessages(
  messages: readonly Message[],
  policy: CompactionPolicy,
  count: (m: Message) => number,
): CompactionResult | null {
  const sizes = messages.map(count);
  const tokensBefore = sizes.reduce((a, b) => a + b, 0);
  if (tokensBefore <= policy.budgetTokens * policy.triggerRatio) return null;
  // Keep the system prompt and the task (the leading system/user messages).
  let headEnd = 0;
  while (
    headEnd < messages.length &&
    (messages[headEnd]!.role === 'system' || (messages[headEnd]!.role === 'user' && headEnd <= 1))
  )
    headEnd++;
  // Walk back over whole turns (a message plus the tool results that answer it), newest first.
  let keepFrom = messages.length;
  let kept = 0;
  while (keepFrom > headEnd) {
    let turnStart = keepFrom - 1;
    while (turnStart > headEnd && messages[turnStart]!.role === 'tool') turnStart--;
    const turnTokens = sizes.slice(turnStart, keepFrom).reduce((a, b) => a + b, 0);
    const isLatest = keepFrom === messages.length;
    if (!isLatest && kept + turnTokens > policy.budgetTokens * policy.keepRatio) break;
    kept += turnTokens;
    keepFrom = turnStart;
  }
  if (keepFrom <= headEnd) return null;
  const removed = messages.slice(headEnd, keepFrom);
  const approx = sizes.slice(headEnd, keepFrom).reduce((a, b) => a + b, 0);
  const note: Message = {
    role: 'user',
    content: [
      `${COMPACTION_MARK}: ${removed.length} earlier messages (about ${approx} tokens) were removed to stay within the context budget.`,
      'Actions taken in the removed part, oldest first:',
      ...describeRemoved(removed),
      'Re-check the current state of files before relying on earlier results.]',
    ].join('\n'),
  };
  const compacted = [...messages.slice(0, headEnd), note, ...messages.slice(keepFrom)];
  return {
    messages: compacted,
    tokensBefore,
    tokensAfter: tokensBefore - approx + count(note),
    messagesRemoved: removed.length,
  };
}
