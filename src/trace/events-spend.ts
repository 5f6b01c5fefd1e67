// What agent sessions spent, read back from their events.jsonl files: the record of a session whose
// spend nothing else holds — a trial killed before it wrote result.json, an evolve session cut off
// before its step recorded it. The tokens and cost are those of every model_call and compaction_call
// event (sub-agents' included), each written as the call returns, so a kill -9 loses at most the call
// in flight. The calls are the steps of each top-level session: its session_end's `steps` when it
// ended (a step whose model failed counts, as the live session counts it), else its model_call events.
import type { Spend } from '../model/usage.ts';
import { readEvents } from './event-log.ts';

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** The spend recorded in these events files (absent files spent nothing). */
export function eventsSpend(files: readonly string[]): Spend {
  const spend: Spend = { calls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  let cacheWrite: number | undefined;
  let reasoning: number | undefined;
  for (const file of files) {
    // A file may hold several top-level sessions (runs of earlier versions appended to it).
    const steps = new Map<string, { ended?: number; calls: number }>();
    const top = (id: string) => steps.get(id) ?? steps.set(id, { calls: 0 }).get(id)!;
    for (const event of readEvents(file).events) {
      const root = event.parent_session_id === undefined;
      if (event.type === 'session_end' && root) top(event.session_id).ended = count(event.steps);
      if (event.type !== 'model_call' && event.type !== 'compaction_call') continue;
      const usage = event.usage as Record<string, unknown> | undefined;
      if (!usage || typeof usage !== 'object') continue; // a failed compaction call spent nothing it reported
      if (event.type === 'model_call' && root) top(event.session_id).calls += 1;
      spend.promptTokens += count(usage.prompt_tokens);
      spend.completionTokens += count(usage.completion_tokens);
      spend.cachedTokens += count(usage.cached_tokens);
      if (usage.cache_write_tokens !== undefined) cacheWrite = (cacheWrite ?? 0) + count(usage.cache_write_tokens);
      if (usage.reasoning_tokens !== undefined) reasoning = (reasoning ?? 0) + count(usage.reasoning_tokens);
      spend.costUsd += count(event.cost_usd);
    }
    for (const s of steps.values()) spend.calls += s.ended ?? s.calls;
  }
  return {
    ...spend,
    ...(cacheWrite !== undefined ? { cacheWriteTokens: cacheWrite } : {}),
    ...(reasoning !== undefined ? { reasoningTokens: reasoning } : {}),
  };
}
