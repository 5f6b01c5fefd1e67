// The request both provider test suites send: a system prompt, a task and the shell tool.
import type { CompletionRequest } from '../../src/model/types.ts';
import type { FakeReply, FakeServer } from './fake-http-server.ts';

export const shellTool = {
  name: 'run_shell_command',
  description: 'Run a command.',
  inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};

export const providerRequest = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  messages: [
    { role: 'system', content: 'SYS' },
    { role: 'user', content: 'list files' },
  ],
  tools: [shellTool],
  ...extra,
});

/** Runs fn against a fake server started with the replies, and always closes it. */
export async function withFakeServer(
  start: (replies: FakeReply[]) => Promise<FakeServer>,
  replies: FakeReply[],
  fn: (url: string, server: FakeServer) => Promise<void>,
): Promise<void> {
  const server = await start(replies);
  try {
    await fn(server.url, server);
  } finally {
    await server.close();
  }
}
