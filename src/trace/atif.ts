// Events → ATIF. The trajectory is derived from events.jsonl (the source of truth), so it can be
// rebuilt at any time, including from the log of a crashed session.
import type { ToolDefinition } from '../model/types.ts';
import { ATIF_VERSION, type AtifStep, type AtifTrajectory } from './atif-schema.ts';
import type { TraceEvent } from './types.ts';

type Results = NonNullable<AtifStep['observation']>['results'];

export function subagentTrajectoryFile(sessionId: string): string {
  return `trajectory.subagent-${sessionId}.json`;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function toolDefinitions(tools: unknown): Record<string, unknown>[] {
  if (!Array.isArray(tools)) return [];
  return (tools as ToolDefinition[]).map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.inputSchema },
  }));
}

/** One session's events (already filtered to its session_id) → a trajectory. */
export function sessionToAtif(sessionId: string, events: readonly TraceEvent[]): AtifTrajectory {
  const start = events.find((e) => e.type === 'session_start');
  const end = events.find((e) => e.type === 'session_end');
  const steps: AtifStep[] = [];
  const pendingExtra: Record<string, unknown[]> = {};
  const subagentOfCall = new Map<string, string>();
  let current: AtifStep | undefined; // the agent step that tool results attach to
  const push = (s: Omit<AtifStep, 'step_id'>) => {
    const step = { step_id: steps.length + 1, ...s } as AtifStep;
    steps.push(step);
    return step;
  };
  const note = (key: string, value: unknown) => {
    const target = current ?? steps.at(-1);
    if (target) {
      const extra = (target.extra ??= {});
      const list = (extra[key] as unknown[] | undefined) ?? [];
      list.push(value);
      extra[key] = list;
    } else (pendingExtra[key] ??= []).push(value);
  };
  const strip = ({ v: _v, ts: _ts, type: _type, session_id: _s, parent_session_id: _p, ...rest }: TraceEvent) => rest;

  for (const e of events) {
    switch (e.type) {
      case 'session_start':
        push({ source: 'system', timestamp: e.ts, message: String(e.system_prompt ?? '') });
        break;
      case 'user_message':
        current = undefined;
        push({ source: 'user', timestamp: e.ts, message: String(e.content ?? '') });
        break;
      case 'model_call': {
        const message = (e.message ?? {}) as {
          content?: string;
          reasoning?: string;
          tool_calls?: { id: string; name: string; arguments: Record<string, unknown> }[];
        };
        const usage = (e.usage ?? {}) as Record<string, unknown>;
        current = push({
          source: 'agent',
          timestamp: e.ts,
          model_name: typeof e.model === 'string' ? e.model : undefined,
          message: message.content ?? '',
          ...(message.reasoning ? { reasoning_content: message.reasoning } : {}),
          ...(message.tool_calls?.length
            ? {
                tool_calls: message.tool_calls.map((c) => ({
                  tool_call_id: c.id,
                  function_name: c.name,
                  arguments: c.arguments ?? {},
                })),
              }
            : {}),
          metrics: {
            prompt_tokens: num(usage.prompt_tokens),
            completion_tokens: num(usage.completion_tokens),
            cached_tokens: num(usage.cached_tokens),
            cost_usd: num(e.cost_usd),
          },
          extra: { finish_reason: e.finish_reason, duration_ms: e.duration_ms, ...pendingExtra },
        });
        for (const k of Object.keys(pendingExtra)) delete pendingExtra[k];
        break;
      }
      case 'subagent_start':
        subagentOfCall.set(String(e.call_id), String(e.child_session_id));
        break;
      case 'tool_result': {
        const child = subagentOfCall.get(String(e.call_id));
        const result: Results[number] = {
          source_call_id: String(e.call_id),
          content: String(e.output ?? ''),
          ...(child
            ? { subagent_trajectory_ref: [{ session_id: child, trajectory_path: subagentTrajectoryFile(child) }] }
            : {}),
        };
        if (current) {
          (current.observation ??= { results: [] }).results.push(result);
          if (e.is_error || e.dropped_bytes)
            note('tool_results', {
              call_id: e.call_id,
              is_error: e.is_error === true,
              dropped_bytes: e.dropped_bytes,
              full_output_file: e.full_output_file,
              duration_ms: e.duration_ms,
              metadata: e.metadata,
            });
          // Each call's start and end (parallel calls overlap); ATIF has no field of its own for them.
          if (e.started_at !== undefined || e.ended_at !== undefined)
            note('tool_timings', {
              call_id: e.call_id,
              started_at: e.started_at,
              ended_at: e.ended_at,
              ...(e.parallel === true ? { parallel: true } : {}),
            });
        }
        break;
      }
      case 'compaction':
        current = undefined;
        (pendingExtra.compaction ??= []).push(strip(e));
        break;
      case 'compaction_call':
        (pendingExtra.compaction_calls ??= []).push(strip(e));
        break;
      case 'model_error':
      case 'middleware_error':
      case 'component_log':
        note(`${e.type}s`, strip(e));
        break;
      case 'limit_unenforced':
        note('unenforced_limits', strip(e));
        break;
      default:
        break;
    }
  }
  if (steps.length === 0) push({ source: 'system', message: '' }); // ATIF requires at least one step
  const usage = (end?.usage ?? {}) as Record<string, unknown>;
  const agentSteps = steps.filter((s) => s.source === 'agent');
  const sum = (k: 'prompt_tokens' | 'completion_tokens' | 'cached_tokens' | 'cost_usd') =>
    agentSteps.reduce((n, s) => n + num(s.metrics?.[k]), 0);
  const agent = (start?.agent ?? {}) as { name?: string; version?: string };
  return {
    schema_version: ATIF_VERSION,
    session_id: sessionId,
    agent: {
      name: agent.name ?? 'ahe',
      version: agent.version ?? '0.0.0',
      ...(typeof start?.model_name === 'string' ? { model_name: start.model_name } : {}),
      tool_definitions: toolDefinitions(start?.tools),
      extra: {
        model_spec: start?.model,
        harness: start?.harness,
        ...(start?.reasoning_effort ? { reasoning_effort: start.reasoning_effort } : {}),
        ...(start?.subagent ? { subagent: start.subagent } : {}),
      },
    },
    steps,
    // ATIF's totals are sums over this trajectory's own steps (so a parent and its sub-agents' files add
    // up without counting anything twice); what the whole session spent — its sub-agents' sessions and
    // compaction calls too — is in `extra.session_usage`.
    final_metrics: {
      total_prompt_tokens: sum('prompt_tokens'),
      total_completion_tokens: sum('completion_tokens'),
      total_cached_tokens: sum('cached_tokens'),
      total_cost_usd: sum('cost_usd'),
      total_steps: steps.length,
      ...(end
        ? {
            extra: {
              session_usage: {
                prompt_tokens: num(usage.prompt_tokens),
                completion_tokens: num(usage.completion_tokens),
                cached_tokens: num(usage.cached_tokens),
                cost_usd: num(end.cost_usd),
              },
            },
          }
        : {}),
    },
    extra: end
      ? {
          status: end.status,
          final_message: end.final_message,
          duration_ms: end.duration_ms,
          ...(end.error ? { error: end.error } : {}),
          ...(end.error_type ? { error_type: end.error_type } : {}),
        }
      : { status: 'incomplete', note: 'the session log ends without session_end (crash or kill)' },
  };
}

/** All sessions of an events file → `{ 'trajectory.json': root, 'trajectory.subagent-<id>.json': … }`. */
export function eventsToAtifFiles(events: readonly TraceEvent[]): Record<string, AtifTrajectory> {
  const bySession = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const list = bySession.get(e.session_id) ?? [];
    list.push(e);
    bySession.set(e.session_id, list);
  }
  const root = events.find((e) => !e.parent_session_id)?.session_id;
  const files: Record<string, AtifTrajectory> = {};
  for (const [sessionId, list] of bySession) {
    files[sessionId === root ? 'trajectory.json' : subagentTrajectoryFile(sessionId)] = sessionToAtif(sessionId, list);
  }
  return files;
}
