// `ahe serve` at work: starts the server, prints its URL, and runs until Ctrl-C or SIGTERM closes it.
import { resolve } from 'node:path';
import { isLoopbackHost } from '../serve/request-guard.ts';
import { startServer } from '../serve/start-server.ts';
import type { ServeFlags } from './serve-command.ts';

export async function serveDirectory(dir: string, flags: ServeFlags): Promise<void> {
  if (!isLoopbackHost(flags.host))
    process.stderr.write(
      `ahe serve: warning: --host ${flags.host} makes the served data (traces, task files, model output) visible to the network; there is no authentication\n`,
    );
  const server = await startServer({ dir: resolve(dir), port: flags.port, host: flags.host });
  // The handlers go in before the URL is printed: whoever reads the URL may stop the server at once.
  const stopped = new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write('\nahe serve: stopped\n');
      server.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(`ahe serve: ${server.url} (serving ${server.root}; Ctrl-C stops)\n`);
  await stopped;
}
