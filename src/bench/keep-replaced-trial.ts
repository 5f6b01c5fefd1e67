// A trial that is run again keeps its earlier try: one that ended in an infrastructure error (run again
// on resume, or when an evolve step retries its evaluation), and one that never finished (killed, torn
// down by Ctrl-C or a budget, crashed) and is run again by runTrial. Its directory holds the only trace of
// what went wrong, so it is moved aside rather than overwritten: <job>/.replaced/<trial>.<n>/. Readers of
// a job skip dot-directories, so a replaced trial is never counted in a score; it stays there for a
// person (or `ahe debug show`) to read. What it spent still counts: replacedTrialsSpend adds it to the
// ledger of the evaluation that ran it again — from its result.json, or, when it never wrote one, from
// the model calls its trace recorded (src/trace/events-spend.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { addSpend, type Spend, ZERO_SPEND } from '../model/usage.ts';
import { eventsSpend } from '../trace/events-spend.ts';

export const REPLACED_DIR = '.replaced';

/** Moves `<jobDir>/<trial>` to `<jobDir>/.replaced/<trial>.<n>` (the first free n); returns where, or undefined when absent. */
export function keepReplacedTrial(jobDir: string, trial: string): string | undefined {
  const from = join(jobDir, trial);
  if (!existsSync(from)) return undefined;
  const dir = join(jobDir, REPLACED_DIR);
  mkdirSync(dir, { recursive: true });
  let n = 1;
  while (existsSync(join(dir, `${trial}.${n}`))) n += 1;
  const to = join(dir, `${trial}.${n}`);
  renameSync(from, to);
  return to;
}

/** The events files a trial's agent wrote: agent/events.jsonl, and steps/<step>/agent/events.jsonl of a multi-step task. */
export function trialEventFiles(trialDir: string): string[] {
  const steps = join(trialDir, 'steps');
  const stepFiles = existsSync(steps)
    ? readdirSync(steps)
        .sort()
        .map((s) => join(steps, s, 'agent', 'events.jsonl'))
    : [];
  return [join(trialDir, 'agent', 'events.jsonl'), ...stepFiles];
}

/** A trial directory's result.json (the last file a trial writes), or undefined: it never finished. */
function trialResult(trialDir: string): { agent_result?: Record<string, unknown> | null } | undefined {
  try {
    return (
      (JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8')) as {
        agent_result?: Record<string, unknown> | null;
      } | null) ?? undefined
    );
  } catch {
    return undefined;
  }
}

/** What a trial that never finished spent, from its trace (calls: the model calls its sessions made). */
export const unfinishedTrialSpend = (trialDir: string): Spend => eventsSpend(trialEventFiles(trialDir));

/**
 * What the trials moved aside under `<jobDir>/.replaced/` spent, summed; a trial a call each. A finished
 * try counts its agent_result; an unfinished one (no result.json) the model calls of its trace, and only
 * when it made any.
 */
export function replacedTrialsSpend(jobDir: string): {
  trials: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
} {
  const sum = { trials: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  const dir = join(jobDir, REPLACED_DIR);
  if (!existsSync(dir)) return sum;
  for (const name of readdirSync(dir)) {
    const tryDir = join(dir, name);
    let spent: Omit<typeof sum, 'trials'>;
    const result = trialResult(tryDir);
    if (result) {
      const agent = result.agent_result;
      const n = (key: string) => (typeof agent?.[key] === 'number' ? (agent[key] as number) : 0);
      spent = {
        promptTokens: n('n_input_tokens'),
        completionTokens: n('n_output_tokens'),
        cachedTokens: n('n_cache_tokens'),
        costUsd: n('cost_usd'),
      };
    } else {
      const traced = unfinishedTrialSpend(tryDir);
      // A try stopped before its agent called a model spent nothing it could record.
      if (traced.calls === 0 && traced.promptTokens + traced.completionTokens === 0) continue;
      spent = traced;
    }
    sum.trials += 1;
    sum.promptTokens += spent.promptTokens;
    sum.completionTokens += spent.completionTokens;
    sum.cachedTokens += spent.cachedTokens;
    sum.costUsd += spent.costUsd;
  }
  return sum;
}

/**
 * What the trial directories of a job that have not finished spent so far, from their traces: trials
 * still running, or left unfinished by a kill, a crash or a budget (they are moved to `.replaced/` when
 * run again, and counted there instead). No calls: the job's result already counts every planned trial.
 */
export function unfinishedTrialsSpend(jobDir: string): Spend {
  if (!existsSync(jobDir)) return ZERO_SPEND;
  let sum = ZERO_SPEND;
  for (const entry of readdirSync(jobDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const trialDir = join(jobDir, entry.name);
    if (!existsSync(join(trialDir, 'agent')) && !existsSync(join(trialDir, 'steps'))) continue; // not a trial
    if (trialResult(trialDir)) continue;
    sum = addSpend(sum, { ...unfinishedTrialSpend(trialDir), calls: 0 });
  }
  return sum;
}
