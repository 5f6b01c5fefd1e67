// `openai-responses:<model>` — the OpenAI Responses API (`POST /responses`), through the official SDK.
// Stateless (`store: false`): every call sends the whole conversation as input items. Reasoning items
// come back with their encrypted content (`include: ["reasoning.encrypted_content"]`), ride on the
// assistant message as providerItems tagged 'openai-responses', and are sent back verbatim, in order,
// before that turn's function calls. Their summaries become AssistantMessage.reasoning (the trace's
// reasoning_content), never prompt text.
import type {
  ResponseCreateParams,
  ResponseInputItem,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import { ModelResponseError } from '../errors.ts';
import { connectOpenAI } from './openai-model.ts';
import { type CompletionParts, excerpt, type ProviderOptions, providerModel } from './provider-options.ts';
import { parseToolArguments } from './tool-arguments.ts';
import type { CompletionRequest, FinishReason, Message, Model, Usage } from './types.ts';

const PROVIDER = 'openai-responses';

/** A reasoning item as ahe keeps it: enough for the API to restore the reasoning under store: false. */
interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  encrypted_content: string;
}

const isReasoningItem = (item: unknown): item is ReasoningItem =>
  typeof item === 'object' &&
  item !== null &&
  (item as { type?: unknown }).type === 'reasoning' &&
  typeof (item as { id?: unknown }).id === 'string' &&
  typeof (item as { encrypted_content?: unknown }).encrypted_content === 'string';

/** The conversation as Responses input items; only this provider's own items are sent back. */
export function toResponsesInput(messages: readonly Message[]): ResponseInputItem[] {
  const input: ResponseInputItem[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'assistant':
        if (m.providerItems?.provider === PROVIDER)
          for (const item of m.providerItems.items) if (isReasoningItem(item)) input.push(item);
        if (m.content) input.push({ role: 'assistant', content: m.content });
        for (const c of m.toolCalls ?? [])
          input.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.rawArguments });
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: m.toolCallId, output: m.content });
        break;
      default:
        input.push({ role: m.role, content: m.content });
    }
  }
  return input;
}

interface WireUsage {
  input_tokens?: number;
  output_tokens?: number;
  input_tokens_details?: { cached_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
  /** USD, as OpenRouter and some proxies report it. */
  cost?: number | null;
}

function toUsage(u: WireUsage | null | undefined): Usage {
  const reasoning = u?.output_tokens_details?.reasoning_tokens;
  return {
    promptTokens: u?.input_tokens ?? 0,
    completionTokens: u?.output_tokens ?? 0,
    cachedTokens: u?.input_tokens_details?.cached_tokens ?? 0,
    ...(typeof reasoning === 'number' ? { reasoningTokens: reasoning } : {}),
  };
}

interface WireResponse {
  status?: string;
  model?: string;
  output?: unknown[];
  usage?: WireUsage | null;
  incomplete_details?: { reason?: string } | null;
  error?: { code?: string; message?: string } | null;
}

function finishReason(r: WireResponse, hasCalls: boolean): FinishReason {
  if (r.status === 'incomplete') {
    const reason = r.incomplete_details?.reason;
    return reason === 'max_output_tokens' ? 'length' : reason === 'content_filter' ? 'content_filter' : 'other';
  }
  if (r.status && r.status !== 'completed') return 'other';
  return hasCalls ? 'tool_calls' : 'stop';
}

/** A finished response (the JSON reply, or the last event of a stream) as the parts of a Completion. */
function partsOf(r: WireResponse, where: string): CompletionParts {
  if (r.status === 'failed')
    throw new ModelResponseError(
      `${PROVIDER} at ${where} failed the response: ${r.error?.code ?? 'error'}: ${r.error?.message ?? excerpt(r)}`,
    );
  if (!Array.isArray(r.output))
    throw new ModelResponseError(`${PROVIDER} at ${where} sent a reply that is not a response: ${excerpt(r)}`);
  let content = '';
  const summaries: string[] = [];
  const reasoningItems: ReasoningItem[] = [];
  const toolCalls: CompletionParts['toolCalls'] = [];
  for (const raw of r.output) {
    const item = raw as {
      type?: string;
      id?: string;
      content?: { type?: string; text?: string }[];
      summary?: { text?: string }[];
      encrypted_content?: string | null;
      call_id?: string;
      name?: string;
      arguments?: string;
    };
    if (item.type === 'message') {
      for (const part of item.content ?? []) if (part.type === 'output_text' && part.text) content += part.text;
    } else if (item.type === 'reasoning') {
      const text = (item.summary ?? []).map((s) => s.text ?? '').filter(Boolean);
      summaries.push(...text);
      // Without its encrypted content an item cannot be sent back under store: false: the API would
      // look it up by id and answer 404. It is then traced (its summary) but not carried.
      if (typeof item.id === 'string' && typeof item.encrypted_content === 'string')
        reasoningItems.push({
          type: 'reasoning',
          id: item.id,
          summary: text.map((t) => ({ type: 'summary_text' as const, text: t })),
          encrypted_content: item.encrypted_content,
        });
    } else if (item.type === 'function_call') {
      const args = item.arguments ?? '';
      toolCalls.push({
        id: item.call_id || `call_${toolCalls.length}`,
        name: item.name ?? '',
        rawArguments: args,
        ...parseToolArguments(args),
      });
    }
  }
  const cost = r.usage?.cost;
  return {
    content,
    reasoning: summaries.join('\n\n'),
    toolCalls,
    usage: toUsage(r.usage),
    ...(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? { reportedCostUsd: cost } : {}),
    finishReason: finishReason(r, toolCalls.length > 0),
    model: r.model ?? '',
    ...(reasoningItems.length ? { providerItems: { provider: PROVIDER, items: reasoningItems } } : {}),
  };
}

export function createOpenAIResponsesModel(name: string, options: ProviderOptions = {}): Model {
  const { id, client } = connectOpenAI(
    PROVIDER,
    options,
    '(for a local server with the Responses API any non-empty value works)',
  );
  const { baseURL } = id;

  // Non-reasoning models refuse `include: ["reasoning.encrypted_content"]` ("Encrypted content is not
  // supported with this model"): it is asked of every model but the GPT-4 and GPT-3.5 families.
  const reasons = !/^(gpt-4|gpt-3\.5|chatgpt-4)/i.test(name);
  const params = (request: CompletionRequest): ResponseCreateParams => {
    const maxOutput = request.maxOutputTokens ?? options.defaultMaxOutputTokens;
    return {
      model: name,
      input: toResponsesInput(request.messages),
      store: false,
      ...(reasons ? { include: ['reasoning.encrypted_content' as const] } : {}),
      ...(request.tools.length
        ? {
            tools: request.tools.map((t) => ({
              type: 'function' as const,
              name: t.name,
              description: t.description,
              parameters: t.inputSchema,
              // Strict mode needs every property required and no extra ones; harness schemas need not be.
              strict: false,
            })),
          }
        : {}),
      ...(request.reasoningEffort ? { reasoning: { effort: request.reasoningEffort, summary: 'auto' as const } } : {}),
      ...(request.promptCacheKey ? { prompt_cache_key: request.promptCacheKey } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(maxOutput ? { max_output_tokens: maxOutput } : {}),
    };
  };

  async function completeOnce(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const response = (await client.responses.create({ ...params(request), stream: false }, { signal })) as unknown;
    if (typeof response !== 'object' || response === null)
      throw new ModelResponseError(
        `${PROVIDER} at ${baseURL} sent a reply that is not a response: ${excerpt(response)}`,
      );
    return partsOf(response as WireResponse, baseURL);
  }

  async function completeStreaming(request: CompletionRequest, signal?: AbortSignal): Promise<CompletionParts> {
    const stream = await client.responses.create({ ...params(request), stream: true }, { signal });
    let final: WireResponse | undefined;
    // Fallback when a stream ends without its final response event: the items as each one finished.
    const done: unknown[] = [];
    const callIndex = new Map<number, number>();
    for await (const event of stream as AsyncIterable<ResponseStreamEvent>) {
      switch (event.type) {
        case 'response.output_text.delta':
          request.onDelta?.({ type: 'text', text: event.delta });
          break;
        case 'response.reasoning_summary_text.delta':
          request.onDelta?.({ type: 'reasoning', text: event.delta });
          break;
        case 'response.output_item.added':
          if (event.item.type === 'function_call') {
            const index = callIndex.size;
            callIndex.set(event.output_index, index);
            request.onDelta?.({
              type: 'tool_call',
              index,
              id: event.item.call_id,
              name: event.item.name,
              argumentsDelta: '',
            });
          }
          break;
        case 'response.function_call_arguments.delta': {
          const index = callIndex.get(event.output_index);
          if (index !== undefined) request.onDelta?.({ type: 'tool_call', index, argumentsDelta: event.delta });
          break;
        }
        case 'response.output_item.done':
          done[event.output_index] = event.item;
          break;
        case 'response.completed':
        case 'response.incomplete':
        case 'response.failed':
          final = event.response as WireResponse;
          break;
        case 'error':
          throw new ModelResponseError(
            `${PROVIDER} at ${baseURL} sent an error event: ${event.code ?? 'error'}: ${event.message}`,
          );
      }
    }
    if (final) return partsOf(final.output?.length ? final : { ...final, output: done.filter(Boolean) }, baseURL);
    if (done.length === 0) throw new ModelResponseError(`${PROVIDER} at ${baseURL} sent an empty stream`);
    // Cut off before the final event: what finished is kept, and the reply counts as cut off.
    return partsOf({ status: 'incomplete', output: done.filter(Boolean) }, baseURL);
  }

  return providerModel(id, name, options, { once: completeOnce, streaming: completeStreaming });
}
