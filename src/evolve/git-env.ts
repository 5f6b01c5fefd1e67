// A simple-git client pinned to one repository. GIT_DIR and GIT_WORK_TREE are set explicitly, so a
// command can never act on a repository that happens to contain the run directory (e.g. the user's
// project checkout) should RUN/harness/.git go missing. Variables that would redirect git elsewhere
// or start programs (editors, pagers, askpass — simple-git refuses to pass those) are left out.

import { join } from 'node:path';
import { type SimpleGit, simpleGit } from 'simple-git';

const DROPPED = new Set(['editor', 'visual', 'pager', 'prefix', 'ssh_askpass']);

export function gitEnvironment(workTree: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (value === undefined || k.startsWith('git_') || DROPPED.has(k)) continue;
    env[key] = value;
  }
  return { ...env, GIT_DIR: join(workTree, '.git'), GIT_WORK_TREE: workTree, ...extra };
}

/**
 * A client for the repository at `workTree/.git`, one git process at a time (they share the index).
 * `extra` may redirect the index or work tree (an export); commands then run inside that work tree.
 */
export function repositoryGit(workTree: string, extra: Record<string, string> = {}): SimpleGit {
  const baseDir = extra.GIT_WORK_TREE ?? workTree;
  return simpleGit({ baseDir, maxConcurrentProcesses: 1, trimmed: false }).env(gitEnvironment(workTree, extra));
}

/**
 * Per-repository settings: an identity (machines without a global git identity still commit; the
 * user's global config is never touched), no signing prompts, no hooks of the user's global config
 * (a global pre-commit linter must not block or alter evolve commits), byte-exact files.
 */
export async function configureRepository(workTree: string): Promise<void> {
  const settings: [string, string][] = [
    ['user.name', 'ahe evolve'],
    ['user.email', 'ahe-evolve@localhost'],
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false'],
    ['core.autocrlf', 'false'],
    // Relative (to the work tree), so it survives moving the run directory; the folder never exists.
    ['core.hooksPath', '.git/no-hooks'],
  ];
  // simple-git guards core.hooksPath; here it points at an absent folder inside our own repository.
  const git = simpleGit({ baseDir: workTree, unsafe: { allowUnsafeHooksPath: true } }).env(gitEnvironment(workTree));
  for (const [key, value] of settings) await git.raw(['config', '--local', key, value]);
}
