// One step's tool calls: each goes through the one dispatch path (dispatch-tool.ts), its result joins
// the conversation and the trace. Calls run one after another, except that consecutive calls of tools
// whose YAML says `parallel: true` run at the same time (as do `agent` calls when harness.yaml's
// `limits.max_parallel_subagents` is above 1, at most that many sub-agents at once); results join the
// conversation in call order either way, and each `tool_result` keeps the call's start and end. A failing
// tool is a tool error the model sees; nothing here ends the session. The calls of a reply that was cut
// off are not run at all: each gets a tool error saying why (refuseToolCalls).
import type { ToolCall } from '../model/types.ts';
import { type DispatchedResult, dispatchToolCall } from './dispatch-tool.ts';
import { reportProgress, type Session } from './session.ts';

/** Consecutive calls that run together (`parallel`), or one call on its own. */
export interface ToolCallBatch {
  calls: ToolCall[];
  parallel: boolean;
}

/** How many sub-agents one reply may run at once (harness.yaml `limits.max_parallel_subagents`). */
export function subagentParallelism(session: Pick<Session, 'ledger'>): number {
  return Math.max(1, session.ledger.limits.maxParallelSubagents ?? 1);
}

/** Whether a call may run at the same time as its parallel-safe neighbours. */
function parallelSafe(session: Session, call: ToolCall): boolean {
  if (call.argumentsError) return false;
  const tool = session.dispatch.tools.get(call.name);
  if (!tool) return false;
  if (tool.source.builtin && call.name === 'agent') return subagentParallelism(session) > 1;
  return tool.parallel === true;
}

/** Splits a reply's calls into batches, in order: runs of parallel-safe calls, and every other call alone. */
export function batchToolCalls(calls: readonly ToolCall[], isParallel: (call: ToolCall) => boolean): ToolCallBatch[] {
  const batches: ToolCallBatch[] = [];
  for (const call of calls) {
    const parallel = isParallel(call);
    const last = batches.at(-1);
    if (parallel && last?.parallel) last.calls.push(call);
    else batches.push({ calls: [call], parallel });
  }
  // A run of one parallel-safe call is an ordinary call.
  for (const b of batches) if (b.calls.length === 1) b.parallel = false;
  return batches;
}

/** Runs `task`s with at most `limit` at once (a limit of Infinity runs them all at once). */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

export async function runToolCalls(session: Session, calls: readonly ToolCall[]): Promise<void> {
  for (const batch of batchToolCalls(calls, (c) => parallelSafe(session, c))) {
    if (!batch.parallel) {
      const call = batch.calls[0]!;
      recordResult(session, call, await dispatchOne(session, call), false);
      continue;
    }
    const subagentSlot = limiter(subagentParallelism(session));
    // Settled, not raced: whatever fails, no call of the batch is left running behind the session.
    const settled = await Promise.allSettled(
      batch.calls.map((call) =>
        call.name === 'agent' && session.dispatch.tools.get(call.name)?.source.builtin
          ? subagentSlot(() => dispatchOne(session, call))
          : dispatchOne(session, call),
      ),
    );
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const [i, call] of batch.calls.entries())
      recordResult(session, call, (settled[i] as PromiseFulfilledResult<DispatchedResult>).value, true);
  }
}

async function dispatchOne(session: Session, call: ToolCall): Promise<DispatchedResult> {
  reportProgress(session, 'tool', {
    tool: call.name,
    detail: session.dispatch.redact(summariseArguments(call.arguments)),
  });
  return dispatchToolCall(session.dispatch, call, session.clock);
}

function recordResult(session: Session, call: ToolCall, dispatched: DispatchedResult, parallel: boolean): void {
  const { state } = session;
  state.messages.push({
    role: 'tool',
    toolCallId: call.id,
    name: call.name,
    content: dispatched.result.output,
    ...(dispatched.result.isError ? { isError: true } : {}),
  });
  session.trace.emit('tool_result', {
    ...toolResultEvent(state.step, call, dispatched),
    ...(parallel ? { parallel } : {}),
  });
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
    ...(dispatched.startedAt !== undefined ? { started_at: isoTime(dispatched.startedAt) } : {}),
    ...(dispatched.endedAt !== undefined ? { ended_at: isoTime(dispatched.endedAt) } : {}),
    ...(dispatched.droppedBytes ? { dropped_bytes: dispatched.droppedBytes } : {}),
    ...(dispatched.fullOutputFile ? { full_output_file: dispatched.fullOutputFile } : {}),
    ...(dispatched.fullOutputError ? { full_output_error: dispatched.fullOutputError } : {}),
    ...(dispatched.result.metadata ? { metadata: dispatched.result.metadata } : {}),
  };
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
