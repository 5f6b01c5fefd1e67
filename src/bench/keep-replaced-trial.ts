// A trial that ended in an infrastructure error is run again (on resume, or when an evolve step retries
// its evaluation). Its directory holds the only trace of what went wrong, so it is moved aside rather than
// overwritten: <job>/.replaced/<trial>.<n>/. Readers of a job skip dot-directories, so a replaced trial is
// never counted; it stays there for a person (or `ahe debug show`) to read.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
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
