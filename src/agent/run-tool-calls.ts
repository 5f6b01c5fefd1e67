// One step's tool calls, in the order the model made them: each goes through the one dispatch path
// (dispatch-tool.ts), its result joins the conversation and the trace. A failing tool is a tool error
// the model sees; nothing here ends the session. The calls of a reply that was cut off are not run at
// all: each gets a tool error saying why (refuseToolCalls).
import type { ToolCall } from '../model/types.ts';
import { type DispatchedResult, dispatchToolCall } from './dispatch-tool.ts';
import { reportProgress, type Session } from './session.ts';

export async function runToolCalls(session: Session, calls: readonly ToolCall[]): Promise<void> {
  const { state, dispatch } = session;
  for (const call of calls) {
    reportProgress(session, 'tool', { tool: call.name, detail: dispatch.redact(summariseArguments(call.arguments)) });
    const dispatched = await dispatchToolCall(dispatch, call, session.clock);
    state.messages.push({
      role: 'tool',
      toolCallId: call.id,
      name: call.name,
      content: dispatched.result.output,
      ...(dispatched.result.isError ? { isError: true } : {}),
    });
    session.trace.emit('tool_result', toolResultEvent(state.step, call, dispatched));
  }
}

/** What the model is told for each call of a reply that was cut off, by reason (stop-checks.ts `cutOffReason`). */
const REFUSALS: Record<string, string> = {
  reply_cut_off:
    'Not run: your reply was cut off by the output-token limit (finish_reason: length), so the arguments of this call may be incomplete. Nothing was executed. Make the call again, shorter (e.g. write a long file in several smaller parts).',
  content_filter:
    "Not run: your reply was stopped by the provider's content filter (finish_reason: content_filter), so the arguments of this call may be incomplete. Nothing was executed.",
};

/**
 * Answers every call of a cut-off reply with a tool error instead of running it: the conversation stays
 * well-formed (each call has its result) and the trace's `tool_result` says `metadata.not_run: <reason>`.
 */
export function refuseToolCalls(session: Session, calls: readonly ToolCall[], reason: string): void {
  const { state } = session;
  const output = REFUSALS[reason] ?? `Not run: ${reason}.`;
  for (const call of calls) {
    state.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: output, isError: true });
    session.trace.emit(
      'tool_result',
      toolResultEvent(state.step, call, {
        result: { output, isError: true, metadata: { not_run: reason } },
        droppedBytes: 0,
        durationMs: 0,
      }),
    );
  }
}

/** A one-line summary of a call's arguments for the progress view (the only argument when there is one). */
export function summariseArguments(args: Record<string, unknown>): string {
  const values = Object.values(args);
  const text = values.length === 1 && typeof values[0] === 'string' ? values[0] : JSON.stringify(args);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}

/** The `tool_result` event of a call (docs/traces.md). */
export function toolResultEvent(step: number, call: ToolCall, dispatched: DispatchedResult): Record<string, unknown> {
  return {
    step,
    call_id: call.id,
    name: call.name,
    output: dispatched.result.output,
    is_error: dispatched.result.isError === true,
    duration_ms: dispatched.durationMs,
    ...(dispatched.droppedBytes ? { dropped_bytes: dispatched.droppedBytes } : {}),
    ...(dispatched.fullOutputFile ? { full_output_file: dispatched.fullOutputFile } : {}),
    ...(dispatched.fullOutputError ? { full_output_error: dispatched.fullOutputError } : {}),
    ...(dispatched.result.metadata ? { metadata: dispatched.result.metadata } : {}),
  };
}
