// A fake provider server whose answers come from scripted models (src/model/scripted-model.ts), one
// script per model name, for running whole sessions (the offline evolve demo) over a provider's wire
// format. Each request is answered by replaying the script over the conversation it carries — a fresh
// cursor per request, one call per earlier assistant turn — so any number of sessions may run at once.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadScript, scriptedModel } from '../../src/model/scripted-model.ts';
import type { Completion, Message } from '../../src/model/types.ts';
import type { FakeReply, FakeServer, RecordedRequest } from './fake-http-server.ts';

/** Answers from a script: the completion the model gives to this conversation, or an error reply. */
export type ScriptedAnswer = (model: string, messages: Message[]) => Promise<Completion | FakeReply>;

export function scriptedAnswers(scripts: Record<string, string>): ScriptedAnswer {
  const loaded = new Map(Object.entries(scripts).map(([name, file]) => [name, loadScript(file)]));
  return async (name, messages) => {
    const script = loaded.get(name);
    if (!script)
      return {
        kind: 'json',
        status: 404,
        body: {
          error: {
            message: `The model \`${name}\` does not exist`,
            type: 'invalid_request_error',
            param: null,
            code: 'model_not_found',
          },
        },
      };
    const model = scriptedModel(script, scripts[name]!);
    try {
      for (const [i, m] of messages.entries())
        if (m.role === 'assistant') await model.complete({ messages: messages.slice(0, i), tools: [] });
      return await model.complete({ messages, tools: [] });
    } catch (error) {
      return {
        kind: 'json',
        status: 500,
        body: { error: { message: String(error), type: 'server_error', param: null, code: null } },
      };
    }
  };
}

export const isReply = (x: Completion | FakeReply): x is FakeReply => 'kind' in x;

/** An HTTP server on 127.0.0.1 that answers each request with `answer` (async), recording every request. */
export async function startAnsweringServer(
  basePath: string,
  answer: (request: RecordedRequest) => Promise<FakeReply>,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', async () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const reply = await answer(recorded);
      if (reply.kind === 'sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of reply.events)
          res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
        if (reply.done) res.write('data: [DONE]\n\n');
        res.end();
      } else if (reply.kind === 'json') {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      } else {
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
        res.end(reply.body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
