// Starts `ahe serve`: binds (127.0.0.1 unless told otherwise), announces itself in the registry so that
// eval/evolve can print a follow-along URL, and closes cleanly (open connections too, the registry
// record removed). Listening errors become one line naming the port or host.

import { realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../errors.ts';
import { createServeApp } from './serve-app.ts';
import { registerServer } from './server-registry.ts';

export interface ServeOptions {
  dir: string;
  /** 0: any free port. */
  port: number;
  host: string;
  /** Where the server's record goes (default: find-server.ts's serverRegistryDir()). */
  registryDir?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The page's URL, ending in '/'. */
  url: string;
  port: number;
  /** realpath of the served directory. */
  root: string;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  let root: string;
  try {
    root = realpathSync(options.dir);
  } catch {
    throw new UserError(`${options.dir}: no such directory to serve`);
  }
  const server = createServer(createServeApp({ rootReal: root, host: options.host, log: options.log }));
  // A polling page keeps its connection open; keep-alive stays short so closing does not wait on it.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((done, fail) => {
    const onError = (error: NodeJS.ErrnoException) => fail(listenError(error, options));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      done();
    });
  });
  // After listening, an error (too many open files…) is said, never a crash: the next request may succeed.
  server.on('error', (error) =>
    (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`ahe serve: ${error.message}`),
  );
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(options.host)}:${port}/`;
  const unregister = registerServer({ url, root }, options.registryDir);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    root,
    server,
    close: () => {
      closing ??= new Promise<void>((done) => {
        unregister?.();
        server.close(() => done());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The host to put in the printed URL: every-interface binds are opened locally through 127.0.0.1. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listenError(error: NodeJS.ErrnoException, options: ServeOptions): Error {
  const where = `port ${options.port} on ${options.host}`;
  if (error.code === 'EADDRINUSE')
    return new UserError(`${where} is already in use: choose another with --port N, or --port 0 for any free one`);
  if (error.code === 'EACCES') return new UserError(`${where}: permission denied (ports below 1024 need privileges)`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return new UserError(`--host ${options.host}: not an address of this machine`);
  return error;
}
