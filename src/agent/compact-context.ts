// Context compaction: when the conversation nears the context budget, the oldest turns (after the
// system prompt and the task) are replaced by a note — a short deterministic record of what was done
// (compactMessages, no model call), or a summary the model wrote of them (planSummary, summaryNote;
// the call itself is made by compact-session.ts). Tool calls and their results are never split.
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

/** Options of one compaction: `force` compacts whatever the size (the provider said the prompt is too long). */
export interface CompactionOptions {
  force?: boolean;
}

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

/** How many leading messages are never compacted: the system prompt and the task. */
export function headLength(messages: readonly Message[]): number {
  let headEnd = 0;
  while (
    headEnd < messages.length &&
    (messages[headEnd]!.role === 'system' || (messages[headEnd]!.role === 'user' && headEnd <= 1))
  )
    headEnd++;
  return headEnd;
}

/** Where the turn that ends just before `end` starts: a message plus the tool results that answer it. */
function turnStart(messages: readonly Message[], end: number, headEnd: number): number {
  let start = end - 1;
  while (start > headEnd && messages[start]!.role === 'tool') start--;
  return start;
}

/**
 * Returns the compacted conversation, or null when no compaction is needed or possible.
 * `count` gives the token count of one message (callers cache it).
 */
export function compactMessages(
  messages: readonly Message[],
  policy: CompactionPolicy,
  count: (m: Message) => number,
  options: CompactionOptions = {},
): CompactionResult | null {
  const sizes = messages.map(count);
  const tokensBefore = sizes.reduce((a, b) => a + b, 0);
  if (!options.force && tokensBefore <= policy.budgetTokens * policy.triggerRatio) return null;
  // Forced, the budget is not to be trusted (the provider refused the prompt): keep at most half of it.
  const keepTokens = Math.min(policy.budgetTokens * policy.keepRatio, options.force ? tokensBefore / 2 : Infinity);
  const headEnd = headLength(messages);
  // Walk back over whole turns, newest first.
  let keepFrom = messages.length;
  let kept = 0;
  while (keepFrom > headEnd) {
    const start = turnStart(messages, keepFrom, headEnd);
    const turnTokens = sizes.slice(start, keepFrom).reduce((a, b) => a + b, 0);
    const isLatest = keepFrom === messages.length;
    if (!isLatest && kept + turnTokens > keepTokens) break;
    kept += turnTokens;
    keepFrom = start;
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

/** The part of a conversation a summary replaces: messages [headEnd, keepFrom), whole turns only. */
export interface SummaryPlan {
  headEnd: number;
  keepFrom: number;
  tokensBefore: number;
}

/**
 * What to summarise so that the last `keepLastTurns` turns stay verbatim, or null when the conversation is
 * within its budget (unless forced) or has nothing older than those turns.
 */
export function planSummary(
  messages: readonly Message[],
  policy: CompactionPolicy,
  keepLastTurns: number,
  count: (m: Message) => number,
  options: CompactionOptions = {},
): SummaryPlan | null {
  const tokensBefore = messages.reduce((n, m) => n + count(m), 0);
  if (!options.force && tokensBefore <= policy.budgetTokens * policy.triggerRatio) return null;
  const headEnd = headLength(messages);
  let keepFrom = messages.length;
  for (let turns = 0; turns < keepLastTurns && keepFrom > headEnd; turns++)
    keepFrom = turnStart(messages, keepFrom, headEnd);
  return keepFrom > headEnd ? { headEnd, keepFrom, tokensBefore } : null;
}

/** The instructions of the summary call. */
export const SUMMARY_PROMPT = [
  'You compact the history of a coding agent working on a task in a terminal environment.',
  'Summarise the conversation excerpt you are given so the agent can continue without it. Keep: what the task',
  'needs, what was found (paths, commands that worked and failed, errors, test results), what was changed and',
  'where, and what remains to do. Be concrete and brief. Write the summary only, no preamble.',
].join(' ');

const SUMMARY_MESSAGE_CHARS = 2000;
const SUMMARY_MIN_MESSAGE_CHARS = 200;

/** The summarised messages as text for the summary call, at most about `maxChars` long. */
export function renderTranscript(messages: readonly Message[], maxChars: number): string {
  const perMessage = Math.max(
    SUMMARY_MIN_MESSAGE_CHARS,
    Math.min(SUMMARY_MESSAGE_CHARS, Math.floor(maxChars / Math.max(1, messages.length))),
  );
  const cut = (text: string) => (text.length <= perMessage ? text : `${text.slice(0, perMessage - 1)}…`);
  return messages
    .map((m) => {
      if (m.role === 'assistant') {
        const calls = (m.toolCalls ?? []).map(
          (c) => `\n  → ${c.name} ${cut(c.rawArguments || JSON.stringify(c.arguments))} (call ${c.id})`,
        );
        return `[assistant] ${cut(m.content)}${calls.join('')}`;
      }
      if (m.role === 'tool')
        return `[result of ${m.name} (call ${m.toolCallId})${m.isError ? ', error' : ''}] ${cut(m.content)}`;
      return `[${m.role}] ${cut(m.content)}`;
    })
    .join('\n\n');
}

/** The conversation with messages [headEnd, keepFrom) replaced by the model's summary. */
export function summaryNote(
  messages: readonly Message[],
  plan: SummaryPlan,
  summary: string,
  count: (m: Message) => number,
): CompactionResult {
  const removed = plan.keepFrom - plan.headEnd;
  const approx = messages.slice(plan.headEnd, plan.keepFrom).reduce((n, m) => n + count(m), 0);
  const note: Message = {
    role: 'user',
    content: [
      `${COMPACTION_MARK}: ${removed} earlier messages (about ${approx} tokens) were replaced by this summary of them.`,
      summary.trim(),
      'Re-check the current state of files before relying on earlier results.]',
    ].join('\n'),
  };
  return {
    messages: [...messages.slice(0, plan.headEnd), note, ...messages.slice(plan.keepFrom)],
    tokensBefore: plan.tokensBefore,
    tokensAfter: plan.tokensBefore - approx + count(note),
    messagesRemoved: removed,
  };
}
