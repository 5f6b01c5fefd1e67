// `ahe trace atif` at work: rebuilds the trajectories of a session directory and validates them.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { validateAtif } from '../trace/atif-schema.ts';
import { readEvents } from '../trace/event-log.ts';
import { EVENTS_FILE, writeTrajectories } from '../trace/write-trajectories.ts';

export function rebuildAtif(dir: string): void {
  const out = resolve(dir);
  const events = join(out, EVENTS_FILE);
  if (!existsSync(events)) throw new UserError(`${events} does not exist: give the --out directory of a session`);
  if (!statSync(events).isFile()) throw new UserError(`${events} is a directory, not a session's event log`);
  const { events: read, badLines } = readEvents(events);
  for (const line of badLines)
    process.stderr.write(`skipped ${events}:${line}: not a complete event (a torn line from a crash?)\n`);
  if (read.length === 0)
    throw new UserError(`${events}: no complete event in it: nothing to rebuild a trajectory from`);
  const written = writeTrajectories(out, events);
  if (!existsSync(written)) throw new UserError(`${events}: no trajectory could be rebuilt from its events`);
  const problems = validateAtif(JSON.parse(readFileSync(written, 'utf8')));
  for (const p of problems) process.stderr.write(`invalid ATIF: ${p}\n`);
  process.stdout.write(`wrote ${written}\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}
