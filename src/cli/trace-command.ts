// `ahe trace atif`: rebuild trajectory.json from events.jsonl — e.g. after a crash or kill -9, when the
// session never got to write it — and validate the result.
import type { Command } from 'commander';
import { existingDir } from './parse-options.ts';

export function registerTraceCommands(program: Command): void {
  const trace = program.command('trace').description('Work with session traces (events.jsonl and ATIF trajectories).');
  trace
    .command('atif')
    .description(
      'Rebuild trajectory.json (and sub-agent trajectories) in DIR from DIR/events.jsonl, and validate them against ATIF.',
    )
    .argument('<dir>', 'a session directory: the --out of `ahe run`', existingDir)
    .addHelpText(
      'after',
      '\nExit codes: 0 rebuilt and valid; 1 rebuilt but not valid ATIF (the problems are listed); 2 bad input\n(no events.jsonl, or no complete event in it).',
    )
    .action(async (dir: string) => (await import('./trace-action.ts')).rebuildAtif(dir));
}
