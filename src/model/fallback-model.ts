// `--fallback-model SPEC`: a Model that answers with the primary model and, once the primary cannot be
// used — its provider still refused or could not be reached after the SDK's retries (ModelUnavailableError,
// ModelConnectionError) or it does not know the model (ModelNotFoundError) — answers that request and every
// later one of the session with the fallback model. The switch is one-way: a session never flips back and
// forth between two models mid-conversation, and what it measured is plainly "the fallback took over".
// Each completion the fallback served carries `fallback` (from, to, reason): the trace's model_call events
// show it and their `model` names the model that spent; observeFallback gives a trial what it used.
//
// Other errors (bad credentials, a rejected request, a context overflow) are not the provider being down:
// they propagate from the primary as before. When the fallback fails too, its error propagates, so the
// infrastructure-error rules apply unchanged (docs/results.md).
import { ModelConnectionError, ModelNotFoundError, ModelUnavailableError } from '../errors.ts';
import type { Completion, Model } from './types.ts';
import { wrapModel } from './wrap-model.ts';

/** Error names on which the fallback takes over. */
export const FALLBACK_ERRORS: readonly string[] = [
  ModelUnavailableError.name,
  ModelConnectionError.name,
  ModelNotFoundError.name,
];

/** Whether an error makes the fallback take over. */
export function triggersFallback(error: unknown): boolean {
  return error instanceof Error && FALLBACK_ERRORS.includes(error.name);
}

export function withFallback(primary: Model, fallback: Model): Model {
  let switched: Completion['fallback'];
  const serve = async (request: Parameters<Model['complete']>[0], signal?: AbortSignal): Promise<Completion> => ({
    ...(await fallback.complete(request, signal)),
    fallback: { ...switched! },
  });
  return {
    spec: primary.spec,
    provider: primary.provider,
    name: primary.name,
    // The smaller window: compaction must keep the conversation within whichever model answers.
    contextWindow:
      primary.contextWindow && fallback.contextWindow
        ? Math.min(primary.contextWindow, fallback.contextWindow)
        : (primary.contextWindow ?? fallback.contextWindow),
    // Read through, not copied (a provider knows its price once it reported a cost); either model may answer,
    // so the cost is unknown as soon as either's price is.
    get priced() {
      if (primary.priced === false || fallback.priced === false) return false;
      return primary.priced ?? fallback.priced;
    },
    async complete(request, signal): Promise<Completion> {
      if (switched) return serve(request, signal);
      try {
        return await primary.complete(request, signal);
      } catch (error) {
        if (signal?.aborted || !triggersFallback(error)) throw error;
        const reason = `${(error as Error).name}: ${(error as Error).message}`;
        switched = { from: primary.spec, to: fallback.spec, reason };
        return serve(request, signal);
      }
    },
  };
}

/** What a session's model used of its fallback: the switch, and the calls the fallback served. */
export interface FallbackUse {
  from: string;
  to: string;
  reason: string;
  calls: number;
}

/**
 * Watches a model's completions (whatever wraps it) for ones a fallback served: `used()` says whether,
 * from what to what and how often. A trial wraps its agent's model in it to mark its result.json.
 */
export function observeFallback(model: Model): Model & { used(): FallbackUse | undefined } {
  let use: FallbackUse | undefined;
  const observed = wrapModel(model, async (request, signal) => {
    const completion = await model.complete(request, signal);
    if (completion.fallback) {
      use ??= { ...completion.fallback, calls: 0 };
      use.calls++;
    }
    return completion;
  });
  // Object.assign keeps the wrapper's priced getter: the source has no `priced` of its own.
  return Object.assign(observed, { used: () => (use ? { ...use } : undefined) });
}

/** What a model wrapped by observeFallback used of its fallback (undefined for any other model). */
export function fallbackUseOf(model: Model): FallbackUse | undefined {
  return (model as Partial<ReturnType<typeof observeFallback>>).used?.();
}
