// One step's tool calls, in the order the model made them: each goes through the one dispatch path
// (dispatch-tool.ts), its result joins the conversation and the trace. A failing tool is a tool error
// the model sees; nothing here ends the session.
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
