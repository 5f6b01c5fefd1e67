// `anthropic:<model>` — the Anthropic Messages API, through the official SDK.
import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParams,
  MessageParam,
  RawMessageStreamEvent,
} from '@anthropic-ai/sdk/resources/messages';
import { ModelResponseError } from '../errors.ts';
import {
  type CompletionParts,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  excerpt,
  type ProviderIdentity,
  type ProviderOptions,
  providerModel,
  requireApiKey,
} from './provider-options.ts';
import { parseToolArguments } from './tool-arguments.ts';
import type { CompletionRequest, FinishReason, Message, Model, ToolCall, Usage } from './types.ts';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_MAX_TOKENS = 8192;

/** System prompt apart; tool results as user tool_result blocks; adjacent same-role turns merged (the API requires alternation). */
export function toAnthropicMessages(messages: readonly Message[]): { system: string; messages: MessageParam[] } {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const out: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: m.content }]);
    else if (m.role === 'tool')
      push('user', [
        {
          type: 'tool_result',
          tool_use_id: m.toolCallId,
          content: m.content,
          ...(m.isError ? { is_error: true } : {}),
        },
      ]);
    else if (m.role === 'assistant') {
      const blocks: ContentBlockParam[] = m.content ? [{ type: 'text', text: m.content }] : [];
      for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
      push('assistant', blocks.length ? blocks : [{ type: 'text', text: '(no content)' }]);
    }
  }
  return { system, messages: out };
}

function finishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

function toUsage(u: WireUsage): Usage {
  const cached = u.cache_read_input_tokens ?? 0;
  return {
    promptTokens: (u.input_tokens ?? 0) + cached + (u.cache_creation_input_tokens ?? 0),
    completionTokens: u.output_tokens ?? 0,
    cachedTokens: cached,
  };
}

export function createAnthropicModel(name: string, options: ProviderOptions = {}): Model {
  const env = options.env ?? process.env;
  const apiKey = requireApiKey(env, 'ANTHROPIC_API_KEY', '(an Anthropic API key)');
  const baseURL = env.ANTHROPIC_BASE_URL?.trim() || DEFAULT_BASE_URL;
  const id: ProviderIdentity = {
    provider: 'anthropic',
    keyVar: 'ANTHROPIC_API_KEY',
    baseUrlVar: 'ANTHROPIC_BASE_URL',
    baseURL,
    apiKey,
  };
  const client = new Anthropic({
    apiKey,
    baseURL,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });

  const params = (request: CompletionRequest): MessageCreateParams => {
    const { system, messages } = toAnthropicMessages(request.messages);
    return {
      model: name,
      max_tokens: request.maxOutputTokens ?? options.defaultMaxOutputTokens ?? DEFAULT_MAX_TOKENS,
      messages,
      ...(system ? { system } : {}),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({
              name: t.name,
              description: t.description,
              input_schema: t.inputSchema as { type: 'object' },
            })),
          }
        : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    };
  };

  async function completeOnce(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const response = (await client.messages.create({ ...params(request), stream: false }, { signal })) as unknown as {
      content?: { type: string; text?: string; thinking?: string; id?: string; name?: string; input?: unknown }[];
      usage?: WireUsage;
      stop_reason?: string;
      model?: string;
    };
    if (!Array.isArray(response?.content))
      throw new ModelResponseError(`anthropic at ${baseURL} sent a reply that is not a message: ${excerpt(response)}`);
    let text = '';
    let reasoning = '';
    const calls: ToolCall[] = [];
    for (const block of response.content) {
      if (block.type === 'text') text += block.text ?? '';
      else if (block.type === 'thinking') reasoning += block.thinking ?? '';
      else if (block.type === 'tool_use') {
        const raw = JSON.stringify(block.input ?? {});
        calls.push({
          id: block.id ?? `call_${calls.length}`,
          name: block.name ?? '',
          rawArguments: raw,
          ...parseToolArguments(raw),
        });
      }
    }
    return {
      content: text,
      reasoning,
      toolCalls: calls,
      usage: toUsage(response.usage ?? {}),
      finishReason: finishReason(response.stop_reason),
      model: response.model ?? '',
    };
  }

  async function completeStreaming(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const stream = await client.messages.create({ ...params(request), stream: true }, { signal });
    let text = '';
    let reasoning = '';
    let usage: WireUsage = {};
    let reason: FinishReason = 'other';
    let model = '';
    let sawStart = false;
    const blocks = new Map<number, { id: string; name: string; json: string }>();
    for await (const event of stream as AsyncIterable<RawMessageStreamEvent>) {
      switch (event.type) {
        case 'message_start':
          sawStart = true;
          model = event.message.model;
          usage = { ...event.message.usage };
          break;
        case 'content_block_start':
          if (event.content_block.type === 'tool_use')
            blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
          break;
        case 'content_block_delta': {
          const d = event.delta;
          if (d.type === 'text_delta') {
            text += d.text;
            request.onDelta?.({ type: 'text', text: d.text });
          } else if (d.type === 'thinking_delta') {
            reasoning += d.thinking;
            request.onDelta?.({ type: 'reasoning', text: d.thinking });
          } else if (d.type === 'input_json_delta') {
            const block = blocks.get(event.index);
            if (block) block.json += d.partial_json;
            request.onDelta?.({ type: 'tool_call', index: event.index, argumentsDelta: d.partial_json });
          }
          break;
        }
        case 'message_delta':
          reason = finishReason(event.delta.stop_reason);
          // message_delta carries cumulative counts; keep message_start's input counts where absent.
          for (const [k, v] of Object.entries(event.usage ?? {}))
            if (v !== null && v !== undefined) (usage as Record<string, unknown>)[k] = v;
          break;
        default:
          break;
      }
    }
    if (!sawStart) throw new ModelResponseError(`anthropic at ${baseURL} sent a stream without message_start`);
    const calls = [...blocks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, b]) => ({ id: b.id, name: b.name, rawArguments: b.json, ...parseToolArguments(b.json) }));
    return { content: text, reasoning, toolCalls: calls, usage: toUsage(usage), finishReason: reason, model };
  }

  return providerModel(id, name, options, { once: completeOnce, streaming: completeStreaming });
}
