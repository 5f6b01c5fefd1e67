// The reasoning effort asked of the model is recorded in the trace: on session_start and in the ATIF
// trajectory's agent.extra (ATIF has no agent-level field for it). A run's --reasoning-effort (the model
// applies it, create-model.ts) wins over harness.yaml's; with neither, nothing is recorded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { Harness } from '../../src/harness/types.ts';
import { createModel } from '../../src/model/create-model.ts';
import { withReasoningEffort } from '../../src/model/reasoning-effort.ts';
import type { Model } from '../../src/model/types.ts';
import { eventsToAtifFiles } from '../../src/trace/atif.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { MemoryTrace, makeHarness, QueueModel, RecordingSandbox, roughTokens } from '../support/agent-fixtures.ts';

async function effortTraced(model: Model, harness: Harness): Promise<{ start: unknown; atif: unknown }> {
  const trace = new MemoryTrace();
  await runAgent({
    harness,
    model,
    instruction: 'do the task',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: roughTokens,
  });
  const start = trace.events.find((e) => e.type === 'session_start')!;
  const trajectory = eventsToAtifFiles(trace.events)['trajectory.json']!;
  assert.deepEqual(validateAtif(trajectory), []);
  return {
    start: start.reasoning_effort,
    atif: (trajectory.agent.extra as { reasoning_effort?: unknown }).reasoning_effort,
  };
}

const done = () => new QueueModel([{ content: 'done' }]);

test("the run's reasoning effort is in session_start and ATIF agent.extra, over harness.yaml's", async () => {
  const harness = makeHarness({ model: { contextBudgetTokens: 100_000, reasoningEffort: 'low' } });
  assert.deepEqual(await effortTraced(withReasoningEffort(done(), 'high'), harness), { start: 'high', atif: 'high' });
  assert.deepEqual(await effortTraced(done(), harness), { start: 'low', atif: 'low' }, "harness.yaml's alone");
  assert.deepEqual(await effortTraced(done(), makeHarness()), { start: undefined, atif: undefined }, 'none asked');
});

test('a model made with an effort and a fallback still says which effort it asks', async () => {
  const script = new URL('../fixtures/scripts/three-turns.yaml', import.meta.url).pathname;
  const model = await createModel(`scripted:${script}`, { reasoningEffort: 'medium', fallback: `scripted:${script}` });
  assert.equal(model.reasoningEffort, 'medium');
  const alone = await createModel(`scripted:${script}`, { reasoningEffort: 'xhigh' });
  assert.equal(alone.reasoningEffort, 'xhigh');
  assert.equal((await createModel(`scripted:${script}`)).reasoningEffort, undefined);
});
