// What an experiment's jobs have spent, for its budget: their result.json files, with the trials run
// again and those not finished yet — torn down by a budget or Ctrl-C, or killed — counted from their
// traces (src/evolve/job-spend.ts), plus a small ledger of trials torn down that left no trace here
// (run by a queue's worker): their model calls were paid for, and the next invocation's budget must count
// them (a kill -9 gives no chance to record those, and loses that part).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../bench/job-summary.ts';
import { jobSpend } from '../evolve/job-spend.ts';
import { addSpend, type Spend, ZERO_SPEND } from '../model/usage.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';

export interface Budget {
  usd: number | null;
  tokens: number | null;
}

/** The ledger of torn-down trials in an experiment directory. */
export const UNRECORDED_SPEND_FILE = 'torn-down-spend.json';

export function readJobResult(jobDir: string): JobResult | undefined {
  const file = join(jobDir, 'result.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JobResult;
  } catch {
    return undefined;
  }
}

interface Unrecorded {
  trials: number;
  tokens: number;
  cost_usd: number;
}

function readUnrecorded(file: string): Unrecorded {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<Unrecorded>;
    return { trials: v.trials ?? 0, tokens: v.tokens ?? 0, cost_usd: v.cost_usd ?? 0 };
  } catch {
    return { trials: 0, tokens: 0, cost_usd: 0 };
  }
}

/**
 * What the jobs have spent so far, from their files (trials run again after an infrastructure error
 * included), plus the ledger of torn-down trials when given.
 */
export function spentByJobs(jobDirs: readonly string[], spendFile?: string): Spend {
  const recorded = jobDirs.reduce((sum, dir) => {
    const result = readJobResult(dir);
    return result ? addSpend(sum, jobSpend(result, dir)) : sum;
  }, ZERO_SPEND);
  if (!spendFile || !existsSync(spendFile)) return recorded;
  const u = readUnrecorded(spendFile);
  // Torn-down trials report a running total of tokens, not their split: counted as completion tokens.
  return addSpend(recorded, { ...ZERO_SPEND, calls: u.trials, completionTokens: u.tokens, costUsd: u.cost_usd });
}

/** The reason to stop, or undefined. */
export function budgetReached(spent: { tokens: number; costUsd: number }, budget: Budget): string | undefined {
  if (budget.usd !== null && spent.costUsd >= budget.usd)
    return `cost budget reached: $${spent.costUsd.toFixed(2)} of $${budget.usd}`;
  if (budget.tokens !== null && spent.tokens >= budget.tokens)
    return `token budget reached: ${spent.tokens} of ${budget.tokens}`;
  return undefined;
}

export const tokensOf = (s: Spend) => s.promptTokens + s.completionTokens;

/**
 * Adds what trials that started but wrote no result had spent to the ledger — those without a directory
 * in `jobDir`: a trial run here keeps its trace there, and job-spend counts it from that (recording it
 * here too would count it twice once it is run again).
 */
export function recordTornDown(
  file: string,
  live: ReadonlyMap<string, { tokens: number; costUsd: number }>,
  finished: ReadonlySet<string>,
  jobDir: string,
): void {
  const torn = [...live]
    .filter(([trial]) => !finished.has(trial) && !existsSync(join(jobDir, trial)))
    .map(([, u]) => u);
  if (torn.length === 0) return;
  const u = readUnrecorded(file);
  writeJsonAtomic(file, {
    trials: u.trials + torn.length,
    tokens: u.tokens + torn.reduce((s, x) => s + x.tokens, 0),
    cost_usd: u.cost_usd + torn.reduce((s, x) => s + x.costUsd, 0),
  });
}
