// Wraps a real model so every completion is also written to a cassette, for offline replay.
import { appendCassette, hashRequest, storableRequest } from './cassette.ts';
import type { Model } from './types.ts';

export function recordModel(inner: Model, cassette: string): Model {
  let index = 0;
  return {
    spec: inner.spec,
    provider: inner.provider,
    name: inner.name,
    contextWindow: inner.contextWindow,
    // Read through, not copied: a provider knows its price only once it has reported a call's cost.
    get priced() {
      return inner.priced;
    },
    async complete(request, signal) {
      const completion = await inner.complete(request, signal);
      appendCassette(cassette, {
        v: 1,
        index: index++,
        request_hash: hashRequest(request),
        request: storableRequest(request),
        completion,
      });
      return completion;
    },
  };
}
