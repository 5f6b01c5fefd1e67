// Ends that are not a normal completion: a reply cut by the model's output-token limit, and a cost limit
// that cannot be enforced because the model's price is unknown.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordSession } from '../../src/agent/record-session.ts';
import type { Completion, CompletionRequest } from '../../src/model/types.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { readEvents } from '../../src/trace/event-log.ts';
import { makeHarness, QueueModel, RecordingSandbox, toolCall } from '../support/agent-fixtures.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-session-ends-'));

/** A model whose replies without tool calls stop at its output-token limit. */
class CutOffModel extends QueueModel {
  override async complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
    const completion = await super.complete(request, signal);
    return completion.message.toolCalls ? completion : { ...completion, finishReason: 'length' };
  }
}

/** A model the price table does not know: its calls count as $0. */
class UnpricedModel extends QueueModel {
  readonly priced = false;
}

test('a reply cut by the output-token limit ends the session as truncated: result, session_end and trajectory', async () => {
  const result = await recordSession({
    harness: makeHarness(),
    model: new CutOffModel([{ toolCalls: [toolCall('echo', { text: 'hi' })] }, { content: 'Now I will write the' }]),
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    outDir: tmp(),
    env: {},
  });
  assert.equal(result.status, 'truncated');
  assert.equal(result.finalMessage, 'Now I will write the');
  assert.equal(result.steps, 2);
  const { events } = readEvents(result.eventsFile);
  assert.equal(events.filter((e) => e.type === 'model_call').at(-1)!.finish_reason, 'length');
  assert.equal(events.at(-1)!.type, 'session_end');
  assert.equal(events.at(-1)!.status, 'truncated');
  assert.equal(JSON.parse(readFileSync(result.trajectoryFile, 'utf8')).extra.status, 'truncated');
});

test('a cost limit on a model of unknown price is said once in the trace (and trajectory) and does not stop the session', async () => {
  const echo = () => ({ toolCalls: [toolCall('echo', { text: 'again' })] });
  const result = await recordSession({
    harness: makeHarness(),
    model: new UnpricedModel([echo(), echo(), echo(), { content: 'done' }]),
    instruction: 'x',
    sandbox: new RecordingSandbox(),
    outDir: tmp(),
    env: {},
    limits: { maxCostUsd: 0.0001 },
  });
  assert.equal(result.status, 'completed');
  assert.equal(result.steps, 4);
  const { events } = readEvents(result.eventsFile);
  const notes = events.filter((e) => e.type === 'limit_unenforced');
  assert.equal(notes.length, 1);
  assert.equal(notes[0]!.max_cost_usd, 0.0001);
  assert.match(String(notes[0]!.reason), /no price is known for test:queue/);
  const trajectory = JSON.parse(readFileSync(result.trajectoryFile, 'utf8'));
  assert.deepEqual(validateAtif(trajectory), []);
  const noted = trajectory.steps.flatMap((s: any) => s.extra?.unenforced_limits ?? []);
  assert.deepEqual(
    noted.map((n: any) => n.limit),
    ['max_cost_usd'],
  );
});
