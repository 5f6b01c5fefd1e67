// A fake OpenAI-compatible Chat Completions server speaking the exact wire format (JSON and SSE).
import type { Message } from '../../src/model/types.ts';
import { type FakeReply, type FakeServer, startFakeHttpServer } from './fake-http-server.ts';
import { isReply, scriptedAnswers, startAnsweringServer } from './scripted-wire-server.ts';

export type { FakeReply, FakeServer };

export function startFakeOpenAIServer(replies: FakeReply[]): Promise<FakeServer> {
  return startFakeHttpServer(replies, '/v1');
}

interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}

const usageOf = (prompt: number, completion: number, cached = 0, extra: UsageExtra = {}) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached },
  ...(extra.reasoningTokens !== undefined
    ? { completion_tokens_details: { reasoning_tokens: extra.reasoningTokens } }
    : {}),
  // OpenRouter (and LiteLLM with cost tracking) report the call's cost in USD.
  ...(extra.cost !== undefined ? { cost: extra.cost } : {}),
});

interface UsageExtra {
  reasoningTokens?: number;
  cost?: number;
}

export function openaiCompletion(opts: {
  content?: string | null;
  toolCalls?: WireToolCall[];
  prompt?: number;
  completion?: number;
  cached?: number;
  reasoningTokens?: number;
  cost?: number;
  /** Reasoning text as vLLM and DeepSeek-style servers send it (`message.reasoning_content`). */
  reasoning?: string;
  model?: string;
}): FakeReply {
  const calls = opts.toolCalls ?? [];
  return {
    kind: 'json',
    body: {
      id: 'chatcmpl-fake1',
      object: 'chat.completion',
      created: 1_760_000_000,
      model: opts.model ?? 'gpt-fake',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: opts.content ?? null,
            refusal: null,
            ...(opts.reasoning !== undefined ? { reasoning_content: opts.reasoning } : {}),
            ...(calls.length
              ? {
                  tool_calls: calls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.arguments },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: calls.length ? 'tool_calls' : 'stop',
        },
      ],
      usage: usageOf(opts.prompt ?? 10, opts.completion ?? 5, opts.cached ?? 0, opts),
    },
  };
}

/** A stream: text pieces, then each tool call with its arguments split into the given pieces, then a usage-only chunk. */
export function openaiStream(opts: {
  text?: string[];
  reasoning?: string[];
  toolCalls?: { id: string; name: string; argumentPieces: string[] }[];
  prompt?: number;
  completion?: number;
  cached?: number;
  model?: string;
}): FakeReply {
  const base = {
    id: 'chatcmpl-fake2',
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: opts.model ?? 'gpt-fake',
  };
  const chunk = (delta: object, finish: string | null = null) => ({
    data: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const r of opts.reasoning ?? []) events.push(chunk({ reasoning_content: r }));
  for (const t of opts.text ?? []) events.push(chunk({ content: t }));
  (opts.toolCalls ?? []).forEach((call, index) => {
    events.push(
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of call.argumentPieces)
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  events.push(chunk({}, opts.toolCalls?.length ? 'tool_calls' : 'stop'));
  events.push({
    data: { ...base, choices: [], usage: usageOf(opts.prompt ?? 10, opts.completion ?? 5, opts.cached ?? 0) },
  } as never);
  return { kind: 'sse', events, done: true };
}

export function openaiError(status: number, message: string, headers?: Record<string, string>): FakeReply {
  const type = status === 401 ? 'invalid_request_error' : status === 429 ? 'rate_limit_exceeded' : 'server_error';
  return {
    kind: 'json',
    status,
    headers,
    body: { error: { message, type, param: null, code: status === 401 ? 'invalid_api_key' : null } },
  };
}

const invalid = (message: string, param: string | null = null): FakeReply => ({
  kind: 'json',
  status: 400,
  body: { error: { message, type: 'invalid_request_error', param, code: null } },
});

/** What the real Chat Completions API would refuse in this request body (with its reply), or undefined. */
export function chatRequestProblem(body: any): FakeReply | undefined {
  if (!Array.isArray(body?.messages)) return invalid("Missing required parameter: 'messages'.", 'messages');
  for (const [i, tool] of (body.tools ?? []).entries())
    if (tool?.type === 'function' && typeof tool.function?.name !== 'string')
      return invalid(`Missing required parameter: 'tools[${i}].function'.`, `tools[${i}].function`);
  let pending: string[] = [];
  for (const [i, m] of (body.messages as any[]).entries()) {
    if (m.role === 'tool') {
      if (!pending.includes(m.tool_call_id))
        return invalid(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      pending = pending.filter((id) => id !== m.tool_call_id);
      continue;
    }
    if (pending.length)
      return invalid(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(', ')}`,
        'messages',
      );
    if (m.role === 'assistant') pending = (m.tool_calls ?? []).map((c: { id: string }) => c.id);
  }
  return undefined;
}

/** A Chat Completions request's conversation as the model layer's messages. */
function messagesOfChat(messages: any[]): Message[] {
  return messages.map((m): Message => {
    if (m.role === 'tool') return { role: 'tool', toolCallId: m.tool_call_id, name: '', content: m.content };
    if (m.role === 'assistant')
      return {
        role: 'assistant',
        content: m.content ?? '',
        ...(m.tool_calls?.length
          ? {
              toolCalls: m.tool_calls.map((c: any) => ({
                id: c.id,
                name: c.function.name,
                rawArguments: c.function.arguments,
                arguments: {},
              })),
            }
          : {}),
      };
    return { role: m.role === 'developer' ? 'system' : m.role, content: m.content };
  });
}

/** A strict Chat Completions server answering from scripted models, one per model name (scripted-wire-server.ts). */
export function startScriptedOpenAIServer(scripts: Record<string, string>): Promise<FakeServer> {
  const answer = scriptedAnswers(scripts);
  return startAnsweringServer('/v1', async (request) => {
    const body = request.body;
    const problem = chatRequestProblem(body);
    if (problem) return problem;
    const reply = await answer(body.model, messagesOfChat(body.messages));
    if (isReply(reply)) return reply;
    const m = reply.message;
    const usage = { prompt: reply.usage.promptTokens, completion: reply.usage.completionTokens, model: body.model };
    const calls = (m.toolCalls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: c.rawArguments }));
    return body.stream
      ? openaiStream({
          ...usage,
          ...(m.content ? { text: [m.content] } : {}),
          toolCalls: calls.map((c) => ({ id: c.id, name: c.name, argumentPieces: [c.arguments] })),
        })
      : openaiCompletion({ ...usage, content: m.content || null, toolCalls: calls });
  });
}
