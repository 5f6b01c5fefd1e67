// A trial that ended in an infrastructure error is run again (on resume, or when an evolve step retries
// its evaluation). Its directory holds the only trace of what went wrong, so it is moved aside rather than
// overwritten: <job>/.replaced/<trial>.<n>/. Readers of a job skip dot-directories, so a replaced trial is
// never counted in a score; it stays there for a person (or `ahe debug show`) to read. What it spent still
// counts: replacedTrialsSpend adds it to the ledger of the evaluation that ran it again.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

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

/** What the trials moved aside under `<jobDir>/.replaced/` spent (their agent_result), summed; a trial a call each. */
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
    let agent: Record<string, unknown> | null | undefined;
    try {
      agent = (JSON.parse(readFileSync(join(dir, name, 'result.json'), 'utf8')) as { agent_result?: typeof agent })
        .agent_result;
    } catch {
      continue; // a trial moved aside before it wrote its result spent nothing it could record
    }
    const n = (key: string) => (typeof agent?.[key] === 'number' ? (agent[key] as number) : 0);
    sum.trials += 1;
    sum.promptTokens += n('n_input_tokens');
    sum.completionTokens += n('n_output_tokens');
    sum.cachedTokens += n('n_cache_tokens');
    sum.costUsd += n('cost_usd');
  }
  return sum;
}
