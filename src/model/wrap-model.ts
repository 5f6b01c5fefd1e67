// A model that answers in its own way and is otherwise another model: the wrappers (recording,
// reasoning effort, fault injection, fallback watching) share its identity through this one function.
import type { Model } from './types.ts';

/**
 * `inner` answered through `complete`: its spec (unless given), provider, name and context window, and
 * its `priced` flag read through at each use, not copied (a provider knows its price only once it has
 * reported a call's cost).
 */
export function wrapModel(inner: Model, complete: Model['complete'], spec = inner.spec): Model {
  return {
    spec,
    provider: inner.provider,
    name: inner.name,
    contextWindow: inner.contextWindow,
    ...(inner.reasoningEffort ? { reasoningEffort: inner.reasoningEffort } : {}),
    get priced() {
      return inner.priced;
    },
    complete,
  };
}
