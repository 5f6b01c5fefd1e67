// When a session stops, and why: before each model call the limits of the session tree are checked;
// after each reply, a reply without tool calls ends the session. A reply the model did not finish is not
// a normal completion: cut by its output-token limit it ends as 'truncated', stopped by the provider's
// content filter as 'content_filter'. The tool calls of an unfinished reply are not run (cutOffReason):
// their arguments may be cut too.
import type { AgentStatus } from '../harness/types.ts';
import type { Completion } from '../model/types.ts';
import type { Ledger, Session } from './session.ts';

export interface LimitCheck {
  ledger: Ledger;
  /** Model calls of this session so far, and its own step limit (a sub-agent's may be lower). */
  step: number;
  maxSteps: number;
  signal: AbortSignal;
  /** False when the model's price is unknown: costs count as $0, so a cost limit cannot stop anything. */
  costKnown: boolean;
}

/** The limit that stops the session before its next model call, if any. */
export function limitReached(check: LimitCheck): AgentStatus | undefined {
  const { ledger, signal } = check;
  const limits = ledger.limits;
  if (signal.aborted) return ledger.wallTimer.aborted ? 'timeout' : 'aborted';
  // This session's own step limit, and the tree's: every model call of every session counts.
  if (check.step >= check.maxSteps || ledger.steps >= limits.maxSteps) return 'max_steps';
  if (limits.maxTotalTokens > 0 && ledger.usage.promptTokens + ledger.usage.completionTokens >= limits.maxTotalTokens)
    return 'token_budget';
  if (check.costKnown && (limits.maxCostUsd ?? 0) > 0 && ledger.costUsd >= limits.maxCostUsd!) return 'cost_budget';
  return undefined;
}

/**
 * How a reply ends the session: not at all while it calls tools; 'truncated' when the model was cut off
 * by its output-token limit, 'content_filter' when the provider's filter stopped it, else 'completed'.
 */
export function replyEnd(completion: Pick<Completion, 'message' | 'finishReason'>): AgentStatus | undefined {
  if (completion.message.toolCalls?.length) return undefined;
  if (completion.finishReason === 'length') return 'truncated';
  if (completion.finishReason === 'content_filter') return 'content_filter';
  return 'completed';
}

/**
 * Why a reply's tool calls must not run, if they must not: the reply was cut off (`length`: the
 * output-token limit) or stopped by the provider's content filter, so the last call's arguments may be
 * incomplete — a half-written file or a truncated command would run as if the model meant it. The calls
 * are answered with a tool error instead (run-tool-calls.ts `refuseToolCalls`) and the session goes on:
 * the model can make them again, shorter; the session's limits bound how often.
 */
export function cutOffReason(completion: Pick<Completion, 'message' | 'finishReason'>): string | undefined {
  if (!completion.message.toolCalls?.length) return undefined;
  if (completion.finishReason === 'length') return 'reply_cut_off';
  if (completion.finishReason === 'content_filter') return 'content_filter';
  return undefined;
}

/**
 * Whether the tree's cost limit can be enforced. When it is set but the model's price is unknown, the
 * trace says so once (`limit_unenforced`) and the session goes on: stopping on a cost that reads $0
 * would be as wrong as pretending to enforce it.
 */
export function costLimitEnforceable(session: Pick<Session, 'ledger' | 'trace' | 'state' | 'options'>): boolean {
  const { ledger, options } = session;
  if (options.model.priced !== false) return true;
  if ((ledger.limits.maxCostUsd ?? 0) > 0 && !ledger.costLimitUnenforced) {
    ledger.costLimitUnenforced = true;
    session.trace.emit('limit_unenforced', {
      step: session.state.step,
      limit: 'max_cost_usd',
      max_cost_usd: ledger.limits.maxCostUsd,
      reason: `no price is known for ${options.model.spec}: its calls count as $0, so the cost limit cannot stop the session`,
    });
  }
  return false;
}
