// RunAgentOptions.conversation: one conversation carried across sessions (the steps of a multi-step task).
// The next session starts from the previous one's messages; sub-agents never see or change it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAgent } from '../../src/agent/run-agent.ts';
import type { Conversation } from '../../src/agent/session.ts';
import type { CompletionRequest } from '../../src/model/types.ts';
import {
  echoTool,
  MemoryTrace,
  makeHarness,
  QueueModel,
  RecordingSandbox,
  roughTokens,
  toolCall,
} from '../support/agent-fixtures.ts';

const harness = makeHarness({
  tools: [echoTool('echo')],
  subagents: [
    {
      name: 'helper',
      description: 'Helps.',
      prompt: 'You help.',
      tools: ['echo'],
      maxSteps: 2,
      file: 'subagents/helper.yaml',
    },
  ],
});

// Parent: first instruction → echo, second → the helper sub-agent; a tool result → a closing message.
const model = new QueueModel((request: CompletionRequest) => {
  const last = request.messages.at(-1)!;
  if (request.messages[0]!.content.startsWith('You help.'))
    return { content: last.role === 'user' ? 'helper done' : 'unexpected' };
  if (last.role === 'tool') return { content: `closing after ${last.content}` };
  return last.content.includes('first')
    ? { toolCalls: [toolCall('echo', { text: 'one' })] }
    : { toolCalls: [toolCall('agent', { subagent: 'helper', task: 'help with the second' })] };
});

const session = (instruction: string, conversation?: Conversation) =>
  runAgent({
    harness,
    model,
    instruction,
    sandbox: new RecordingSandbox(),
    trace: new MemoryTrace(),
    countTokens: roughTokens,
    ...(conversation ? { conversation } : {}),
  });

test('a second session continues the conversation the first left; sub-agents start their own', async () => {
  const conversation: Conversation = { messages: [] };
  const first = await session('the first instruction', conversation);
  assert.equal(first.status, 'completed');
  assert.deepEqual(
    conversation.messages.map((m) => m.role),
    ['system', 'user', 'assistant', 'tool', 'assistant'],
  );
  const second = await session('the second instruction', conversation);
  assert.equal(second.status, 'completed');
  const opening = model.requests.find((r) => r.messages.at(-1)!.content === 'the second instruction')!;
  assert.deepEqual(
    opening.messages.map((m) => m.role),
    ['system', 'user', 'assistant', 'tool', 'assistant', 'user'],
  );
  assert.equal(opening.messages.filter((m) => m.role === 'system').length, 1);
  assert.equal(opening.messages[1]!.content, 'the first instruction');
  assert.match(opening.messages[4]!.content, /^closing after echo: one/);
  // The sub-agent got only its own prompt and task; the conversation holds the parent's messages alone.
  const helper = model.requests.find((r) => r.messages[0]!.content.startsWith('You help.'))!;
  assert.deepEqual(
    helper.messages.map((m) => m.content.trim()),
    ['You help.', 'help with the second'],
  );
  assert.equal(conversation.messages.length, 9);
  assert.match(conversation.messages.at(-1)!.content, /^closing after helper done/);
  // Without a conversation, a session starts afresh as before.
  const alone = await session('the first instruction');
  assert.equal(alone.status, 'completed');
  assert.equal(model.requests.at(-2)!.messages.length, 2);
});
