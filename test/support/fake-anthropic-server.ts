// A fake Anthropic Messages API server speaking the exact wire format (JSON and named SSE events).
import { type FakeReply, type FakeServer, startFakeHttpServer } from './fake-http-server.ts';

export function startFakeAnthropicServer(replies: FakeReply[]): Promise<FakeServer> {
  return startFakeHttpServer(replies, '');
}

const usageOf = (input: number, output: number, cacheRead = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: cacheRead,
  cache_creation_input_tokens: 0,
});

export function anthropicMessage(opts: {
  text?: string;
  toolUses?: { id: string; name: string; input: unknown }[];
  input?: number;
  output?: number;
  cacheRead?: number;
}): FakeReply {
  const content = [
    ...(opts.text ? [{ type: 'text', text: opts.text }] : []),
    ...(opts.toolUses ?? []).map((t) => ({ type: 'tool_use', ...t })),
  ];
  return {
    kind: 'json',
    body: {
      id: 'msg_fake1',
      type: 'message',
      role: 'assistant',
      model: 'claude-fake',
      content,
      stop_reason: opts.toolUses?.length ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: usageOf(opts.input ?? 10, opts.output ?? 5, opts.cacheRead),
    },
  };
}

export function anthropicStream(opts: {
  thinking?: string[];
  text?: string[];
  toolUse?: { id: string; name: string; jsonPieces: string[] };
  input?: number;
  output?: number;
  cacheRead?: number;
}): FakeReply {
  const events: { event: string; data: unknown }[] = [];
  const e = (event: string, data: object) => events.push({ event, data: { type: event, ...data } });
  e('message_start', {
    message: {
      id: 'msg_fake2',
      type: 'message',
      role: 'assistant',
      model: 'claude-fake',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usageOf(opts.input ?? 10, 1, opts.cacheRead) },
    },
  });
  let index = 0;
  if (opts.thinking) {
    e('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    for (const t of opts.thinking) e('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: t } });
    e('content_block_stop', { index: index++ });
  }
  if (opts.text) {
    e('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const t of opts.text) e('content_block_delta', { index, delta: { type: 'text_delta', text: t } });
    e('content_block_stop', { index: index++ });
  }
  if (opts.toolUse) {
    e('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: opts.toolUse.id, name: opts.toolUse.name, input: {} },
    });
    for (const p of opts.toolUse.jsonPieces)
      e('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } });
    e('content_block_stop', { index: index++ });
  }
  e('message_delta', {
    delta: { stop_reason: opts.toolUse ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: opts.output ?? 5 },
  });
  e('message_stop', {});
  return { kind: 'sse', events };
}

export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers?: Record<string, string>,
): FakeReply {
  return { kind: 'json', status, headers, body: { type: 'error', error: { type, message } } };
}
