// A fake OpenAI Responses API server (`POST /v1/responses`) speaking the exact wire format (JSON and
// named SSE events), strict about what the real API refuses for a stateless (`store: false`) tool loop,
// each with the real API's error shape (400 invalid_request_error, or 404 for an item it cannot find):
// a function_call_output whose call_id no earlier function_call has, a missing call_id, a function_call
// left without its output, tools in the Chat Completions format, chat-style `tool` messages, a reasoning
// item sent back without its encrypted content (or altered), or without the item that followed it, and
// an unknown reasoning effort. With `cache: true` the usage's cached tokens come from a simulated
// automatic prefix cache keyed by prompt_cache_key (prompt-cache-sim.ts).
import { createHmac } from 'node:crypto';
import type { Message } from '../../src/model/types.ts';
import { type FakeReply, type FakeServer, type RecordedRequest, startFakeHttpServer } from './fake-http-server.ts';
import { blockOf, OpenAIPromptCache } from './prompt-cache-sim.ts';
import { isReply, scriptedAnswers, startAnsweringServer } from './scripted-wire-server.ts';

export type { FakeReply, FakeServer };

// Encrypted reasoning: only the "server" can produce it (an HMAC of the item's id and summary), so a
// reasoning item that was altered or made up on the client side fails.
const SECRET = 'fake-openai-reasoning-key';
export const encryptReasoning = (id: string, summary: string[]): string =>
  `enc_${createHmac('sha256', SECRET)
    .update(`${id}\0${summary.join('\0')}`)
    .digest('base64url')}`;

export interface ResponsesReplyOptions {
  text?: string;
  /** One reasoning item per entry: its summary texts. */
  reasoning?: string[][];
  /** Reasoning items come without encrypted_content (a request that did not include it). */
  unencrypted?: boolean;
  toolCalls?: { callId: string; name: string; arguments: string }[];
  input?: number;
  output?: number;
  cached?: number;
  reasoningTokens?: number;
  /** USD, as OpenRouter reports it. */
  cost?: number;
  incomplete?: 'max_output_tokens' | 'content_filter';
  model?: string;
}

let counter = 0;

/** The `output` items of a response, in the order the API sends them: reasoning, message, function calls. */
function outputItems(o: ResponsesReplyOptions): Record<string, unknown>[] {
  const n = ++counter;
  const items: Record<string, unknown>[] = [];
  (o.reasoning ?? []).forEach((summary, i) => {
    const id = `rs_fake${n}_${i}`;
    items.push({
      type: 'reasoning',
      id,
      summary: summary.map((text) => ({ type: 'summary_text', text })),
      ...(o.unencrypted ? {} : { encrypted_content: encryptReasoning(id, summary) }),
    });
  });
  if (o.text !== undefined)
    items.push({
      type: 'message',
      id: `msg_fake${n}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: o.text, annotations: [], logprobs: [] }],
    });
  (o.toolCalls ?? []).forEach((c, i) => {
    items.push({
      type: 'function_call',
      id: `fc_fake${n}_${i}`,
      status: 'completed',
      call_id: c.callId,
      name: c.name,
      arguments: c.arguments,
    });
  });
  return items;
}

function responseBody(o: ResponsesReplyOptions, output: Record<string, unknown>[]) {
  const input = o.input ?? 10;
  const out = o.output ?? 5;
  return {
    id: `resp_fake${counter}`,
    object: 'response',
    created_at: 1_760_000_000,
    status: o.incomplete ? 'incomplete' : 'completed',
    incomplete_details: o.incomplete ? { reason: o.incomplete } : null,
    error: null,
    model: o.model ?? 'gpt-fake',
    output,
    parallel_tool_calls: true,
    store: false,
    usage: {
      input_tokens: input,
      input_tokens_details: { cached_tokens: o.cached ?? 0 },
      output_tokens: out,
      output_tokens_details: { reasoning_tokens: o.reasoningTokens ?? 0 },
      total_tokens: input + out,
      ...(o.cost !== undefined ? { cost: o.cost } : {}),
    },
  };
}

export function responsesReply(o: ResponsesReplyOptions): FakeReply {
  return { kind: 'json', body: responseBody(o, outputItems(o)) };
}

/**
 * A stream as the API sends it: response.created, then per output item `output_item.added`, its deltas
 * (reasoning summary text, output text, function-call arguments, each split in two) and `output_item.done`,
 * then `response.completed` (or `response.incomplete`) carrying the whole response.
 */
export function responsesStream(o: ResponsesReplyOptions): FakeReply {
  const output = outputItems(o);
  const body = responseBody(o, output);
  const events: { event: string; data: unknown }[] = [];
  let seq = 0;
  const e = (type: string, data: object) =>
    events.push({ event: type, data: { type, sequence_number: seq++, ...data } });
  const halves = (s: string) => [s.slice(0, Math.ceil(s.length / 2)), s.slice(Math.ceil(s.length / 2))].filter(Boolean);
  e('response.created', { response: { ...body, status: 'in_progress', output: [], usage: null } });
  output.forEach((item, output_index) => {
    const id = item.id as string;
    if (item.type === 'reasoning') {
      e('response.output_item.added', { output_index, item: { ...item, summary: [] } });
      (item.summary as { text: string }[]).forEach((s, summary_index) => {
        for (const delta of halves(s.text))
          e('response.reasoning_summary_text.delta', { item_id: id, output_index, summary_index, delta });
      });
    } else if (item.type === 'message') {
      e('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      for (const delta of halves(o.text ?? ''))
        e('response.output_text.delta', { item_id: id, output_index, content_index: 0, delta, logprobs: [] });
    } else {
      e('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of halves(item.arguments as string))
        e('response.function_call_arguments.delta', { item_id: id, output_index, delta });
    }
    e('response.output_item.done', { output_index, item });
  });
  e(o.incomplete ? 'response.incomplete' : 'response.completed', { response: body });
  return { kind: 'sse', events };
}

export function responsesError(
  status: number,
  message: string,
  headers?: Record<string, string>,
  code?: string,
): FakeReply {
  const type =
    status === 401
      ? 'invalid_request_error'
      : status === 429
        ? 'rate_limit_exceeded'
        : status < 500
          ? 'invalid_request_error'
          : 'server_error';
  return { kind: 'json', status, headers, body: { error: { message, type, param: null, code: code ?? null } } };
}

const invalid = (message: string, param: string | null = null): FakeReply => ({
  kind: 'json',
  status: 400,
  body: { error: { message, type: 'invalid_request_error', param, code: null } },
});

const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];

/** What the real API would refuse in this request body (with its reply), or undefined. */
export function responsesRequestProblem(body: any): FakeReply | undefined {
  if (typeof body !== 'object' || body === null) return invalid('We could not parse the JSON body of your request.');
  if (body.messages !== undefined) return invalid('Unrecognized request argument supplied: messages', 'messages');
  if (!Array.isArray(body.input)) return invalid("Missing required parameter: 'input'.", 'input');
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (tool?.type !== 'function') continue;
    if (tool.function !== undefined)
      return invalid(`Unknown parameter: 'tools[${i}].function'.`, `tools[${i}].function`);
    if (typeof tool.name !== 'string')
      return invalid(`Missing required parameter: 'tools[${i}].name'.`, `tools[${i}].name`);
  }
  const effort = body.reasoning?.effort;
  if (effort !== undefined && !EFFORTS.includes(effort))
    return invalid(
      `Invalid value: '${effort}'. Supported values are: ${EFFORTS.map((x) => `'${x}'`).join(', ')}.`,
      'reasoning.effort',
    );
  const encrypted = Array.isArray(body.include) && body.include.includes('reasoning.encrypted_content');
  const calls = new Set<string>();
  const answered = new Set<string>();
  const items: any[] = body.input;
  for (const [i, item] of items.entries()) {
    const where = `input[${i}]`;
    if (item?.role !== undefined && item.type === undefined) {
      if (!['user', 'assistant', 'system', 'developer'].includes(item.role))
        return invalid(
          `Invalid value: '${item.role}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`,
          `${where}.role`,
        );
      continue;
    }
    switch (item?.type) {
      case 'message':
        break;
      case 'function_call':
        if (typeof item.call_id !== 'string' || !item.call_id)
          return invalid(`Missing required parameter: '${where}.call_id'.`, `${where}.call_id`);
        if (typeof item.name !== 'string')
          return invalid(`Missing required parameter: '${where}.name'.`, `${where}.name`);
        if (typeof item.arguments !== 'string')
          return invalid(`Invalid type for '${where}.arguments': expected a string.`, `${where}.arguments`);
        calls.add(item.call_id);
        break;
      case 'function_call_output':
        if (typeof item.call_id !== 'string' || !item.call_id)
          return invalid(`Missing required parameter: '${where}.call_id'.`, `${where}.call_id`);
        if (!calls.has(item.call_id))
          return invalid(`No tool call found for function call output with call_id ${item.call_id}.`, 'input');
        answered.add(item.call_id);
        break;
      case 'reasoning': {
        const id = item.id;
        const summary = Array.isArray(item.summary) ? item.summary.map((s: any) => s?.text) : undefined;
        if (typeof item.encrypted_content !== 'string' || body.store !== false || !encrypted)
          return {
            kind: 'json',
            status: 404,
            body: {
              error: {
                message: `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
                type: 'invalid_request_error',
                param: 'input',
                code: null,
              },
            },
          };
        if (!summary || item.encrypted_content !== encryptReasoning(String(id), summary))
          return invalid(`The encrypted content for item ${id} could not be verified.`, `${where}.encrypted_content`);
        // The item the reasoning produced (after any further reasoning items of the same turn) must follow it.
        const following = items.slice(i + 1).find((x) => x?.type !== 'reasoning');
        if (!following || following.type === 'function_call_output' || following.role === 'user')
          return invalid(`Item '${id}' of type 'reasoning' was provided without its required following item.`, 'input');
        break;
      }
      default:
        return invalid(`Invalid value: '${item?.type}'.`, `${where}.type`);
    }
  }
  for (const id of calls)
    if (!answered.has(id)) return invalid(`No tool output found for function call ${id}.`, 'input');
  return undefined;
}

/** A strict Responses server: refuses bad requests without using up a scripted reply. */
export function startFakeOpenAIResponsesServer(
  replies: FakeReply[],
  options: { cache?: boolean } = {},
): Promise<FakeServer> {
  const cache = new OpenAIPromptCache();
  return startFakeHttpServer(replies, '/v1', (request: RecordedRequest, next) => {
    if (request.url !== '/v1/responses') return invalid(`fake server: unexpected ${request.method} ${request.url}`);
    const problem = responsesRequestProblem(request.body);
    if (problem) return problem;
    const reply = next();
    if (!options.cache || !reply) return reply;
    // Cached tokens from the simulated prefix cache: tools, then each input item, as blocks.
    const blocks = [...(request.body.tools ?? []), ...request.body.input].map(blockOf);
    const use = cache.use(request.body.prompt_cache_key ?? request.body.model, blocks);
    const rewrite = (usage: any) => {
      usage.input_tokens = use.total;
      usage.input_tokens_details = { cached_tokens: use.read };
      usage.total_tokens = use.total + usage.output_tokens;
    };
    const copy = structuredClone(reply);
    if (copy.kind === 'json') rewrite((copy.body as any).usage);
    if (copy.kind === 'sse')
      for (const ev of copy.events) if ((ev.data as any).response?.usage) rewrite((ev.data as any).response.usage);
    return copy;
  });
}

/** The conversation a Responses request carries, as the model layer's messages (for a scripted answer). */
export function messagesOfInput(input: any[]): Message[] {
  const messages: Message[] = [];
  const names = new Map<string, string>();
  const last = () => messages.at(-1);
  for (const item of input) {
    if (item.type === 'reasoning') {
      messages.push({ role: 'assistant', content: '' });
    } else if (item.role === 'assistant') {
      const open = last();
      if (open?.role === 'assistant' && !open.content && !open.toolCalls) open.content = item.content;
      else messages.push({ role: 'assistant', content: item.content });
    } else if (item.role) {
      messages.push({ role: item.role === 'developer' ? 'system' : item.role, content: item.content });
    } else if (item.type === 'function_call') {
      names.set(item.call_id, item.name);
      const call = { id: item.call_id, name: item.name, rawArguments: item.arguments, arguments: {} };
      const open = last();
      if (open?.role === 'assistant') open.toolCalls = [...(open.toolCalls ?? []), call];
      else messages.push({ role: 'assistant', content: '', toolCalls: [call] });
    } else if (item.type === 'function_call_output') {
      messages.push({
        role: 'tool',
        toolCallId: item.call_id,
        name: names.get(item.call_id) ?? '',
        content: item.output,
      });
    }
  }
  return messages;
}

/**
 * A strict Responses server whose answers come from scripted models, one script per model name
 * (scripted-wire-server.ts). Every reply has a signed reasoning item, which the client must send back.
 */
export function startScriptedResponsesServer(scripts: Record<string, string>): Promise<FakeServer> {
  const answer = scriptedAnswers(scripts);
  return startAnsweringServer('/v1', async (request) => {
    const body = request.body;
    const problem = responsesRequestProblem(body);
    if (problem) return problem;
    const messages = messagesOfInput(body.input);
    const reply = await answer(body.model, messages);
    if (isReply(reply)) return reply;
    const turns = messages.filter((m) => m.role === 'assistant').length;
    const m = reply.message;
    const options: ResponsesReplyOptions = {
      reasoning: [[`turn ${turns}`]],
      ...(m.content ? { text: m.content } : {}),
      toolCalls: (m.toolCalls ?? []).map((c) => ({ callId: c.id, name: c.name, arguments: c.rawArguments })),
      input: reply.usage.promptTokens,
      output: reply.usage.completionTokens,
      model: body.model,
    };
    return body.stream ? responsesStream(options) : responsesReply(options);
  });
}
