// The files of a recorded session and the ATIF trajectories derived from its events file: trajectory.json
// plus one per sub-agent, rebuilt at any time from events.jsonl (also from a crashed session's log).
import { join } from 'node:path';
import { eventsToAtifFiles } from './atif.ts';
import { readEvents } from './event-log.ts';
import { writeJsonAtomic } from './write-atomic.ts';

export const EVENTS_FILE = 'events.jsonl';
export const TRAJECTORY_FILE = 'trajectory.json';

/** Writes trajectory.json (and sub-agent trajectories) from an events file; works on a crashed session's log too. */
export function writeTrajectories(outDir: string, eventsFile = join(outDir, EVENTS_FILE)): string {
  const { events } = readEvents(eventsFile);
  const files = eventsToAtifFiles(events);
  for (const [name, trajectory] of Object.entries(files)) writeJsonAtomic(join(outDir, name), trajectory);
  return join(outDir, TRAJECTORY_FILE);
}
