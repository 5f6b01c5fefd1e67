// `openai:<model>` — any OpenAI-compatible Chat Completions server, through the official SDK.
import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { ModelResponseError } from '../errors.ts';
import {
  type CompletionParts,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  excerpt,
  type ProviderIdentity,
  type ProviderOptions,
  providerModel,
  readBaseUrl,
  requireApiKey,
} from './provider-options.ts';
import { parseToolArguments } from './tool-arguments.ts';
import type { CompletionRequest, FinishReason, Message, Model, ToolCall, Usage } from './types.ts';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export function toOpenAIMessages(messages: readonly Message[]): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case 'assistant':
        return {
          role: 'assistant',
          content: m.content,
          ...(m.toolCalls?.length
            ? {
                tool_calls: m.toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: c.rawArguments },
                })),
              }
            : {}),
        };
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
      default:
        return { role: m.role, content: m.content };
    }
  });
}

function finishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}

function toToolCall(id: string | undefined, name: string, raw: string, index: number): ToolCall {
  return { id: id || `call_${index}`, name, rawArguments: raw, ...parseToolArguments(raw) };
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  /** USD, as OpenRouter and some proxies report it (`usage: { include: true }`). */
  cost?: number | null;
}

/** The cost the server reported for the call, when it did: more exact than a price table. */
const reportedCost = (u: WireUsage | null | undefined): { reportedCostUsd?: number } =>
  typeof u?.cost === 'number' && Number.isFinite(u.cost) && u.cost >= 0 ? { reportedCostUsd: u.cost } : {};

function toUsage(u: WireUsage | null | undefined): Usage {
  const reasoning = u?.completion_tokens_details?.reasoning_tokens;
  return {
    promptTokens: u?.prompt_tokens ?? 0,
    completionTokens: u?.completion_tokens ?? 0,
    cachedTokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
    ...(typeof reasoning === 'number' ? { reasoningTokens: reasoning } : {}),
  };
}

/**
 * The OpenAI client of a provider that speaks an OpenAI API (`openai`, `openai-responses`): the key and
 * base URL from OPENAI_API_KEY / OPENAI_BASE_URL, the identity errors name, the SDK's retries and timeout.
 */
export function connectOpenAI(
  provider: string,
  options: ProviderOptions,
  keyHint: string,
): { id: ProviderIdentity; client: OpenAI; env: NodeJS.ProcessEnv } {
  const env = options.env ?? process.env;
  const apiKey = requireApiKey(env, 'OPENAI_API_KEY', keyHint);
  const baseURL = readBaseUrl(env, 'OPENAI_BASE_URL', 'OPENAI_API_KEY', DEFAULT_BASE_URL);
  const id: ProviderIdentity = { provider, keyVar: 'OPENAI_API_KEY', baseUrlVar: 'OPENAI_BASE_URL', baseURL, apiKey };
  const client = new OpenAI({
    apiKey,
    baseURL,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  return { id, client, env };
}

export function createOpenAIModel(name: string, options: ProviderOptions = {}): Model {
  const { id, client, env } = connectOpenAI(
    'openai',
    options,
    '(for a local OpenAI-compatible server any non-empty value works)',
  );
  const { baseURL } = id;
  // prompt_cache_key is OpenAI's own field: some compatible servers refuse unknown fields, so it goes to
  // api.openai.com only, unless OPENAI_PROMPT_CACHE_KEY=1 (send it anywhere) or 0 (never).
  const cacheKeySetting = env.OPENAI_PROMPT_CACHE_KEY?.trim();
  const sendsCacheKey = cacheKeySetting ? cacheKeySetting === '1' : new URL(baseURL).hostname === 'api.openai.com';

  const params = (request: CompletionRequest) => ({
    model: name,
    messages: toOpenAIMessages(request.messages),
    ...(request.tools.length
      ? {
          tools: request.tools.map((t) => ({
            type: 'function' as const,
            function: { name: t.name, description: t.description, parameters: t.inputSchema },
          })),
        }
      : {}),
    ...(request.reasoningEffort ? { reasoning_effort: request.reasoningEffort } : {}),
    ...(request.promptCacheKey && sendsCacheKey ? { prompt_cache_key: request.promptCacheKey } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...((request.maxOutputTokens ?? options.defaultMaxOutputTokens)
      ? { max_completion_tokens: request.maxOutputTokens ?? options.defaultMaxOutputTokens }
      : {}),
  });

  async function completeOnce(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const response = (await client.chat.completions.create(params(request) as ChatCompletionCreateParams, {
      signal,
    })) as unknown;
    const choice = (response as { choices?: unknown[] } | null)?.choices?.[0] as
      | {
          message?: {
            content?: string | null;
            reasoning_content?: string;
            tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
          };
          finish_reason?: string;
        }
      | undefined;
    if (!choice?.message)
      throw new ModelResponseError(
        `openai at ${baseURL} sent a reply that is not a chat completion: ${excerpt(response)}`,
      );
    const calls = (choice.message.tool_calls ?? []).map((c, i) =>
      toToolCall(c.id, c.function?.name ?? '', c.function?.arguments ?? '', i),
    );
    const r = response as { usage?: WireUsage; model?: string };
    return {
      content: choice.message.content ?? '',
      reasoning: choice.message.reasoning_content ?? '',
      toolCalls: calls,
      usage: toUsage(r.usage),
      ...reportedCost(r.usage),
      finishReason: finishReason(choice.finish_reason),
      model: r.model ?? '',
    };
  }

  async function completeStreaming(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const stream = await client.chat.completions.create(
      { ...(params(request) as ChatCompletionCreateParams), stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    let content = '';
    let reasoning = '';
    let usage: Usage | undefined;
    let cost: { reportedCostUsd?: number } = {};
    let reason: FinishReason = 'other';
    let model = '';
    const calls: { id?: string; name: string; args: string }[] = [];
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      if (chunk.usage) {
        usage = toUsage(chunk.usage);
        cost = reportedCost(chunk.usage as WireUsage);
      }
      if (chunk.model) model = chunk.model;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta as ChatCompletionChunk.Choice.Delta & {
        reasoning_content?: string;
        reasoning?: string;
      };
      if (delta?.content) {
        content += delta.content;
        request.onDelta?.({ type: 'text', text: delta.content });
      }
      const thinking = delta?.reasoning_content ?? delta?.reasoning;
      if (thinking) {
        reasoning += thinking;
        request.onDelta?.({ type: 'reasoning', text: thinking });
      }
      for (const tc of delta?.tool_calls ?? []) {
        const slot = (calls[tc.index] ??= { name: '', args: '' });
        if (tc.id) slot.id = tc.id;
        if (tc.function?.name) slot.name += tc.function.name;
        if (tc.function?.arguments) slot.args += tc.function.arguments;
        request.onDelta?.({
          type: 'tool_call',
          index: tc.index,
          id: tc.id,
          name: tc.function?.name,
          argumentsDelta: tc.function?.arguments ?? '',
        });
      }
      if (choice.finish_reason) reason = finishReason(choice.finish_reason);
    }
    if (!model && !content && calls.length === 0 && !usage)
      throw new ModelResponseError(`openai at ${baseURL} sent an empty stream`);
    const toolCalls = calls.filter(Boolean).map((c, i) => toToolCall(c.id, c.name, c.args, i));
    return {
      content,
      reasoning,
      toolCalls,
      usage: usage ?? { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
      ...cost,
      finishReason: reason,
      model,
    };
  }

  return providerModel(id, name, options, { once: completeOnce, streaming: completeStreaming });
}
