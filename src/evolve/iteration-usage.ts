// What each role's model calls spent in one iteration, RUN/iterations/N/usage.json. A step writes its
// role's entry with its outputs, and the run's ledger is the sum over iterations, so a step redone
// after a crash replaces its entry instead of counting twice. The files name the fields snake_case
// (SpendJson, the one codec of spend); a damaged one is a UserError naming the file and the field.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { addSpend, type Spend, SpendJson, ZERO_SPEND } from '../model/usage.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { emptyLedger, iterationDir, type Ledger, ROLES, type Role } from './run-state.ts';

export type IterationUsage = Partial<Record<Role, Spend>>;

const IterationUsageSchema = z.strictObject({
  coding: SpendJson.optional(),
  debugger: SpendJson.optional(),
  evolver: SpendJson.optional(),
});

export const usageFile = (runDir: string, n: number) => join(iterationDir(runDir, n), 'usage.json');

/** Reads a JSON file of spend through `schema`; undefined when it does not exist. */
function readSpendJson<S extends z.ZodType>(file: string, schema: S): z.output<S> | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} is damaged: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new UserError(
      `${file} is damaged: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Iteration n's spend per role; empty when nothing was recorded yet. */
export const readIterationUsage = (runDir: string, n: number): IterationUsage =>
  readSpendJson(usageFile(runDir, n), IterationUsageSchema) ?? {};

/** Records (replaces) a role's spend in iteration n's usage.json. */
export function recordIterationUsage(runDir: string, n: number, role: Role, spend: Spend): void {
  const usage = { ...readIterationUsage(runDir, n), [role]: spend };
  writeJsonAtomic(usageFile(runDir, n), IterationUsageSchema.encode(usage));
}

/** The run's ledger: every iteration's usage.json up to `upTo`, summed per role. */
export function ledgerFromIterations(runDir: string, upTo: number): Ledger {
  const ledger = emptyLedger();
  for (let n = 0; n <= upTo; n++) {
    const usage = readIterationUsage(runDir, n);
    for (const role of ROLES) {
      const spend = usage[role];
      if (spend) ledger[role] = addSpend(ledger[role], spend);
    }
  }
  return ledger;
}

/** A file holding one Spend (e.g. iterations/N/evolve/stopped-usage.json); undefined when absent. */
export const readSpendFile = (file: string): Spend | undefined => readSpendJson(file, SpendJson);

export const writeSpendFile = (file: string, spend: Spend): void => writeJsonAtomic(file, SpendJson.encode(spend));

/**
 * A log of model calls' spend, one JSON line per call ({ts, task?, spend}), appended as each call
 * returns: e.g. iterations/N/debug-calls.jsonl, the debugger's calls, which a kill does not lose.
 */
export function appendSpendLine(file: string, spend: Spend, about: { task?: string } = {}): void {
  appendFileSync(
    file,
    `${JSON.stringify({ ts: new Date().toISOString(), ...about, spend: SpendJson.encode(spend) })}\n`,
  );
}

/** The sum of a spend log (appendSpendLine); nothing when absent. A torn last line (a kill mid-write) is skipped. */
export function readSpendLog(file: string): Spend {
  if (!existsSync(file)) return ZERO_SPEND;
  let sum = ZERO_SPEND;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let entry: { spend?: unknown };
    try {
      entry = JSON.parse(line) as { spend?: unknown };
    } catch {
      continue;
    }
    const spend = SpendJson.safeParse(entry?.spend);
    if (spend.success) sum = addSpend(sum, spend.data);
  }
  return sum;
}

/** IterationUsage as usage.json and summary.json write it. */
export const encodeIterationUsage = (usage: IterationUsage) => IterationUsageSchema.encode(usage);
