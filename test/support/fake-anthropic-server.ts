// A fake Anthropic Messages API server speaking the exact wire format (JSON and named SSE events).
// `startStrictAnthropicServer` also refuses what the real API refuses for extended thinking and prompt
// caching (each with the real API's 400 invalid_request_error) and reports cache reads and writes from a
// simulated prefix cache (prompt-cache-sim.ts: breakpoints, the model's minimum, tokens ≈ chars/4).
// `startScriptedAnthropicServer` applies the same checks and answers from scripted models (the offline
// evolve demo over this wire format).
import { createHmac } from 'node:crypto';
import type { Message } from '../../src/model/types.ts';
import { type FakeReply, type FakeServer, type RecordedRequest, startFakeHttpServer } from './fake-http-server.ts';
import { AnthropicPromptCache, blockOf, type CacheUse, type PromptBlock } from './prompt-cache-sim.ts';
import { isReply, scriptedAnswers, startAnsweringServer } from './scripted-wire-server.ts';

export function startFakeAnthropicServer(replies: FakeReply[]): Promise<FakeServer> {
  return startFakeHttpServer(replies, '');
}

const usageOf = (input: number, output: number, cacheRead = 0) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: cacheRead,
  cache_creation_input_tokens: 0,
});

// Signatures: what only the "server" can produce. A thinking block's signature is an HMAC of its text, a
// redacted block's data carries an HMAC of its payload; altering either (or dropping the signature) fails.
const SECRET = 'fake-anthropic-signing-key';
const mac = (text: string) => createHmac('sha256', SECRET).update(text).digest('base64url');
export const signThinking = (thinking: string): string => `sig_${mac(`thinking:${thinking}`)}`;
export const redactedData = (payload: string): string =>
  `${Buffer.from(payload).toString('base64url')}.${mac(`redacted:${payload}`)}`;
const validRedacted = (data: unknown) => {
  if (typeof data !== 'string' || !data.includes('.')) return false;
  const [payload, tag] = data.split('.');
  return mac(`redacted:${Buffer.from(payload!, 'base64url').toString()}`) === tag;
};

export function anthropicMessage(opts: {
  /** Thinking blocks first (signed), as the API sends them. */
  thinking?: string[];
  /** Redacted thinking blocks (after the thinking ones), their payloads sealed in `data`. */
  redacted?: string[];
  text?: string;
  toolUses?: { id: string; name: string; input: unknown }[];
  input?: number;
  output?: number;
  cacheRead?: number;
}): FakeReply {
  const content = [
    ...(opts.thinking ?? []).map((t) => ({ type: 'thinking', thinking: t, signature: signThinking(t) })),
    ...(opts.redacted ?? []).map((r) => ({ type: 'redacted_thinking', data: redactedData(r) })),
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
  /** One thinking block streamed in these pieces, then its signature_delta (unless `unsigned`). */
  thinking?: string[];
  unsigned?: boolean;
  redacted?: string;
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
    if (!opts.unsigned)
      e('content_block_delta', {
        index,
        delta: { type: 'signature_delta', signature: signThinking(opts.thinking.join('')) },
      });
    e('content_block_stop', { index: index++ });
  }
  if (opts.redacted !== undefined) {
    e('content_block_start', {
      index,
      content_block: { type: 'redacted_thinking', data: redactedData(opts.redacted) },
    });
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

// ---- the strict server ----

const invalid = (message: string): FakeReply => anthropicError(400, 'invalid_request_error', message);

type Block = { type?: string; [k: string]: unknown };
type Msg = { role?: string; content?: string | Block[] };
const blocksOf = (m: Msg): Block[] =>
  typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];

/** The request's prompt as cacheable blocks, in the order the API caches them: tools, system, messages. */
export function anthropicPromptBlocks(body: {
  tools?: unknown[];
  system?: string | unknown[];
  messages?: Msg[];
}): PromptBlock[] {
  const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  return [
    ...(body.tools ?? []).map(blockOf),
    ...system.map(blockOf),
    ...(body.messages ?? []).flatMap((m) =>
      blocksOf(m).map((b) => {
        const block = blockOf(b);
        return { ...block, key: `${m.role}:${block.key}` };
      }),
    ),
  ];
}

/**
 * What the real API refuses, with its message; undefined when the request is valid. Checked: max_tokens;
 * thinking's budget (≥ 1024, < max_tokens) and temperature (only 1) with it; at most 4 cache_control
 * breakpoints, never on a thinking block; alternating roles; every tool_use answered by a tool_result in
 * the next user turn and every tool_result answering one; thinking blocks intact (signature checked); and,
 * with thinking on, the assistant turn of an unfinished tool loop starting with its thinking block.
 */
export function anthropicRequestProblem(body: any): string | undefined {
  if (!Number.isInteger(body?.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  const thinking = body.thinking?.type === 'enabled';
  if (body.thinking !== undefined && !['enabled', 'disabled'].includes(body.thinking?.type))
    return 'thinking.type: Input should be a valid discriminator';
  if (thinking) {
    const budget = body.thinking.budget_tokens;
    if (!Number.isInteger(budget) || budget < 1024)
      return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (budget >= body.max_tokens) return '`max_tokens` must be greater than `thinking.budget_tokens`';
    if (body.temperature !== undefined && body.temperature !== 1)
      return '`temperature` may only be set to 1 when thinking is enabled';
  }
  const messages: Msg[] = Array.isArray(body.messages) ? body.messages : [];
  if (!messages.length) return 'messages: at least one message is required';
  const system = Array.isArray(body.system) ? body.system : [];
  const all = [...(body.tools ?? []), ...system, ...messages.flatMap((m) => blocksOf(m))] as Block[];
  const marked = all.filter((b) => b.cache_control !== undefined);
  if (marked.length > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${marked.length}.`;
  for (const b of marked) {
    if ((b.cache_control as { type?: string }).type !== 'ephemeral')
      return 'cache_control.type: Input should be ephemeral';
    if (b.type === 'thinking' || b.type === 'redacted_thinking')
      return `${b.type}.cache_control: Extra inputs are not permitted`;
  }
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i > 0 && messages[i - 1]!.role === m.role)
      return `messages: roles must alternate between "user" and "assistant"`;
    for (const [j, b] of blocksOf(m).entries()) {
      if (
        b.type === 'thinking' &&
        (typeof b.signature !== 'string' || b.signature !== signThinking(String(b.thinking)))
      )
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      if (b.type === 'redacted_thinking' && !validRedacted(b.data))
        return `messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`;
      if ((b.type === 'thinking' || b.type === 'redacted_thinking') && m.role !== 'assistant')
        return `messages.${i}.content.${j}: thinking blocks are only allowed in assistant messages`;
    }
    const uses = blocksOf(m)
      .filter((b) => b.type === 'tool_use')
      .map((b) => String(b.id));
    const next = messages[i + 1];
    if (uses.length && next) {
      const answered = new Set(
        blocksOf(next)
          .filter((b) => b.type === 'tool_result')
          .map((b) => String(b.tool_use_id)),
      );
      const missing = uses.filter((id) => !answered.has(id));
      if (missing.length)
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}`;
    }
    if (m.role === 'user') {
      const prev = i > 0 ? blocksOf(messages[i - 1]!) : [];
      const ids = new Set(prev.filter((b) => b.type === 'tool_use').map((b) => String(b.id)));
      for (const [j, b] of blocksOf(m).entries())
        if (b.type === 'tool_result' && !ids.has(String(b.tool_use_id)))
          return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
  }
  if (thinking) {
    // The tool loop still open: the last assistant turn used a tool and the user turn after it returns the
    // results. That assistant turn must start with its thinking block (the API checks it is the one it sent).
    const last = messages.length - 1;
    const a = messages[last - 1];
    if (messages[last]!.role === 'user' && a?.role === 'assistant' && blocksOf(a).some((b) => b.type === 'tool_use')) {
      const first = blocksOf(a)[0];
      if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking')
        return `messages.${last - 1}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`.`;
    }
  }
  return undefined;
}

/** A scripted reply with its usage's input counts replaced by the simulated cache's. */
function withCacheUsage(reply: FakeReply, use: CacheUse): FakeReply {
  const counts = {
    input_tokens: use.total - use.read - use.written,
    cache_read_input_tokens: use.read,
    cache_creation_input_tokens: use.written,
  };
  if (reply.kind === 'json' && (reply.status ?? 200) === 200) {
    const body = reply.body as { usage?: object };
    return { ...reply, body: { ...body, usage: { ...body.usage, ...counts } } };
  }
  if (reply.kind === 'sse')
    return {
      ...reply,
      events: reply.events.map((e) => {
        const data = e.data as { type?: string; message?: { usage?: object } };
        return data.type === 'message_start'
          ? { ...e, data: { ...data, message: { ...data.message, usage: { ...data.message?.usage, ...counts } } } }
          : e;
      }),
    };
  return reply;
}

export interface StrictAnthropicServer extends FakeServer {
  /** The cache use the server reported for each answered request, in order. */
  cacheUses: CacheUse[];
  /** The 400s it sent, in order. */
  rejections: string[];
}

/**
 * A fake that answers the scripted replies only to requests the real API would accept (else a 400
 * invalid_request_error, leaving the script where it was) and reports cache reads and writes from one
 * prefix cache shared by all its requests.
 */
export async function startStrictAnthropicServer(
  replies: FakeReply[],
  opts: { minCacheableTokens?: (model: string) => number } = {},
): Promise<StrictAnthropicServer> {
  const cache = new AnthropicPromptCache(opts.minCacheableTokens);
  const cacheUses: CacheUse[] = [];
  const rejections: string[] = [];
  const server = await startFakeHttpServer(replies, '', (request: RecordedRequest, next) => {
    const problem = anthropicRequestProblem(request.body);
    if (problem) {
      rejections.push(problem);
      return invalid(problem);
    }
    const reply = next();
    if (!reply) return reply;
    const use = cache.use(String(request.body.model), anthropicPromptBlocks(request.body));
    cacheUses.push(use);
    return withCacheUsage(reply, use);
  });
  return Object.assign(server, { cacheUses, rejections });
}

// ---- the scripted server (the offline evolve demo over this wire format) ----

/** A request's conversation back as the runtime's messages, for the script to replay over. */
function messagesOfAnthropic(body: { system?: string | Block[]; messages?: Msg[] }): Message[] {
  const system =
    typeof body.system === 'string' ? body.system : (body.system ?? []).map((b) => String(b.text)).join('');
  const out: Message[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of body.messages ?? []) {
    const blocks = blocksOf(m);
    const text = blocks
      .filter((b) => b.type === 'text')
      .map((b) => String(b.text))
      .join('');
    if (m.role === 'assistant') {
      const calls = blocks
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({ id: String(b.id), name: String(b.name), rawArguments: JSON.stringify(b.input), arguments: {} }));
      out.push({ role: 'assistant', content: text, ...(calls.length ? { toolCalls: calls } : {}) });
      continue;
    }
    for (const b of blocks)
      if (b.type === 'tool_result')
        out.push({
          role: 'tool',
          toolCallId: String(b.tool_use_id),
          name: '',
          content: typeof b.content === 'string' ? b.content : JSON.stringify(b.content),
        });
    if (text) out.push({ role: 'user', content: text });
  }
  return out;
}

/** A whole message (anthropicMessage's body) as the named SSE events the API streams it in. */
function streamOfMessage(message: any): FakeReply {
  const events: { event: string; data: unknown }[] = [];
  const e = (event: string, data: object) => events.push({ event, data: { type: event, ...data } });
  e('message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
  });
  for (const [index, b] of (message.content as Block[]).entries()) {
    if (b.type === 'thinking') {
      e('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      e('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } });
      e('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } });
    } else if (b.type === 'text') {
      e('content_block_start', { index, content_block: { type: 'text', text: '' } });
      e('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
    } else {
      e('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      e('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    e('content_block_stop', { index });
  }
  e('message_delta', {
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: message.usage.output_tokens },
  });
  e('message_stop', {});
  return { kind: 'sse', events };
}

/**
 * A strict Messages server whose answers come from scripted models, one script per model name
 * (scripted-wire-server.ts). With thinking on, every reply starts with a signed thinking block, which
 * the client must send back at the head of its tool-use turn (the strict checks refuse the request else).
 */
export function startScriptedAnthropicServer(scripts: Record<string, string>): Promise<FakeServer> {
  const answer = scriptedAnswers(scripts);
  return startAnsweringServer('', async (request) => {
    const body = request.body;
    const problem = anthropicRequestProblem(body);
    if (problem) return invalid(problem);
    const messages = messagesOfAnthropic(body);
    const reply = await answer(body.model, messages);
    if (isReply(reply)) {
      // The script's errors in Anthropic's error shape.
      const error = (reply as { body?: { error?: { message?: string } } }).body?.error;
      const status = reply.kind === 'sse' ? 500 : (reply.status ?? 500);
      return anthropicError(status, status === 404 ? 'not_found_error' : 'api_error', String(error?.message));
    }
    const turns = messages.filter((m) => m.role === 'assistant').length;
    const m = reply.message;
    const message = anthropicMessage({
      ...(body.thinking?.type === 'enabled' ? { thinking: [`turn ${turns}`] } : {}),
      ...(m.content ? { text: m.content } : {}),
      toolUses: (m.toolCalls ?? []).map((c) => ({
        id: c.id,
        name: c.name,
        input: c.rawArguments ? JSON.parse(c.rawArguments) : {},
      })),
      input: reply.usage.promptTokens,
      output: reply.usage.completionTokens,
    });
    if (message.kind !== 'json') return message;
    const wire = { ...(message.body as object), model: body.model };
    return body.stream ? streamOfMessage(wire) : { kind: 'json', body: wire };
  });
}
