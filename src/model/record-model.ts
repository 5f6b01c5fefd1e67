// Wraps a real model so every completion is also written to a cassette, for offline replay.
import { appendCassette, hashRequest, storableRequest } from './cassette.ts';
import type { Model } from './types.ts';
import { wrapModel } from './wrap-model.ts';

export function recordModel(inner: Model, cassette: string): Model {
  let index = 0;
  return wrapModel(inner, async (request, signal) => {
    const completion = await inner.complete(request, signal);
    appendCassette(cassette, {
      v: 1,
      index: index++,
      request_hash: hashRequest(request),
      request: storableRequest(request),
      completion,
    });
    return completion;
  });
}
