// One step's model call: the request through the model-phase middleware, the call itself, and the
// charge. Usage and cost are counted from what the model returned, call by call, never from what
// middleware hands back — a hook can neither hide spend nor fake it.
import type { Completion, CompletionRequest, Usage } from '../model/types.ts';
import { addUsage, ZERO_USAGE } from '../model/types.ts';
import { describeError, type Session, type SessionEnd, stopStatus } from './session.ts';

/** What one step's model call produced: the completion (as middleware left it) and what the model spent. */
export interface ModelReply {
  ok: true;
  completion: Completion;
  /** Summed over every call the model-phase middleware made (usually one). */
  usage: Usage;
  costUsd: number;
  modelCalls: number;
  durationMs: number;
}

/** A model call that failed ends the session: 'error', or the stop status when it was cancelled. */
export interface ModelFailure {
  ok: false;
  end: SessionEnd;
}

export async function callModel(session: Session): Promise<ModelReply | ModelFailure> {
  const { chain, ctx, options, signal, state } = session;
  const started = session.clock();
  const spent: Completion[] = [];
  let completion: Completion;
  try {
    let request: CompletionRequest = {
      messages: [...state.messages],
      tools: session.definitions,
      temperature: session.spec.harness.model.temperature,
      maxOutputTokens: session.spec.harness.model.maxOutputTokens,
      // Reasoning effort from harness.yaml (a run's --reasoning-effort overrides it in the model, create-model.ts);
      // the harness's content hash keys the provider's prompt cache, so every call of a harness shares it.
      reasoningEffort: session.spec.harness.model.reasoningEffort,
      promptCacheKey: session.spec.harness.contentHash || undefined,
    };
    request = await chain.beforeModel(request, ctx);
    completion = await chain.wrapModelCall(
      request,
      async (r) => {
        const c = await options.model.complete(r, signal);
        spent.push(c);
        return c;
      },
      ctx,
    );
    completion = await chain.afterModel(completion, ctx);
  } catch (error) {
    // What was spent before the failure still counts.
    chargeCalls(session, spent);
    if (signal.aborted) return { ok: false, end: { status: stopStatus(session) } };
    const { type, message } = describeError(error);
    session.trace.emit('model_error', { step: state.step, error_type: type, message });
    return { ok: false, end: { status: 'error', error: `${type}: ${message}`, errorType: type } };
  }
  const charged = chargeCalls(session, spent);
  return { ok: true, completion, ...charged, durationMs: session.clock() - started };
}

/** Adds what the model returned to the tree's ledger and to this session's totals. */
export function chargeCalls(
  session: Pick<Session, 'ledger' | 'usage' | 'costUsd'>,
  spent: readonly Completion[],
): { usage: Usage; costUsd: number; modelCalls: number } {
  let usage: Usage = ZERO_USAGE;
  let costUsd = 0;
  for (const c of spent) {
    session.ledger.usage = addUsage(session.ledger.usage, c.usage);
    session.ledger.costUsd += c.costUsd;
    session.usage = addUsage(session.usage, c.usage);
    session.costUsd += c.costUsd;
    usage = addUsage(usage, c.usage);
    costUsd += c.costUsd;
  }
  return { usage, costUsd, modelCalls: spent.length };
}

/** The `model_call` event of a step (docs/traces.md). */
export function modelCallEvent(step: number, reply: ModelReply): Record<string, unknown> {
  const { message } = reply.completion;
  return {
    step,
    message: {
      content: message.content,
      ...(message.reasoning ? { reasoning: message.reasoning } : {}),
      ...(message.toolCalls?.length
        ? {
            tool_calls: message.toolCalls.map((c) => ({
              id: c.id,
              name: c.name,
              arguments: c.arguments,
              raw_arguments: c.rawArguments,
              ...(c.argumentsError ? { arguments_error: c.argumentsError } : {}),
            })),
          }
        : {}),
    },
    usage: {
      prompt_tokens: reply.usage.promptTokens,
      completion_tokens: reply.usage.completionTokens,
      cached_tokens: reply.usage.cachedTokens,
      // Reported by some providers only (docs/models.md): present when they were.
      ...(reply.usage.cacheWriteTokens !== undefined ? { cache_write_tokens: reply.usage.cacheWriteTokens } : {}),
      ...(reply.usage.reasoningTokens !== undefined ? { reasoning_tokens: reply.usage.reasoningTokens } : {}),
    },
    cost_usd: reply.costUsd,
    ...(reply.modelCalls !== 1 ? { model_calls: reply.modelCalls } : {}),
    finish_reason: reply.completion.finishReason,
    duration_ms: reply.durationMs,
    model: reply.completion.model,
    // A call the fallback model served (src/model/fallback-model.ts): both specs and why the primary was left.
    ...(reply.completion.fallback ? { fallback: reply.completion.fallback } : {}),
  };
}
