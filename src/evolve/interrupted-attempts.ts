// An evolve step run again — after a kill -9, Ctrl-C, a crash, or a stop on an unreachable model — starts
// its sessions afresh, but what the earlier attempt did is kept and paid for: the attempt's directory
// <out>/evolve/ (its session-<k>/ transcripts and commit-attempts.jsonl) is moved aside whole to
// <out>/evolve.interrupted-<n>/ (the first free n), and what its sessions spent is part of the step's
// evolver spend, read from their events (src/trace/events-spend.ts). A rename either happened or did
// not, so however often a step is interrupted and run again, each attempt is counted once.
import { existsSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { addSpend, type Spend, ZERO_SPEND } from '../model/usage.ts';
import { eventsSpend } from '../trace/events-spend.ts';
import { readSpendFile } from './iteration-usage.ts';

export const ATTEMPT_DIR = 'evolve';
export const INTERRUPTED_PREFIX = `${ATTEMPT_DIR}.interrupted-`;
/** What an earlier version of ahe recorded for an attempt stopped on an unreachable model (steps/evolve.ts, best-of-n.ts). */
export const STOPPED_USAGE_FILE = 'stopped-usage.json';

/** Moves `<out>/evolve` aside to `<out>/evolve.interrupted-<n>`; returns where, or undefined when there was none. */
export function keepInterruptedAttempt(out: string): string | undefined {
  const from = join(out, ATTEMPT_DIR);
  if (!existsSync(from)) return undefined;
  if (readdirSync(from).length === 0) {
    rmdirSync(from);
    return undefined;
  }
  let n = 1;
  while (existsSync(join(out, `${INTERRUPTED_PREFIX}${n}`))) n += 1;
  const to = join(out, `${INTERRUPTED_PREFIX}${n}`);
  renameSync(from, to);
  return to;
}

const tokens = (s: Spend) => s.promptTokens + s.completionTokens;

/** What one kept-aside attempt's sessions spent. */
function attemptSpend(dir: string): Spend {
  const traced = eventsSpend(
    readdirSync(dir)
      .filter((name) => name.startsWith('session-'))
      .sort()
      .map((name) => join(dir, name, 'events.jsonl')),
  );
  // Earlier versions appended every attempt to the same session files and kept what stopped attempts
  // spent in stopped-usage.json (best-of-N deleted their sessions): the larger record is the complete one.
  const stopped = readSpendFile(join(dir, STOPPED_USAGE_FILE));
  if (!stopped) return traced;
  return tokens(stopped) > tokens(traced) || (tokens(stopped) === tokens(traced) && stopped.costUsd > traced.costUsd)
    ? stopped
    : traced;
}

/** What the attempts kept aside in `<out>/evolve.interrupted-<n>/` spent, summed. */
export function interruptedAttemptsSpend(out: string): Spend {
  if (!existsSync(out)) return ZERO_SPEND;
  return readdirSync(out)
    .filter((name) => name.startsWith(INTERRUPTED_PREFIX))
    .reduce((sum, name) => addSpend(sum, attemptSpend(join(out, name))), ZERO_SPEND);
}
