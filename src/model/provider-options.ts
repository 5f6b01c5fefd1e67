// Options shared by the real providers, and the mapping of SDK errors to errors a user can act on.

import { displayUrl } from '../display-url.ts';
import {
  ModelAuthError,
  ModelConnectionError,
  ModelContextOverflowError,
  ModelNotFoundError,
  ModelResponseError,
  ModelUnavailableError,
  UserError,
} from '../errors.ts';
import { contextWindowOf, costOf, DEFAULT_PRICES, type PriceTable, priceOf } from './prices.ts';
import { checkReasoningEffort } from './reasoning-effort.ts';
import type { AssistantMessage, Completion, CompletionRequest, FinishReason, Model, ToolCall, Usage } from './types.ts';

export interface ProviderOptions {
  /** Where API keys and base URLs are read from (default process.env); injected so tests are hermetic. */
  env?: NodeJS.ProcessEnv;
  /** Retries on 429, 5xx and network errors, with backoff + jitter and retry-after honoured (by the SDK). */
  maxRetries?: number;
  /** Per-call timeout. */
  timeoutMs?: number;
  prices?: PriceTable;
  /** Stream completions (default true). */
  stream?: boolean;
  /** Max output tokens when the harness sets none (Anthropic requires one). */
  defaultMaxOutputTokens?: number;
}

export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_TIMEOUT_MS = 600_000;

export interface ProviderIdentity {
  provider: string;
  keyVar: string;
  baseUrlVar: string;
  baseURL: string;
  apiKey: string;
}

/** Reads the API key, or fails with a message that names the variable to set. */
export function requireApiKey(env: NodeJS.ProcessEnv, keyVar: string, hint: string): string {
  const key = env[keyVar]?.trim();
  if (!key) throw new ModelAuthError(`${keyVar} is not set: export ${keyVar}=… ${hint}`);
  return key;
}

/**
 * The provider's base URL from `urlVar` (or `fallback`), checked before any call: not a URL, not
 * http(s), or carrying credentials (`user:password@`, which the HTTP client refuses on every call, and
 * which would be printed in every error) fails now, naming the variable, with the credentials masked.
 */
export function readBaseUrl(env: NodeJS.ProcessEnv, urlVar: string, keyVar: string, fallback: string): string {
  const text = env[urlVar]?.trim();
  if (!text) return fallback;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`${urlVar} ${displayUrl(text)}: not a URL (expected e.g. ${fallback})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UserError(`${urlVar} ${displayUrl(text)}: expected an http:// or https:// URL`);
  if (url.username || url.password)
    throw new UserError(
      `${urlVar} ${displayUrl(text)}: a base URL cannot carry credentials (user:password@ is refused by the HTTP client); give the API key in ${keyVar}`,
    );
  return text;
}

function scrub(text: string, id: ProviderIdentity): string {
  return id.apiKey ? text.split(id.apiKey).join('[REDACTED]') : text;
}

/** Whether a provider's HTTP 400 says the prompt does not fit the model's context window. */
function isContextOverflow(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'context_length_exceeded' ||
    /context_length_exceeded|prompt is too long|maximum context length/i.test(error.message)
  );
}

/** Turns an SDK error into a UserError naming what to fix; aborts pass through unchanged. */
export function mapProviderError(error: unknown, id: ProviderIdentity): unknown {
  if (!(error instanceof Error)) return new ModelResponseError(`${id.provider}: ${String(error)}`);
  if (error.name === 'APIUserAbortError' || error.name === 'AbortError') return error;
  // Already says what to fix (e.g. a reasoning effort the provider does not support).
  if (error instanceof UserError) return error;
  const status = (error as { status?: number }).status;
  const message = scrub(error.message, id);
  if (status === 401 || status === 403) {
    return new ModelAuthError(
      `${id.provider} rejected the credentials (HTTP ${status}) at ${id.baseURL}: check ${id.keyVar}${id.baseUrlVar ? ` (and ${id.baseUrlVar})` : ''}. Server said: ${message}`,
    );
  }
  const kind = error.constructor.name;
  if (kind === 'APIConnectionError' || kind === 'APIConnectionTimeoutError') {
    const why = kind === 'APIConnectionTimeoutError' ? 'timed out' : rootCause(error);
    return new ModelConnectionError(
      `cannot reach ${id.provider} at ${id.baseURL} (${why}) after retries: check ${id.baseUrlVar} and the network`,
    );
  }
  if (status === 404)
    return new ModelNotFoundError(
      `${id.provider} at ${id.baseURL} answered 404 (unknown model or wrong endpoint; check the model name and ${id.baseUrlVar}): ${message}`,
    );
  // The SDK retries these itself (backoff, retry-after); reaching here means the retries ran out.
  if (status === 408 || status === 429 || (status !== undefined && status >= 500)) {
    return new ModelUnavailableError(
      `${id.provider} at ${id.baseURL} kept answering HTTP ${status} after retries (${status === 429 ? 'rate limit or quota' : 'server error or overload'}): ${message}`,
    );
  }
  // OpenAI: code context_length_exceeded; Anthropic: "prompt is too long". The agent compacts and retries.
  if (status === 400 && isContextOverflow(error))
    return new ModelContextOverflowError(
      `${id.provider} refused the request as longer than the model's context window (HTTP 400): ${message}`,
    );
  if (status) return new ModelResponseError(`${id.provider} API error (HTTP ${status}): ${message}`);
  if (error instanceof SyntaxError)
    return new ModelResponseError(`${id.provider} at ${id.baseURL} sent a reply that is not valid JSON: ${message}`);
  if (error instanceof ModelResponseError) return error;
  return new ModelResponseError(`${id.provider}: ${message}`);
}

/** The innermost cause of a network error (e.g. ECONNREFUSED), which says more than "fetch failed". */
function rootCause(error: Error): string {
  let current: unknown = error;
  let best = error.message;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: string }).code;
    best = code
      ? `${code}${current.message && !current.message.includes(code) ? `: ${current.message}` : ''}`
      : current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return best;
}

/** A short excerpt of a bad reply for error messages. */
export function excerpt(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export interface CompletionParts {
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: FinishReason;
  /** The model the server says it used ('' when it did not say). */
  model: string;
  /** The call's cost in USD as the server reported it, when it did (used instead of the price table). */
  reportedCostUsd?: number;
  /** Items the provider needs back verbatim on later turns (AssistantMessage.providerItems). */
  providerItems?: AssistantMessage['providerItems'];
}

type Call = (request: CompletionRequest, signal?: AbortSignal) => Promise<CompletionParts>;

/**
 * A signal for one call that follows `signal` and lets go of it when released. The SDKs add an abort
 * listener to the signal a call gets and never remove it: given a session's signal directly, every call
 * of a long session would leave one behind (MaxListenersExceededWarning, and a leak).
 */
export function callSignal(signal?: AbortSignal): { signal?: AbortSignal; release: () => void } {
  if (!signal) return { release: () => {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, release: () => signal.removeEventListener('abort', onAbort) };
}

/** The Model of a real provider: one- or streaming call by option, SDK errors mapped, cost from the price table. */
export function providerModel(
  id: ProviderIdentity,
  name: string,
  options: ProviderOptions,
  calls: { once: Call; streaming: Call },
): Model {
  const spec = `${id.provider}:${name}`;
  const prices = options.prices ?? DEFAULT_PRICES;
  const call = options.stream === false ? calls.once : calls.streaming;
  let costReported = false;
  return {
    spec,
    provider: id.provider,
    name,
    contextWindow: contextWindowOf(spec),
    // Known from the price table, or once the server has reported a call's cost itself.
    get priced() {
      return priceOf(spec, prices) !== undefined || costReported;
    },
    async complete(request, signal): Promise<Completion> {
      // A level the provider does not support fails before any request, naming the provider.
      checkReasoningEffort(id.provider, request.reasoningEffort);
      let parts: CompletionParts;
      const scope = callSignal(signal);
      try {
        parts = await call(request, scope.signal);
      } catch (error) {
        throw mapProviderError(error, id);
      } finally {
        scope.release();
      }
      const { content, reasoning, toolCalls, usage } = parts;
      if (parts.reportedCostUsd !== undefined) costReported = true;
      return {
        message: {
          role: 'assistant',
          content,
          ...(reasoning ? { reasoning } : {}),
          ...(toolCalls.length ? { toolCalls } : {}),
          ...(parts.providerItems?.items.length ? { providerItems: parts.providerItems } : {}),
        },
        usage,
        costUsd: parts.reportedCostUsd ?? costOf(spec, usage, prices),
        finishReason: toolCalls.length && parts.finishReason === 'stop' ? 'tool_calls' : parts.finishReason,
        model: parts.model || name,
      };
    },
  };
}
