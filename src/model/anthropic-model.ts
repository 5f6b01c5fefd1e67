// `anthropic:<model>` — the Anthropic Messages API, through the official SDK: extended thinking from the
// request's reasoning effort (thinking blocks carried back verbatim across tool turns, as the API
// requires) and prompt-cache breakpoints on the stable prefix (docs/models.md, "Anthropic").
import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParams,
  RawMessageStreamEvent,
  RedactedThinkingBlockParam,
  TextBlockParam,
  ThinkingBlockParam,
  Tool,
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
  readBaseUrl,
  requireApiKey,
} from './provider-options.ts';
import { anthropicThinkingBudget } from './reasoning-effort.ts';
import { parseToolArguments } from './tool-arguments.ts';
import type { AssistantMessage, CompletionRequest, FinishReason, Message, Model, ToolCall, Usage } from './types.ts';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const DEFAULT_MAX_TOKENS = 8192;
const PROVIDER = 'anthropic';

/** A conversation turn as this provider builds it (always an array of blocks). */
export interface Turn {
  role: 'user' | 'assistant';
  content: ContentBlockParam[];
}

/** A thinking or redacted_thinking block exactly as the API sent it (signature or data intact). */
export type ThinkingItem = ThinkingBlockParam | RedactedThinkingBlockParam;

const isThinkingItem = (item: unknown): item is ThinkingItem => {
  const t = (item as { type?: unknown } | null)?.type;
  return t === 'thinking' || t === 'redacted_thinking';
};

/** The thinking blocks an assistant message carries for this provider (another provider's items are not ours to send). */
function thinkingItemsOf(m: AssistantMessage): ThinkingItem[] {
  return m.providerItems?.provider === PROVIDER ? m.providerItems.items.filter(isThinkingItem) : [];
}

/**
 * System prompt apart; tool results as user tool_result blocks; adjacent same-role turns merged (the API
 * requires alternation). With `thinking`, an assistant turn's thinking blocks (providerItems) go back first,
 * verbatim: the API refuses a tool-use turn whose thinking is missing or altered. Without thinking they are
 * left out (the reasoning stays in the trace; it is never sent as text).
 */
export function toAnthropicMessages(
  messages: readonly Message[],
  opts: { thinking?: boolean } = {},
): { system: string; messages: Turn[] } {
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const out: Turn[] = [];
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
      if (!blocks.length) blocks.push({ type: 'text', text: '(no content)' });
      push('assistant', [...(opts.thinking ? thinkingItemsOf(m).map((b) => ({ ...b })) : []), ...blocks]);
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
  output_tokens_details?: { thinking_tokens?: number | null } | null;
}

/**
 * Anthropic's `input_tokens` counts only the tokens after the last cache breakpoint: the prompt is that
 * plus the tokens read from the cache plus those written to it. Cache writes are reported apart (they
 * are priced apart), thinking tokens too when the API breaks them out.
 */
export function toUsage(u: WireUsage): Usage {
  const cached = u.cache_read_input_tokens ?? 0;
  const written = u.cache_creation_input_tokens;
  const thinking = u.output_tokens_details?.thinking_tokens;
  return {
    promptTokens: (u.input_tokens ?? 0) + cached + (written ?? 0),
    completionTokens: u.output_tokens ?? 0,
    cachedTokens: cached,
    ...(typeof written === 'number' ? { cacheWriteTokens: written } : {}),
    ...(typeof thinking === 'number' ? { reasoningTokens: thinking } : {}),
  };
}

/** Anthropic's limit on cache_control breakpoints in one request. */
export const MAX_CACHE_BREAKPOINTS = 4;
const EPHEMERAL = { type: 'ephemeral' } as const;

/** Block types the API lets carry cache_control (thinking blocks cannot). */
const cacheable = (block: ContentBlockParam) => block.type !== 'thinking' && block.type !== 'redacted_thinking';

/**
 * Marks the growing conversation for the prefix cache: the last block of the last message (written to
 * the cache now) and the last block of the user turn before it (where the previous request put its
 * breakpoint, so this request reads at least that prefix back even when a turn adds more blocks than
 * the API's lookback of 20). With the system prompt and the tool list that makes 4 breakpoints, the
 * API's maximum. Returns new message objects; the input is not touched.
 */
export function withConversationBreakpoints(messages: readonly Turn[], budget: number): Turn[] {
  const out = [...messages];
  const marks: number[] = [];
  for (let i = out.length - 1; i >= 0 && marks.length < Math.min(budget, 2); i--) {
    // The last message, then the previous user turn (what the previous request ended with).
    if (marks.length === 0 || out[i]!.role === 'user') marks.push(i);
  }
  for (const i of marks) {
    const m = out[i]!;
    const content = [...m.content];
    let at = content.length - 1;
    while (at >= 0 && !cacheable(content[at]!)) at--;
    if (at < 0) continue;
    content[at] = { ...content[at]!, cache_control: EPHEMERAL } as ContentBlockParam;
    out[i] = { ...m, content };
  }
  return out;
}

/** Options of the Anthropic provider beyond the shared ones. */
export interface AnthropicOptions extends ProviderOptions {
  /** cache_control breakpoints on the system prompt, the tool list and the conversation (default true). */
  promptCaching?: boolean;
}

/**
 * The request body. With a reasoning effort, `thinking` gets the level's budget; `max_tokens` is then
 * that budget plus the answer's allowance (the API requires max_tokens > budget_tokens, and thinking
 * counts against max_tokens), and the temperature is not sent (the API accepts none but 1 with thinking).
 */
export function anthropicParams(
  name: string,
  request: CompletionRequest,
  opts: { defaultMaxOutputTokens?: number; promptCaching?: boolean } = {},
): MessageCreateParams {
  const budget = request.reasoningEffort ? anthropicThinkingBudget(request.reasoningEffort) : undefined;
  const caching = opts.promptCaching !== false;
  const { system, messages } = toAnthropicMessages(request.messages, { thinking: budget !== undefined });
  const answerTokens = request.maxOutputTokens ?? opts.defaultMaxOutputTokens ?? DEFAULT_MAX_TOKENS;
  let breakpoints = MAX_CACHE_BREAKPOINTS;
  let systemParam: string | TextBlockParam[] | undefined = system || undefined;
  if (system && caching) {
    systemParam = [{ type: 'text', text: system, cache_control: EPHEMERAL }];
    breakpoints--;
  }
  const tools: Tool[] = request.tools.map((t) => ({
    name: t.name,
    description: t.description,
    input_schema: t.inputSchema as Tool['input_schema'],
  }));
  if (tools.length && caching) {
    tools[tools.length - 1] = { ...tools.at(-1)!, cache_control: EPHEMERAL };
    breakpoints--;
  }
  return {
    model: name,
    max_tokens: budget === undefined ? answerTokens : budget + answerTokens,
    messages: caching ? withConversationBreakpoints(messages, breakpoints) : messages,
    ...(systemParam ? { system: systemParam } : {}),
    ...(tools.length ? { tools } : {}),
    ...(budget !== undefined ? { thinking: { type: 'enabled' as const, budget_tokens: budget } } : {}),
    ...(request.temperature !== undefined && budget === undefined ? { temperature: request.temperature } : {}),
  };
}

/** What a reply's thinking blocks become: the trace's reasoning text and the items sent back verbatim. */
function thinkingParts(items: ThinkingItem[]): Pick<CompletionParts, 'providerItems'> {
  return items.length ? { providerItems: { provider: PROVIDER, items } } : {};
}

export function createAnthropicModel(name: string, options: AnthropicOptions = {}): Model {
  const env = options.env ?? process.env;
  const apiKey = requireApiKey(env, 'ANTHROPIC_API_KEY', '(an Anthropic API key)');
  const baseURL = readBaseUrl(env, 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', DEFAULT_BASE_URL);
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

  const params = (request: CompletionRequest): MessageCreateParams =>
    anthropicParams(name, request, {
      defaultMaxOutputTokens: options.defaultMaxOutputTokens,
      promptCaching: options.promptCaching,
    });

  async function completeOnce(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const response = (await client.messages.create({ ...params(request), stream: false }, { signal })) as unknown as {
      content?: {
        type: string;
        text?: string;
        thinking?: string;
        signature?: string;
        data?: string;
        id?: string;
        name?: string;
        input?: unknown;
      }[];
      usage?: WireUsage;
      stop_reason?: string;
      model?: string;
    };
    if (!Array.isArray(response?.content))
      throw new ModelResponseError(`anthropic at ${baseURL} sent a reply that is not a message: ${excerpt(response)}`);
    let text = '';
    let reasoning = '';
    const calls: ToolCall[] = [];
    const thinking: ThinkingItem[] = [];
    for (const block of response.content) {
      if (block.type === 'text') text += block.text ?? '';
      else if (block.type === 'thinking') {
        reasoning += block.thinking ?? '';
        thinking.push({ type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
      } else if (block.type === 'redacted_thinking')
        thinking.push({ type: 'redacted_thinking', data: block.data ?? '' });
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
      ...thinkingParts(thinking),
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
    // Thinking blocks by index: text from thinking_delta, the signature from signature_delta.
    const thinking = new Map<number, ThinkingItem>();
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
          else if (event.content_block.type === 'thinking') {
            const { thinking: t = '', signature = '' } = event.content_block;
            thinking.set(event.index, { type: 'thinking', thinking: t, signature });
            reasoning += t;
          } else if (event.content_block.type === 'redacted_thinking')
            thinking.set(event.index, { type: 'redacted_thinking', data: event.content_block.data });
          break;
        case 'content_block_delta': {
          const d = event.delta;
          if (d.type === 'text_delta') {
            text += d.text;
            request.onDelta?.({ type: 'text', text: d.text });
          } else if (d.type === 'thinking_delta') {
            reasoning += d.thinking;
            const block = thinking.get(event.index);
            if (block?.type === 'thinking') block.thinking += d.thinking;
            request.onDelta?.({ type: 'reasoning', text: d.thinking });
          } else if (d.type === 'signature_delta') {
            const block = thinking.get(event.index);
            if (block?.type === 'thinking') block.signature = d.signature;
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
    const items = [...thinking.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
    return {
      content: text,
      reasoning,
      toolCalls: calls,
      usage: toUsage(usage),
      finishReason: reason,
      model,
      ...thinkingParts(items),
    };
  }

  return providerModel(id, name, options, { once: completeOnce, streaming: completeStreaming });
}
