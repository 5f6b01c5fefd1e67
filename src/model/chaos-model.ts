// `chaos:<rate>[:seed=<n>][:faults=<a,b,…>]:<inner spec>` — a fault-injection wrapper for tests and demos.
// Each model call is, with probability <rate>, replaced by one of the faults real providers produce
// (chosen uniformly among the enabled kinds); otherwise it goes to the inner model unchanged.
//
// A faulted call never reaches the inner model, and the inner model never sees an injected turn: a
// scripted model's cursor only moves on the calls it answers and its `expect` checks see the
// conversation they were written for, so the script resumes where it was once the agent calls again.
// The draw for a call is a hash of the seed, the conversation's start (system prompt and first user
// message), the number of assistant turns so far and how often that same point was drawn before in the
// process — so it does not depend on the order in which concurrent trials run, and a retried trial
// draws afresh. See docs/models.md.
import { createHash } from 'node:crypto';
import { APIConnectionTimeoutError, APIError } from 'openai';
import { CHAOS_FAULTS, type ChaosFault, type ChaosOptions, parseChaosSpec } from './chaos-spec.ts';
import { countMessageTokens } from './count-tokens.ts';
import { mapProviderError, type ProviderIdentity } from './provider-options.ts';
import { parseToolArguments } from './tool-arguments.ts';
import type { Completion, CompletionRequest, FinishReason, Model, ToolCall } from './types.ts';
import { wrapModel } from './wrap-model.ts';

export {
  CHAOS_FAULTS,
  type ChaosFault,
  type ChaosOptions,
  DEFAULT_CHAOS_SEED,
  type ParsedChaosSpec,
  parseChaosSpec,
} from './chaos-spec.ts';

/** Characters of a `huge_content` reply: a runaway answer of ~64K tokens. */
export const HUGE_CONTENT_CHARS = 256 * 1024;

/** Draw counts shared by every chaos model created through createModel in this process. */
const PROCESS_DRAWS = new Map<string, number>();

/** `createModel`'s `chaos:` case: parses the spec, builds the inner model with `createInner`, wraps it. */
export async function createChaosModel(
  rest: string,
  env: NodeJS.ProcessEnv | undefined,
  createInner: (spec: string) => Promise<Model>,
): Promise<Model> {
  const { options, inner } = parseChaosSpec(rest, env);
  return chaosModel(await createInner(inner), { ...options, draws: PROCESS_DRAWS });
}

/** Two uniform numbers in [0, 1) from a key: whether to fault, and which fault. */
function draw(key: string): [number, number] {
  const digest = createHash('sha256').update(key).digest();
  return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}

function drawPoint(request: CompletionRequest, seed: number): string {
  const first = (role: string) => request.messages.find((m) => m.role === role)?.content ?? '';
  const turn = request.messages.filter((m) => m.role === 'assistant').length;
  return createHash('sha256')
    .update(JSON.stringify([seed, first('system'), first('user'), turn]))
    .digest('hex');
}

/** Picks the fault for this call, or none. */
export function chooseFault(
  request: CompletionRequest,
  options: ChaosOptions,
  draws: Map<string, number>,
): ChaosFault | undefined {
  const point = drawPoint(request, options.seed);
  const seen = draws.get(point) ?? 0;
  draws.set(point, seen + 1);
  const [u, v] = draw(`${point}:${seen}`);
  if (u >= options.rate || options.faults.length === 0) return undefined;
  return options.faults[Math.floor(v * options.faults.length)];
}

// Provider errors go through the SDK's own error classes and the real providers' mapping, so a chaos
// 429 is exactly what `openai:` throws once its retries are exhausted.
const CHAOS_IDENTITY: ProviderIdentity = {
  provider: 'chaos',
  keyVar: 'the chaos: spec',
  baseUrlVar: 'the chaos: rate',
  baseURL: '(injected fault)',
  apiKey: '',
};

function providerError(fault: ChaosFault): unknown {
  const headers = new Headers();
  switch (fault) {
    case 'rate_limited':
      return mapProviderError(
        APIError.generate(
          429,
          { message: 'injected fault: rate limit reached' },
          'injected fault: rate limit reached',
          headers,
        ),
        CHAOS_IDENTITY,
      );
    case 'server_error':
      return mapProviderError(
        APIError.generate(
          500,
          { message: 'injected fault: the server had an error' },
          'injected fault: the server had an error',
          headers,
        ),
        CHAOS_IDENTITY,
      );
    default:
      return mapProviderError(
        new APIConnectionTimeoutError({ message: 'injected fault: request timed out' }),
        CHAOS_IDENTITY,
      );
  }
}

function toolCall(index: number, name: string, raw: string): ToolCall {
  return { id: `chaos_fault_${index}`, name, rawArguments: raw, ...parseToolArguments(raw) };
}

/** The reply a faulty provider would send instead of a real one. */
function faultyReply(
  fault: ChaosFault,
  request: CompletionRequest,
  index: number,
): { content: string; toolCalls: ToolCall[]; finishReason: FinishReason } {
  const tool = request.tools[0]?.name ?? 'run_shell_command';
  switch (fault) {
    case 'malformed_arguments':
      // Beyond what jsonrepair can mend: the runtime must answer with a tool error, not run the tool.
      return {
        content: '',
        toolCalls: [toolCall(index, tool, '{"command": "ls -la"}}</tool_call>{')],
        finishReason: 'tool_calls',
      };
    case 'unknown_tool': {
      let name = `functions.${tool}`;
      while (request.tools.some((t) => t.name === name)) name += '_';
      return { content: '', toolCalls: [toolCall(index, name, '{}')], finishReason: 'tool_calls' };
    }
    case 'empty_reply':
      return { content: '', toolCalls: [], finishReason: 'stop' };
    case 'truncated':
      return {
        content: 'Let me first look at the files in the working directory and then',
        toolCalls: [],
        finishReason: 'length',
      };
    default: {
      const line = 'I will now check the output once more to be completely sure that it is right.\n';
      return {
        content: line.repeat(Math.ceil(HUGE_CONTENT_CHARS / line.length)).slice(0, HUGE_CONTENT_CHARS),
        toolCalls: [],
        finishReason: 'length',
      };
    }
  }
}

/**
 * The conversation as the inner model would have had it: its own turns only. An injected tool call and
 * the runtime's answer to it are left out, so a script's `expect` checks still see what they expect.
 */
function withoutInjected(request: CompletionRequest, injected: ReadonlySet<string>): CompletionRequest {
  if (injected.size === 0) return request;
  const messages = request.messages.filter((m) =>
    m.role === 'tool'
      ? !injected.has(m.toolCallId)
      : !(m.role === 'assistant' && m.toolCalls?.length && m.toolCalls.every((c) => injected.has(c.id))),
  );
  return messages.length === request.messages.length ? request : { ...request, messages };
}

const PROVIDER_FAULTS: readonly ChaosFault[] = ['rate_limited', 'server_error', 'timeout'];

export function chaosModel(inner: Model, options: ChaosOptions): Model {
  const draws = options.draws ?? new Map<string, number>();
  const opts = `seed=${options.seed}:${options.faults.length === CHAOS_FAULTS.length ? '' : `faults=${options.faults.join(',')}:`}`;
  let calls = 0;
  const injected = new Set<string>();
  return wrapModel(
    inner,
    async (request, signal): Promise<Completion> => {
      const index = calls++;
      const fault = chooseFault(request, options, draws);
      if (!fault) return inner.complete(withoutInjected(request, injected), signal);
      if (PROVIDER_FAULTS.includes(fault)) throw providerError(fault);
      const reply = faultyReply(fault, request, index);
      for (const call of reply.toolCalls) injected.add(call.id);
      if (reply.content) request.onDelta?.({ type: 'text', text: reply.content.slice(0, 1000) });
      // Estimated (4 characters a token): tokenizing a huge reply would cost more than the call it replaces.
      const completionTokens = Math.ceil(
        (reply.content.length + reply.toolCalls.reduce((n, c) => n + c.rawArguments.length + 16, 0)) / 4,
      );
      return {
        message: {
          role: 'assistant',
          content: reply.content,
          ...(reply.toolCalls.length ? { toolCalls: reply.toolCalls } : {}),
        },
        usage: { promptTokens: countMessageTokens(request.messages), completionTokens, cachedTokens: 0 },
        costUsd: 0,
        finishReason: reply.finishReason,
        // What the trace's model_call records: every injected reply says which fault it is.
        model: `${inner.name} [chaos: ${fault}]`,
      };
    },
    `chaos:${options.rate}:${opts}${inner.spec}`,
  );
}
