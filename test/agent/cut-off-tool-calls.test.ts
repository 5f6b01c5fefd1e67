// A reply the model did not finish must not act: tool calls in a reply cut by the output-token limit
// (or stopped by the provider's content filter) are not run — their arguments may be cut too — and the
// model is told so; a content-filter stop without a tool call is not a completion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent } from '../../src/agent/run-agent.ts';
import { cutOffReason, replyEnd } from '../../src/agent/stop-checks.ts';
import type { Completion, CompletionRequest, FinishReason } from '../../src/model/types.ts';
import {
  echoTool,
  MemoryTrace,
  makeHarness,
  QueueModel,
  RecordingSandbox,
  type Reply,
  roughTokens,
  toolCall,
} from '../support/agent-fixtures.ts';

/** A queue model whose n-th reply stops for the n-th given reason (the usual reason when none is given). */
class StoppedModel extends QueueModel {
  constructor(
    replies: Reply[],
    private readonly reasons: (FinishReason | undefined)[],
  ) {
    super(replies);
  }
  override async complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
    const completion = await super.complete(request, signal);
    const reason = this.reasons[this.requests.length - 1];
    return reason ? { ...completion, finishReason: reason } : completion;
  }
}

function run(replies: Reply[], reasons: (FinishReason | undefined)[], ran: string[]) {
  const trace = new MemoryTrace();
  const model = new StoppedModel(replies, reasons);
  const harness = makeHarness({
    tools: [
      echoTool('write_file', async (args) => {
        ran.push(String(args.text));
        return { output: 'written' };
      }),
    ],
  });
  return {
    trace,
    model,
    result: runAgent({
      harness,
      model,
      instruction: 'write the file',
      sandbox: new RecordingSandbox(),
      trace,
      countTokens: roughTokens,
    }),
  };
}

for (const [reason, notRun] of [
  ['length', 'reply_cut_off'],
  ['content_filter', 'content_filter'],
] as const) {
  test(`a reply stopped by ${reason} that calls tools does not run them; the model is told and the session goes on`, async () => {
    const ran: string[] = [];
    const { trace, model, result } = run(
      [
        { toolCalls: [toolCall('write_file', { text: 'first' }), toolCall('write_file', { text: 'half of a lo' })] },
        { toolCalls: [toolCall('write_file', { text: 'whole' })] },
        { content: 'done' },
      ],
      [reason],
      ran,
    );
    const r = await result;
    assert.deepEqual(ran, ['whole'], 'neither call of the cut reply ran, not even the complete first one');
    assert.equal(r.status, 'completed');
    // The model's next request answers both cut calls with a tool error that says why.
    const answers = model.requests[1]!.messages.filter((m) => m.role === 'tool');
    assert.equal(answers.length, 2);
    for (const a of answers) {
      assert.equal(a.role === 'tool' && a.isError, true);
      assert.match(a.content, /^Not run: .*(cut off by the output-token limit|content filter).*Nothing was executed/);
    }
    // The trace records it: the model_call's finish_reason, then a tool_result per call with not_run.
    assert.equal(trace.ofType('model_call')[0]!.finish_reason, reason);
    const results = trace.ofType('tool_result');
    assert.deepEqual(
      results.map((e) => [e.step, e.is_error, (e.metadata as { not_run?: string } | undefined)?.not_run]),
      [
        [1, true, notRun],
        [1, true, notRun],
        [2, false, undefined],
      ],
    );
  });
}

test('a content-filter stop without a tool call ends as content_filter, not completed', async () => {
  const ran: string[] = [];
  const { trace, result } = run([{ content: 'I cannot' }], ['content_filter'], ran);
  const r = await result;
  assert.equal(r.status, 'content_filter');
  assert.equal(trace.ofType('session_end')[0]!.status, 'content_filter');
});

test('replyEnd and cutOffReason: which replies end the session and whose calls are not run', () => {
  const calls = { role: 'assistant' as const, content: '', toolCalls: [toolCall('echo', { text: 'x' })] };
  const text = { role: 'assistant' as const, content: 'text' };
  assert.equal(replyEnd({ message: text, finishReason: 'content_filter' }), 'content_filter');
  assert.equal(replyEnd({ message: text, finishReason: 'other' }), 'completed');
  assert.equal(cutOffReason({ message: calls, finishReason: 'length' }), 'reply_cut_off');
  assert.equal(cutOffReason({ message: calls, finishReason: 'content_filter' }), 'content_filter');
  assert.equal(cutOffReason({ message: calls, finishReason: 'tool_calls' }), undefined);
  assert.equal(cutOffReason({ message: calls, finishReason: 'stop' }), undefined);
  assert.equal(cutOffReason({ message: text, finishReason: 'length' }), undefined, 'no call: replyEnd ends it');
});
