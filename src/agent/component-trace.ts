// What component code (tools, middleware) gets as `ctx.trace`: a sink that only appends. Its events
// cannot pose as the runtime's own: an event type the runtime writes (session_end, model_call, …) is
// recorded as `component_log` with `claimed_type`, and there is no way to open another session's log.
// The header fields (session_id, type, …) are guarded by the event log itself.
import type { SessionTrace, TraceSink } from '../trace/types.ts';

/** Event types only the runtime writes. */
export const RUNTIME_EVENT_TYPES: ReadonlySet<string> = new Set([
  'session_start',
  'user_message',
  'model_call',
  'model_error',
  'tool_result',
  'middleware_error',
  'compaction',
  'compaction_call',
  'limit_unenforced',
  'subagent_start',
  'subagent_end',
  'session_end',
]);

export function componentTrace(trace: SessionTrace): TraceSink {
  return {
    emit(type: string, data: Record<string, unknown> = {}) {
      const name = String(type);
      const claimed = typeof type !== 'string' || name.trim() === '' || RUNTIME_EVENT_TYPES.has(name);
      const payload = data && typeof data === 'object' && !Array.isArray(data) ? data : { value: data };
      trace.emit(claimed ? 'component_log' : name, claimed ? { ...payload, claimed_type: name } : payload);
    },
  };
}
