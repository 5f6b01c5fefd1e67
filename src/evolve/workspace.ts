// The run's harness workspace: RUN/harness/ is a git repository whose history is the evolution. The
// seed is the first commit (tagged `seed`), every evolve change is one commit, every rollback is a
// revert commit, and `iter-N` tags mark what each iteration evaluated. All git goes through simple-git
// pinned to this repository (git-env.ts).
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { UserError } from '../errors.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import { checkEditablePath, checkFileEdit } from './edit-policy.ts';
import { configureRepository, repositoryGit } from './git-env.ts';

export const HARNESS_SUBDIR = 'harness';
/** Tag of the seed commit: the edit policy compares the system prompt against this version. */
export const SEED_TAG = 'seed';

/** A change the edit policy (or an empty diff) refuses; `problems` go back to the evolve agent. */
export class ChangeRefusedError extends UserError {
  override name = 'ChangeRefusedError';
  constructor(readonly problems: string[]) {
    super(`change refused:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface RevertResult {
  /** The new commit that undoes the change. */
  sha: string;
  /** The commit that was undone. */
  reverted: string;
  /** `revert`: git's three-way revert; `restore-files`: it conflicted, so the touched files were restored. */
  method: 'revert' | 'restore-files';
  /** With restore-files: later commits whose edits to those files were undone as well. */
  overwrittenCommits: string[];
}

// Any commit-ish (HEAD, iter-3, a sha, sha^) but never something git could read as an option.
const REF = /^(?!-)[^\s:]+$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const revertLine = (sha: string) => `This reverts commit ${sha}.`;

export class Workspace {
  private constructor(
    /** The run directory (absolute). */
    readonly runDir: string,
    /** The harness working tree, RUN/harness (absolute). */
    readonly dir: string,
    private readonly git: SimpleGit,
  ) {}

  /** Opens the workspace of an existing run (for --resume). */
  static async open(runDir: string): Promise<Workspace> {
    const root = resolve(runDir);
    const dir = join(root, HARNESS_SUBDIR);
    const gitDir = join(dir, '.git');
    if (!existsSync(gitDir) || !statSync(gitDir).isDirectory()) {
      throw new UserError(
        `${runDir} is not an ahe run: ${gitDir} is missing (a run directory is created by ahe evolve --out DIR)`,
      );
    }
    const workspace = new Workspace(root, dir, repositoryGit(dir));
    if (!(await workspace.tryResolve(`refs/tags/${SEED_TAG}`))) {
      throw new UserError(`${gitDir} has no '${SEED_TAG}' tag: this harness repository was not created by ahe evolve`);
    }
    return workspace;
  }

  /** Full sha of a commit-ish, or undefined when it does not name a commit. */
  async tryResolve(ref: string): Promise<string | undefined> {
    if (!REF.test(ref)) return undefined;
    const out = (await this.git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
    return out || undefined;
  }

  async resolveRef(ref: string): Promise<string> {
    const sha = await this.tryResolve(ref);
    if (!sha) throw new UserError(`${ref} is not a commit of the harness repository ${this.dir}`);
    return sha;
  }

  head(): Promise<string> {
    return this.resolveRef('HEAD');
  }

  /** Tags HEAD (e.g. `iter-3`). Idempotent when the tag already points at HEAD; refuses to move it. */
  async tag(name: string): Promise<string> {
    if (!TAG.test(name) || name.includes('..') || name.endsWith('.lock'))
      throw new UserError(`invalid tag name '${name}' (letters, digits, ., _ and -)`);
    const head = await this.head();
    const existing = await this.tryResolve(`refs/tags/${name}`);
    if (existing === head) return head;
    if (existing)
      throw new UserError(`tag ${name} already points at ${existing.slice(0, 10)}, not at HEAD ${head.slice(0, 10)}`);
    await this.git.raw(['tag', name, head]);
    return head;
  }

  /** Harness-relative paths that differ from HEAD in the working tree (changed, new or deleted), sorted. */
  async uncommittedFiles(): Promise<string[]> {
    return [...new Set((await this.status()).map((e) => e.path))].sort();
  }

  /**
   * `git status` entries: X = index vs HEAD, Y = working tree vs index (porcelain v1). `--branch`
   * makes git always print a line: simple-git waits 50 ms after a command that prints nothing.
   */
  private async status(): Promise<{ x: string; y: string; path: string }[]> {
    const out = await this.git.raw([
      'status',
      '--porcelain=v1',
      '-z',
      '--branch',
      '--untracked-files=all',
      '--no-renames',
    ]);
    return out
      .split('\0')
      .filter((entry) => entry.length > 3 && !entry.startsWith('## '))
      .map((entry) => ({ x: entry[0]!, y: entry[1]!, path: entry.slice(3) }));
  }

  /**
   * Commits exactly the working-tree changes of `files` (default: every changed file) as one commit.
   * Each path must pass the edit policy (harness.yaml only in components, the seed prompt kept, no
   * symlinks); listed files must have changed; an empty change is refused.
   */
  async commitChange(change: { message: string; files?: string[] }): Promise<string> {
    if (!change.message.trim())
      throw new ChangeRefusedError(['the commit message is empty: say in one line what the change does']);
    const changed = await this.uncommittedFiles();
    let paths = changed;
    if (change.files) {
      const checks = change.files.map((f) => checkEditablePath(f));
      const refused = checks.flatMap((c) => (c.ok ? [] : [c.reason]));
      if (refused.length) throw new ChangeRefusedError(refused);
      const listed = [...new Set(checks.map((c) => (c.ok ? c.path : '')))].sort();
      const unchanged = listed.filter((f) => !changed.includes(f));
      if (unchanged.length)
        throw new ChangeRefusedError([
          `listed but unchanged since the last commit: ${unchanged.join(', ')} (changed: ${changed.join(', ') || 'nothing'})`,
        ]);
      paths = listed;
    }
    if (paths.length === 0)
      throw new ChangeRefusedError(['nothing to commit: no harness file differs from the last commit']);
    const seedPrompt = (await this.fileAt(SEED_TAG, 'system_prompt.md')) ?? '';
    const problems: string[] = [];
    for (const path of paths) {
      const where = checkEditablePath(path, { harnessDir: this.dir });
      const verdict = where.ok
        ? checkFileEdit(path, {
            before: (await this.fileAt('HEAD', path)) ?? null,
            after: this.readWorking(path),
            seedPrompt,
          })
        : where;
      if (!verdict.ok) problems.push(verdict.reason);
    }
    if (problems.length) throw new ChangeRefusedError(problems);
    // --only: exactly these paths, whatever else may be staged. --verbose: see status() on the 50 ms.
    await this.git.raw(['add', '--all', '--verbose', '--', ...paths]);
    return this.commitIndex(change.message, { only: paths });
  }

  /** Undoes a commit with a new commit; the sha of that commit. See revertCommit for how. */
  async revert(sha: string, message: string): Promise<string> {
    return (await this.revertCommit(sha, message)).sha;
  }

  /**
   * Undoes `sha` with a new commit whose message is `message` plus `This reverts commit <sha>.`.
   * First `git revert --no-commit` (a three-way revert keeps later edits to the same files). When that
   * conflicts — a later kept change edited the same lines — the files the change touched are restored
   * to their content before it (deleted when it created them): the harmful change is then surely gone,
   * and later edits to those files are undone too; the message and result name those commits.
   */
  async revertCommit(sha: string, message: string): Promise<RevertResult> {
    const target = await this.resolveRef(sha);
    const head = await this.head();
    if (!(await this.tryResolve(`${target}^`)))
      throw new UserError(`${target.slice(0, 10)} is the seed commit: it cannot be reverted`);
    if ((await this.git.raw(['merge-base', target, head])).trim() !== target)
      throw new UserError(`${target.slice(0, 10)} is not in the history of HEAD ${head.slice(0, 10)}`);
    const dirty = await this.uncommittedFiles();
    if (dirty.length)
      throw new UserError(
        `cannot revert with uncommitted changes in ${this.dir}: ${dirty.join(', ')} (discard them first)`,
      );
    const body = [message.trim() || `Revert ${target.slice(0, 10)}`, '', revertLine(target)];
    let method: RevertResult['method'] = 'revert';
    let overwrittenCommits: string[] = [];
    try {
      await this.git.raw(['revert', '--no-commit', '--no-edit', target]);
      // Unmerged entries (UU, AA, DU…): a conflict even if git's exit status went unnoticed.
      if ((await this.status()).some((e) => e.x === 'U' || e.y === 'U' || (e.x === e.y && 'AD'.includes(e.x))))
        throw new Error('conflict');
    } catch {
      await this.git.raw(['revert', '--quit']).catch(() => undefined);
      await this.discardUncommitted();
      method = 'restore-files';
      const files = await this.changedFiles(`${target}^`, target);
      for (const file of files) {
        if ((await this.fileAt(`${target}^`, file)) !== undefined)
          await this.git.raw(['checkout', `${target}^`, '--', file]);
        else await this.git.raw(['rm', '--quiet', '--force', '--ignore-unmatch', '--', file]);
      }
      const log = await this.git.raw(['log', '--format=%H %s', `${target}..${head}`, '--', ...files]);
      overwrittenCommits = log
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(0, 40));
      body.push(
        '',
        `git revert conflicted, so ${files.join(', ')} were restored to their content before ${target.slice(0, 10)}.`,
      );
      if (log.trim())
        body.push(
          'This also undid the edits of these later commits to those files:',
          ...log
            .trim()
            .split('\n')
            .map((l) => `  ${l}`),
        );
    }
    const staged = (await this.status()).some((e) => e.x !== ' ' && e.x !== '?');
    if (!staged) body.push('', 'Nothing left to undo: the change was already undone by later commits.');
    const newSha = await this.commitIndex(body.join('\n'), { allowEmpty: !staged });
    return { sha: newSha, reverted: target, method, overwrittenCommits };
  }

  /** How many commits `to` is ahead of `from` (`git rev-list --count from..to`). */
  async commitsBetween(from: string, to: string): Promise<number> {
    const [a, b] = [await this.resolveRef(from), await this.resolveRef(to)];
    return Number((await this.git.raw(['rev-list', '--count', `${a}..${b}`])).trim());
  }

  /** The commits after `from` up to `to`, newest first. */
  async commitsAfter(from: string, to = 'HEAD'): Promise<string[]> {
    const [a, b] = [await this.resolveRef(from), await this.resolveRef(to)];
    return (await this.git.raw(['rev-list', `${a}..${b}`])).split('\n').filter(Boolean);
  }

  /** The newest commit after `sha` that reverts it (by its `This reverts commit` line), if any. */
  async findRevertOf(sha: string): Promise<string | undefined> {
    const target = await this.resolveRef(sha);
    const log = await this.git.raw(['log', '--format=%H%x1f%B%x1e', `${target}..HEAD`]);
    for (const record of log.split('\x1e')) {
      const [commit, bodyText] = record.trim().split('\x1f');
      if (commit && bodyText?.includes(revertLine(target))) return commit;
    }
    return undefined;
  }

  /** Unified diff between two refs (no colour, no external diff tools, renames as delete + add). */
  async diff(fromRef: string, toRef: string): Promise<string> {
    const [from, to] = [await this.resolveRef(fromRef), await this.resolveRef(toRef)];
    return this.git.raw(['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', from, to, '--']);
  }

  /** Harness-relative paths that differ between two refs, sorted. */
  async changedFiles(fromRef: string, toRef: string): Promise<string[]> {
    const [from, to] = [await this.resolveRef(fromRef), await this.resolveRef(toRef)];
    const out = await this.git.raw(['diff', '--name-only', '-z', '--no-renames', from, to, '--']);
    return out.split('\0').filter(Boolean).sort();
  }

  /** A file's text as of a ref; undefined when it does not exist there. */
  async fileAt(ref: string, path: string): Promise<string | undefined> {
    const sha = await this.resolveRef(ref);
    const clean = path.replace(/^\.\//, '');
    if (!clean || clean.startsWith('/') || clean.split('/').includes('..'))
      throw new UserError(`${path} is not a path inside the harness`);
    const entry = await this.git.raw(['ls-tree', '-z', sha, '--', clean]);
    if (!/^\d+ blob /.test(entry)) return undefined;
    return this.git.raw(['cat-file', 'blob', `${sha}:${clean}`]);
  }

  /**
   * Writes the harness as of `ref` into `dir` (e.g. RUN/best, RUN/iterations/N/harness), replacing what
   * is there. Atomic for readers: the files are checked out into a temporary sibling through a
   * temporary index (the workspace's own index and working tree are untouched), then renamed into place.
   */
  async exportTo(ref: string, dir: string): Promise<void> {
    const sha = await this.resolveRef(ref);
    const target = resolve(dir);
    const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}${sep}`);
    if (overlaps(target, this.dir) || overlaps(this.dir, target))
      throw new UserError(`cannot export into ${target}: it overlaps the workspace ${this.dir}`);
    const parent = dirname(target);
    mkdirSync(parent, { recursive: true });
    const prefix = `.${basename(target)}.export-`;
    for (const stale of readdirSync(parent).filter((n) => n.startsWith(prefix)))
      rmSync(join(parent, stale), { recursive: true, force: true });
    const temp = join(parent, `${prefix}${process.pid}-${Date.now()}`);
    const index = join(this.dir, '.git', `ahe-export-${process.pid}-${Date.now()}.index`);
    mkdirSync(temp);
    try {
      const exporter = repositoryGit(this.dir, { GIT_INDEX_FILE: index, GIT_WORK_TREE: temp });
      await exporter.raw(['read-tree', sha]);
      await exporter.raw(['checkout-index', '--all', '--force']);
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      throw error;
    } finally {
      rmSync(index, { force: true });
    }
    const old = existsSync(target) ? `${temp}.old` : undefined;
    if (old) renameSync(target, old);
    renameSync(temp, target);
    if (old) rmSync(old, { recursive: true, force: true });
  }

  /**
   * Moves HEAD (and the working tree) to a commit of this repository, dropping uncommitted work: best-of-N
   * starts each candidate session from the same commit and finally moves to the winner's. Commits left
   * behind stay reachable through their tags (`cand-<n>-<i>`).
   */
  async resetTo(ref: string): Promise<void> {
    const sha = await this.resolveRef(ref);
    await this.git.raw(['reset', '--hard', sha]);
    await this.git.raw(['clean', '-d', '--force', '-x', '--quiet']);
  }

  /** Restores the working tree to HEAD (e.g. after a refused change); the paths that were discarded. */
  async discardUncommitted(): Promise<string[]> {
    const discarded = await this.uncommittedFiles();
    await this.git.raw(['reset', '--hard', 'HEAD']);
    await this.git.raw(['clean', '-d', '--force', '-x', '--quiet']);
    return discarded;
  }

  private readWorking(path: string): string | null {
    const file = join(this.dir, path);
    try {
      return lstatSync(file).isFile() ? readFileSync(file, 'utf8') : null;
    } catch {
      return null;
    }
  }

  /** Commits the index; throws when git did not move HEAD (simple-git resolves some failures silently). */
  private async commitIndex(message: string, options: { allowEmpty?: boolean; only?: string[] } = {}): Promise<string> {
    const before = await this.tryResolve('HEAD');
    const only = options.only ? ['--only', '--', ...options.only] : [];
    await this.git.raw([
      'commit',
      '--no-verify',
      ...(options.allowEmpty ? ['--allow-empty'] : []),
      '-m',
      message,
      ...only,
    ]);
    const after = await this.tryResolve('HEAD');
    if (!after || after === before) throw new Error(`git commit in ${this.dir} did not create a commit`);
    return after;
  }

  /** Used once, by createWorkspace, on the temporary directory it builds the repository in. */
  static async initialise(dir: string): Promise<void> {
    const git = repositoryGit(dir);
    await git.raw(['init']);
    await git.raw(['symbolic-ref', 'HEAD', 'refs/heads/main']);
    await configureRepository(dir);
    await git.raw(['add', '--all', '--verbose', '--', '.']);
    await git.raw(['commit', '--no-verify', '-m', 'seed']);
    await git.raw(['tag', SEED_TAG, 'HEAD']);
  }
}

/**
 * Creates RUN/harness from a copy of the seed harness (its regular files; hidden files and symlinks
 * are not copied), as a git repository with the seed as its first commit, tagged `seed`. The
 * repository is built in a temporary sibling and renamed into place, so a crash never leaves a
 * half-made workspace. Refuses when RUN/harness already exists (resume with openWorkspace).
 */
export async function createWorkspace(runDir: string, seedHarnessDir: string): Promise<Workspace> {
  const seed = resolve(seedHarnessDir);
  if (!existsSync(join(seed, 'harness.yaml')))
    throw new UserError(`${seedHarnessDir} is not a harness directory: harness.yaml is missing`);
  const root = resolve(runDir);
  const target = join(root, HARNESS_SUBDIR);
  if (existsSync(target))
    throw new UserError(`${target} already exists: resume that run, or choose another output directory`);
  mkdirSync(root, { recursive: true });
  const prefix = `.${HARNESS_SUBDIR}.creating-`;
  for (const stale of readdirSync(root).filter((n) => n.startsWith(prefix)))
    rmSync(join(root, stale), { recursive: true, force: true });
  const temp = join(root, `${prefix}${process.pid}-${Date.now()}`);
  try {
    for (const file of listHarnessFiles(seed)) {
      mkdirSync(dirname(join(temp, file)), { recursive: true });
      copyFileSync(join(seed, file), join(temp, file));
    }
    await Workspace.initialise(temp);
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return Workspace.open(root);
}

export const openWorkspace = (runDir: string): Promise<Workspace> => Workspace.open(runDir);
