// `replay:<cassette>` — answers with recorded completions, in order. Strict by default: the request
// must be the one that was recorded, or the replay fails with the first differing message.
import { hashRequest, readCassette, storableRequest } from './cassette.ts';
import { ScriptDivergedError } from './errors.ts';
import type { Message, Model } from './types.ts';

function firstDifference(recorded: readonly Message[], actual: readonly Message[]): string {
  const n = Math.max(recorded.length, actual.length);
  for (let i = 0; i < n; i++) {
    const a = JSON.stringify(recorded[i] ?? null);
    const b = JSON.stringify(actual[i] ?? null);
    if (a !== b) return `message ${i}:\n  - recorded: ${a.slice(0, 400)}\n  + actual:   ${b.slice(0, 400)}`;
  }
  return 'the messages are equal; tools, temperature or max output tokens differ';
}

export async function createReplayModel(cassette: string, options: { strict?: boolean } = {}): Promise<Model> {
  const entries = readCassette(cassette);
  const first = entries[0]?.completion;
  let cursor = 0;
  return {
    spec: `replay:${cassette}`,
    provider: 'replay',
    name: first?.model ?? 'replay',
    priced: true,
    async complete(request) {
      const entry = entries[cursor];
      if (!entry)
        throw new ScriptDivergedError(
          `cassette ${cassette} exhausted after ${entries.length} completions; the agent made another model call`,
        );
      if (options.strict !== false && entry.request_hash !== hashRequest(request)) {
        throw new ScriptDivergedError(
          `cassette ${cassette} diverged at completion ${cursor}: ${firstDifference(entry.request.messages, storableRequest(request).messages)}`,
        );
      }
      cursor += 1;
      const text = entry.completion.message.content;
      if (text) request.onDelta?.({ type: 'text', text });
      return structuredClone(entry.completion);
    },
  };
}
