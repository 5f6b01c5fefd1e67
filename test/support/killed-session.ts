// The events a session killed mid-way leaves (kill -9: no session_end): `calls` model calls, each of
// `usage` at `cost`, each followed by its tool result. Shared by the tests of interrupted work's spend.

export interface KilledSession {
  calls: number;
  usage: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
  cost: number;
  /** The session id (default `killed`). */
  session?: string;
}

/** The events.jsonl text of such a session. */
export function killedEvents({ calls, usage, cost, session = 'killed' }: KilledSession): string {
  const event = (type: string, data: Record<string, unknown> = {}) =>
    JSON.stringify({ v: 1, ts: '2026-01-01T00:00:00.000Z', type, session_id: session, ...data });
  const lines = [event('session_start', { model: 'scripted:x' }), event('user_message', { content: 'go' })];
  for (let step = 1; step <= calls; step++)
    lines.push(
      event('model_call', {
        step,
        message: { content: '' },
        usage: { cached_tokens: 0, ...usage },
        cost_usd: cost,
      }),
      event('tool_result', { step, call_id: `c${step}`, name: 'run_shell_command', output: 'ok' }),
    );
  return `${lines.join('\n')}\n`;
}
