// A session's compaction step: before each model call when the prompt nears the context budget, and
// forced when the provider refused a prompt as too long (then the call is retried once, run-agent.ts).
// harness.yaml `compaction.strategy` picks how older turns are replaced (compact-context.ts):
// `deterministic` (a list of the actions taken, no model call) or `summary` (the session's model writes
// a summary of them; the last `keep_last_turns` turns stay verbatim). The summary call is charged to the
// tree's ledger and traced as `compaction_call`; a summary call that fails falls back to the
// deterministic note. Every compaction is traced as `compaction`, with tokens before and after.
import type { CompactionSettings } from '../harness/types.ts';
import type { CompletionRequest, Message } from '../model/types.ts';
import { chargeCalls } from './call-model.ts';
import {
  type CompactionResult,
  compactMessages,
  DEFAULT_COMPACTION,
  planSummary,
  renderTranscript,
  SUMMARY_PROMPT,
  type SummaryPlan,
  summaryNote,
} from './compact-context.ts';
import { describeError, type Session } from './session.ts';

/** Why a compaction ran: the prompt neared the budget, or the provider refused it as too long. */
export type CompactionReason = 'context_budget' | 'context_overflow';

const TASK_CHARS = 2000;

/** Compacts the session's conversation when needed (always when forced by an overflow); true if it did. */
export async function compactContext(session: Session, reason: CompactionReason): Promise<boolean> {
  const { state, options } = session;
  const settings = session.spec.harness.compaction;
  const policy = { budgetTokens: session.budgetTokens, ...DEFAULT_COMPACTION };
  const force = reason === 'context_overflow';
  const count = options.countTokens;
  let compacted: CompactionResult | null = null;
  let summary: string | undefined;
  if (settings?.strategy === 'summary') {
    const plan = planSummary(state.messages, policy, settings.keepLastTurns, count, { force });
    // About half the budget in characters (~4 a token); refused as too long, half of what was refused.
    const excerptChars = 2 * (force && plan ? Math.min(session.budgetTokens, plan.tokensBefore) : session.budgetTokens);
    if (plan && !onlyANote(state.messages, plan)) summary = await writeSummary(session, plan, settings, excerptChars);
    if (plan && summary) compacted = summaryNote(state.messages, plan, summary, count);
  }
  compacted ??= compactMessages(state.messages, policy, count, { force });
  if (!compacted) return false;
  state.messages = compacted.messages;
  session.trace.emit('compaction', {
    step: state.step,
    strategy: summary ? 'summary' : 'deterministic',
    reason,
    tokens_before: compacted.tokensBefore,
    tokens_after: compacted.tokensAfter,
    messages_removed: compacted.messagesRemoved,
    ...(summary ? { summary } : {}),
  });
  return true;
}

/** A summary of nothing but the previous compaction's note would only cost a model call. */
function onlyANote(messages: readonly Message[], plan: SummaryPlan): boolean {
  const only = plan.keepFrom - plan.headEnd === 1 ? messages[plan.headEnd] : undefined;
  return only?.role === 'user' && only.content.startsWith('[Context compacted by the runtime');
}

/** The summary call: the session's model, no tools, no middleware; charged and traced. Undefined when it failed. */
async function writeSummary(
  session: Session,
  plan: SummaryPlan,
  settings: CompactionSettings,
  excerptChars: number,
): Promise<string | undefined> {
  const { state, options, trace } = session;
  const started = session.clock();
  const excerpt = renderTranscript(state.messages.slice(plan.headEnd, plan.keepFrom), excerptChars);
  const task = session.spec.instruction;
  const request: CompletionRequest = {
    messages: [
      { role: 'system', content: SUMMARY_PROMPT },
      {
        role: 'user',
        content: `The task (the agent keeps it verbatim):\n${task.length > TASK_CHARS ? `${task.slice(0, TASK_CHARS - 1)}…` : task}\n\nThe conversation excerpt to summarise, oldest first:\n\n${excerpt}`,
      },
    ],
    tools: [],
    maxOutputTokens: settings.summaryMaxTokens,
    ...(session.spec.harness.model.temperature !== undefined
      ? { temperature: session.spec.harness.model.temperature }
      : {}),
  };
  try {
    const completion = await options.model.complete(request, session.signal);
    const charged = chargeCalls(session, [completion]);
    trace.emit('compaction_call', {
      step: state.step,
      usage: {
        prompt_tokens: charged.usage.promptTokens,
        completion_tokens: charged.usage.completionTokens,
        cached_tokens: charged.usage.cachedTokens,
      },
      cost_usd: charged.costUsd,
      finish_reason: completion.finishReason,
      duration_ms: session.clock() - started,
      model: completion.model,
    });
    return completion.message.content.trim() || undefined;
  } catch (error) {
    if (session.signal.aborted) return undefined; // the next model call ends the session with the stop status
    const { type, message } = describeError(error);
    trace.emit('compaction_call', {
      step: state.step,
      error_type: type,
      message,
      duration_ms: session.clock() - started,
    });
    return undefined;
  }
}
