// What a directory is, for `ahe report` and `ahe serve`: an evolve run (state.json), a debug output
// (the debugger's report.json beside overview.md), or a job — ahe's or any Harbor tool's: a config.json or
// result.json of a job, or trial directories `<task>__<suffix>/` (a Harbor job may have only those). A
// trial directory itself is none of them (its result.json sits beside agent/ or verifier/).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type EntryKind = 'job' | 'run' | 'debug';

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const isTrialDir = (dir: string) =>
  existsSync(join(dir, 'result.json')) &&
  (isDir(join(dir, 'agent')) || isDir(join(dir, 'verifier')) || isDir(join(dir, 'steps')));

/** What a directory is; null when it is none of the kinds a report is made of. */
export function detectEntryKind(dir: string): EntryKind | null {
  if (!isDir(dir)) return null;
  if (existsSync(join(dir, 'state.json')) && (isDir(join(dir, 'iterations')) || isDir(join(dir, 'harness'))))
    return 'run';
  if (existsSync(join(dir, 'report.json')) && existsSync(join(dir, 'overview.md'))) return 'debug';
  if (isTrialDir(dir)) return null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  if (names.some((n) => n.includes('__') && !n.startsWith('.') && isDir(join(dir, n)))) return 'job';
  // A job ahe just started has its config.json (and result.json) before any trial directory.
  return hasKey(join(dir, 'config.json'), JOB_CONFIG_KEYS) || hasKey(join(dir, 'result.json'), JOB_RESULT_KEYS)
    ? 'job'
    : null;
}

const JOB_CONFIG_KEYS = ['task_names', 'job_name', 'agents', 'n_attempts'];
const JOB_RESULT_KEYS = ['n_total_trials', 'stats'];

function hasKey(file: string, keys: string[]): boolean {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return !!value && typeof value === 'object' && keys.some((k) => k in value);
  } catch {
    return false;
  }
}
