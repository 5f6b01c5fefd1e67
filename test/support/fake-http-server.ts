// An in-process HTTP server on 127.0.0.1 that answers from a queue of scripted replies and records
// every request — the base of the fake OpenAI and Anthropic servers.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  | { kind: 'json'; body: unknown; status?: number; headers?: Record<string, string> }
  /** Server-sent events: each item is written as `[event: <name>\n]data: <json>\n\n`. */
  | { kind: 'sse'; events: { event?: string; data: unknown }[]; done?: boolean }
  | { kind: 'raw'; status: number; body: string; contentType?: string; headers?: Record<string, string> };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Decides the reply to a request: `next()` takes the next scripted reply. A strict fake returns an
 * error reply instead (leaving the script untouched) or rewrites the scripted one (e.g. its usage).
 */
export type FakeResponder = (request: RecordedRequest, next: () => FakeReply | undefined) => FakeReply | undefined;

export async function startFakeHttpServer(
  replies: FakeReply[],
  basePath: string,
  respond: FakeResponder = (_request, next) => next(),
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const queue = [...replies];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep raw text
      }
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const reply = respond(recorded, () => queue.shift());
      if (!reply) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'fake server: no scripted reply left', type: 'server_error' } }));
        return;
      }
      if (reply.kind === 'json') {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      } else if (reply.kind === 'raw') {
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
        res.end(reply.body);
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        for (const e of reply.events)
          res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
        if (reply.done) res.write('data: [DONE]\n\n');
        res.end();
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
