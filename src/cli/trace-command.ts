// `ahe trace atif`: rebuild trajectory.json from events.jsonl — e.g. after a crash or kill -9, when the
// session never got to write it — and validate the result.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { validateAtif } from '../trace/atif-schema.ts';
import { readEvents } from '../trace/event-log.ts';
import { EVENTS_FILE, writeTrajectories } from '../trace/write-trajectories.ts';
import { existingDir } from './parse-options.ts';

export function registerTraceCommands(program: Command): void {
  const trace = program.command('trace').description('Work with session traces (events.jsonl and ATIF trajectories).');
  trace
    .command('atif')
    .description(
      'Rebuild trajectory.json (and sub-agent trajectories) in DIR from DIR/events.jsonl, and validate them against ATIF.',
    )
    .argument('<dir>', 'a session directory: the --out of `ahe run`', existingDir)
    .action((dir: string) => {
      const out = resolve(dir);
      const events = join(out, EVENTS_FILE);
      if (!existsSync(events)) throw new UserError(`${events} does not exist: give the --out directory of a session`);
      const { badLines } = readEvents(events);
      for (const line of badLines)
        process.stderr.write(`skipped ${events}:${line}: not a complete event (a torn line from a crash?)\n`);
      const written = writeTrajectories(out, events);
      const problems = validateAtif(JSON.parse(readFileSync(written, 'utf8')));
      for (const p of problems) process.stderr.write(`invalid ATIF: ${p}\n`);
      process.stdout.write(`wrote ${written}\n`);
      process.exitCode = problems.length > 0 ? 1 : 0;
    });
}
