// `ahe serve [DIR]`: a local, read-only web app over the jobs, evolve runs and debug outputs under DIR,
// updating live while `ahe eval` or `ahe evolve` write into them (docs/serve.md).
import type { Command } from 'commander';
import { existingDir, port } from './parse-options.ts';

/** The port when --port is not given. */
export const DEFAULT_SERVE_PORT = 7420;

export interface ServeFlags {
  port: number;
  host: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'A local read-only web app over the jobs, evolve runs and debug outputs under DIR: the views of ahe report, updated live while ahe eval or ahe evolve write.',
    )
    .argument('[dir]', 'the directory to serve (default: the current directory)', existingDir)
    .option('--port <n>', 'the port (0: any free port)', port, DEFAULT_SERVE_PORT)
    .option(
      '--host <host>',
      'the interface to bind (127.0.0.1: this machine only; any other makes the data visible to the network)',
      '127.0.0.1',
    )
    .addHelpText(
      'after',
      [
        '',
        'Open the printed URL. The index lists every job, run and debug output up to 4 levels below DIR;',
        'a running `ahe eval` or `ahe evolve` under DIR prints the URL that follows it. Read-only: nothing',
        'outside DIR is served (symlinks that lead out included). Ctrl-C stops it. The JSON API: docs/serve.md.',
      ].join('\n'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped with Ctrl-C; 2 bad input (a directory that does not exist, a port in use).',
    )
    .action(async (dir: string | undefined, flags: ServeFlags) =>
      (await import('./serve-action.ts')).serveDirectory(dir ?? '.', flags),
    );
}
