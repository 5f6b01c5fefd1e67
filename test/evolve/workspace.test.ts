// The run's harness workspace on real git repositories in temporary directories: seed commit, change
// commits under the edit policy, tags, reverts (also conflicting ones), exports, diffs, resume.

import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { UserError } from '../../src/errors.ts';
import { repositoryGit } from '../../src/evolve/git-env.ts';
import { ChangeRefusedError, createWorkspace, openWorkspace, type Workspace } from '../../src/evolve/workspace.ts';
import { listHarnessFiles } from '../../src/harness/list-harness-files.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const SEED_PROMPT = readFileSync(join(SEED, 'system_prompt.md'), 'utf8');

before(() => {
  // A machine without a git identity: no global or XDG config. The workspace must still commit.
  const home = mkdtempSync(join(tmpdir(), 'ahe-ws-home-'));
  process.env.HOME = home;
  process.env.XDG_CONFIG_HOME = home;
});

async function newRun(): Promise<{ runDir: string; ws: Workspace }> {
  const runDir = join(mkdtempSync(join(tmpdir(), 'ahe-ws-')), 'run');
  return { runDir, ws: await createWorkspace(runDir, SEED) };
}

function write(ws: Workspace, rel: string, text: string): void {
  mkdirSync(join(ws.dir, rel, '..'), { recursive: true });
  writeFileSync(join(ws.dir, rel), text);
}

const log = async (ws: Workspace) => (await repositoryGit(ws.dir).raw(['log', '--format=%s'])).trim().split('\n');

async function refusal(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ChangeRefusedError, `expected ChangeRefusedError, got ${error}`);
    return error.problems;
  }
  assert.fail('the change was committed');
}

test('createWorkspace copies the seed into RUN/harness as one commit tagged seed, with a local identity', async () => {
  const { runDir, ws } = await newRun();
  assert.equal(ws.dir, join(runDir, 'harness'));
  assert.deepEqual(listHarnessFiles(ws.dir), listHarnessFiles(SEED));
  assert.deepEqual(await log(ws), ['seed']);
  assert.equal(await ws.resolveRef('seed'), await ws.head());
  assert.deepEqual(await ws.uncommittedFiles(), []);
  const config = readFileSync(join(ws.dir, '.git', 'config'), 'utf8');
  assert.match(config, /name = ahe evolve/);
  assert.doesNotMatch(config, /worktree/, 'no absolute work tree: the run directory can be moved');
  assert.equal((await repositoryGit(ws.dir).raw(['symbolic-ref', 'HEAD'])).trim(), 'refs/heads/main');
  assert.deepEqual(readdirSync(runDir), ['harness'], 'no temporary directory left behind');
  await assert.rejects(
    createWorkspace(runDir, SEED),
    (e: Error) => e instanceof UserError && /harness already exists/.test(e.message),
  );
});

test('commitChange commits a memory file; diff, changedFiles and fileAt show it', async () => {
  const { ws } = await newRun();
  write(ws, 'memory/lessons.md', '# Lessons\n\nRun the tests before finishing.\n');
  assert.deepEqual(await ws.uncommittedFiles(), ['memory/lessons.md']);
  const sha = await ws.commitChange({ message: 'memory: run the tests before finishing' });
  assert.equal(sha, await ws.head());
  assert.match(sha, /^[0-9a-f]{40}$/);
  assert.deepEqual(await log(ws), ['memory: run the tests before finishing', 'seed']);
  assert.deepEqual(await ws.uncommittedFiles(), []);
  assert.deepEqual(await ws.changedFiles('seed', sha), ['memory/lessons.md']);
  assert.equal(await ws.fileAt(sha, 'memory/lessons.md'), '# Lessons\n\nRun the tests before finishing.\n');
  assert.equal(await ws.fileAt('seed', 'memory/lessons.md'), undefined);
  assert.equal(await ws.fileAt('seed', 'system_prompt.md'), SEED_PROMPT);
  const diff = await ws.diff('seed', sha);
  assert.match(diff, /^diff --git a\/memory\/lessons\.md b\/memory\/lessons\.md$/m);
  assert.match(diff, /^\+Run the tests before finishing\.$/m);
  assert.equal(await ws.diff(sha, sha), '');
  await assert.rejects(ws.fileAt('no-such-ref', 'system_prompt.md'), /no-such-ref is not a commit/);
});

test('commitChange refuses an empty change and commits only the listed files', async () => {
  const { ws } = await newRun();
  assert.match((await refusal(ws.commitChange({ message: 'nothing' })))[0]!, /nothing to commit/);
  write(ws, 'memory/a.md', 'lesson a\n');
  write(ws, 'memory/b.md', 'lesson b\n');
  assert.match(
    (await refusal(ws.commitChange({ message: 'x', files: ['memory/c.md'] })))[0]!,
    /listed but unchanged since the last commit: memory\/c\.md \(changed: memory\/a\.md, memory\/b\.md\)/,
  );
  assert.match(
    (await refusal(ws.commitChange({ message: 'x', files: ['../tasks/x/instruction.md'] })))[0]!,
    /uses '\.\.': paths may not leave the harness directory/,
  );
  const sha = await ws.commitChange({ message: 'memory a', files: ['./memory//a.md'] });
  assert.deepEqual(await ws.changedFiles('seed', sha), ['memory/a.md']);
  assert.deepEqual(await ws.uncommittedFiles(), ['memory/b.md']);
  // Deleting a component file is a change too.
  rmSync(join(ws.dir, 'memory/a.md'));
  const removal = await ws.commitChange({ message: 'drop memory a', files: ['memory/a.md'] });
  assert.equal(await ws.fileAt(removal, 'memory/a.md'), undefined);
  assert.deepEqual(await ws.uncommittedFiles(), ['memory/b.md']);
});

test('commitChange enforces the edit policy: model settings, the seed prompt, files outside the components, symlinks', async () => {
  const { ws } = await newRun();
  const yaml = readFileSync(join(ws.dir, 'harness.yaml'), 'utf8');
  write(ws, 'harness.yaml', yaml.replace('context_budget_tokens: 128000', 'context_budget_tokens: 256000'));
  const [reason] = await refusal(ws.commitChange({ message: 'bigger context' }));
  assert.match(
    reason!,
    /harness\.yaml: model\.context_budget_tokens: 128000 → 256000 is refused; only the components: section/,
  );
  assert.deepEqual(await ws.discardUncommitted(), ['harness.yaml']);
  assert.equal(readFileSync(join(ws.dir, 'harness.yaml'), 'utf8'), yaml);

  write(ws, 'harness.yaml', `${yaml}components:\n  memory: all\n`);
  const allowed = await ws.commitChange({ message: 'components: memory all' });
  assert.deepEqual(await ws.changedFiles('seed', allowed), ['harness.yaml']);

  write(ws, 'system_prompt.md', 'You are a coding agent.\n');
  assert.match(
    (await refusal(ws.commitChange({ message: 'shorter prompt' })))[0]!,
    /system_prompt\.md: the seed paragraph "You are a coding agent working in a terminal\..*" was removed or altered/,
  );
  write(ws, 'system_prompt.md', `${SEED_PROMPT}\nAlways run the tests before you finish.\n`);
  await ws.commitChange({ message: 'prompt: run the tests' });

  write(ws, 'notes.txt', 'scratch\n');
  write(ws, 'memory/ok.md', 'fine\n');
  const problems = await refusal(ws.commitChange({ message: 'two files' }));
  assert.equal(problems.length, 1, 'only the file outside the components is refused');
  assert.match(
    problems[0]!,
    /^notes\.txt: notes\.txt is not a harness component file \(editable harness files: system_prompt\.md/,
  );
  assert.deepEqual(await ws.discardUncommitted(), ['memory/ok.md', 'notes.txt']);
  assert.equal(existsSync(join(ws.dir, 'notes.txt')), false, 'untracked files are removed too');

  const outside = mkdtempSync(join(tmpdir(), 'ahe-ws-outside-'));
  writeFileSync(join(outside, 'secret.md'), 'not harness\n');
  mkdirSync(join(ws.dir, 'memory'), { recursive: true });
  symlinkSync(join(outside, 'secret.md'), join(ws.dir, 'memory', 'link.md'));
  const linkProblems = await refusal(ws.commitChange({ message: 'links', files: ['memory/link.md'] }));
  assert.match(linkProblems[0]!, /memory\/link\.md is a symlink/);
});

test('tag is idempotent at HEAD and never moves an existing tag', async () => {
  const { ws } = await newRun();
  const head = await ws.head();
  assert.equal(await ws.tag('iter-0'), head);
  assert.equal(await ws.tag('iter-0'), head);
  write(ws, 'memory/x.md', 'x\n');
  const next = await ws.commitChange({ message: 'x' });
  await assert.rejects(
    ws.tag('iter-0'),
    new RegExp(`tag iter-0 already points at ${head.slice(0, 10)}, not at HEAD ${next.slice(0, 10)}`),
  );
  assert.equal(await ws.tag('iter-1'), next);
  assert.equal(await ws.resolveRef('iter-0'), head);
  await assert.rejects(ws.tag('--force'), /invalid tag name/);
});

test('revert undoes a change with a commit that names it; findRevertOf finds that commit', async () => {
  const { ws } = await newRun();
  write(ws, 'memory/lessons.md', 'keep this\n');
  const kept = await ws.commitChange({ message: 'kept lesson' });
  write(ws, 'memory/bad.md', 'a harmful lesson\n');
  const bad = await ws.commitChange({ message: 'bad lesson' });
  assert.equal(await ws.findRevertOf(bad), undefined);
  const revert = await ws.revert(bad, 'rollback bad: HARMFUL');
  assert.equal(await ws.head(), revert);
  assert.equal(existsSync(join(ws.dir, 'memory/bad.md')), false);
  assert.equal(readFileSync(join(ws.dir, 'memory/lessons.md'), 'utf8'), 'keep this\n');
  const message = await repositoryGit(ws.dir).raw(['log', '-1', '--format=%B']);
  assert.match(message, new RegExp(`^rollback bad: HARMFUL\\n\\nThis reverts commit ${bad}\\.`));
  assert.equal(await ws.findRevertOf(bad), revert);
  assert.equal(await ws.findRevertOf(kept), undefined);
  await assert.rejects(ws.revert('seed', 'no'), /is the seed commit: it cannot be reverted/);
  write(ws, 'memory/dirty.md', 'uncommitted\n');
  await assert.rejects(ws.revert(kept, 'no'), /cannot revert with uncommitted changes .*memory\/dirty\.md/);
});

test('a conflicting revert restores the files the change touched and names the later commits it overrode', async () => {
  const { ws } = await newRun();
  write(ws, 'memory/lessons.md', 'line one\n');
  const base = await ws.commitChange({ message: 'lessons' });
  write(ws, 'memory/lessons.md', 'line one, harmful edit\n');
  const harmful = await ws.commitChange({ message: 'harmful edit' });
  write(ws, 'memory/lessons.md', 'line one, harmful edit, then refined\n');
  const later = await ws.commitChange({ message: 'refine' });
  const result = await ws.revertCommit(harmful, 'rollback harmful');
  assert.equal(result.method, 'restore-files');
  assert.deepEqual(result.overwrittenCommits, [later]);
  assert.equal(readFileSync(join(ws.dir, 'memory/lessons.md'), 'utf8'), 'line one\n');
  assert.equal(await ws.fileAt('HEAD', 'memory/lessons.md'), await ws.fileAt(base, 'memory/lessons.md'));
  assert.deepEqual(await ws.uncommittedFiles(), []);
  const message = await repositoryGit(ws.dir).raw(['log', '-1', '--format=%B']);
  assert.match(message, new RegExp(`This reverts commit ${harmful}\\.`));
  assert.match(
    message,
    new RegExp(`This also undid the edits of these later commits to those files:\\n  ${later} refine`),
  );
  assert.equal(existsSync(join(ws.dir, '.git', 'REVERT_HEAD')), false);
});

test('exportTo materialises a ref into a directory, replacing an earlier export, leaving the workspace alone', async () => {
  const { runDir, ws } = await newRun();
  write(ws, 'memory/lessons.md', 'a lesson\n');
  const withMemory = await ws.commitChange({ message: 'memory' });
  await ws.tag('iter-1');
  write(ws, 'memory/draft.md', 'uncommitted draft\n');
  const best = join(runDir, 'best');
  await ws.exportTo('iter-1', best);
  assert.deepEqual(listHarnessFiles(best), [...listHarnessFiles(SEED), 'memory/lessons.md'].sort());
  assert.equal(readFileSync(join(best, 'memory/lessons.md'), 'utf8'), 'a lesson\n');
  assert.equal(existsSync(join(best, '.git')), false);
  assert.deepEqual(await ws.uncommittedFiles(), ['memory/draft.md'], 'the working tree and index are untouched');
  await ws.exportTo('seed', best);
  assert.deepEqual(listHarnessFiles(best), listHarnessFiles(SEED), 'a file absent at the new ref is gone');
  assert.deepEqual(readdirSync(runDir).sort(), ['best', 'harness'], 'no temporary directories left behind');
  await ws.exportTo(withMemory, join(runDir, 'iterations', '1', 'harness'));
  assert.equal(readFileSync(join(runDir, 'iterations/1/harness/memory/lessons.md'), 'utf8'), 'a lesson\n');
  assert.equal(
    readdirSync(join(ws.dir, '.git')).filter((n) => n.endsWith('.index')).length,
    0,
    'temporary index removed',
  );
  await assert.rejects(ws.exportTo('seed', runDir), /cannot export into .*: it overlaps the workspace/);
  await assert.rejects(ws.exportTo('seed', join(ws.dir, 'memory')), /overlaps the workspace/);
});

test('openWorkspace resumes a run and names the missing file when the directory is not a run', async () => {
  const { runDir, ws } = await newRun();
  write(ws, 'memory/x.md', 'x\n');
  const sha = await ws.commitChange({ message: 'x' });
  const reopened = await openWorkspace(runDir);
  assert.equal(await reopened.head(), sha);
  const notARun = mkdtempSync(join(tmpdir(), 'ahe-ws-notrun-'));
  await assert.rejects(
    openWorkspace(notARun),
    (e: Error) => e instanceof UserError && e.message.includes(`${join(notARun, 'harness', '.git')} is missing`),
  );
});

test('git never acts on a repository that contains the run directory', async () => {
  const outer = mkdtempSync(join(tmpdir(), 'ahe-ws-outer-'));
  await simpleGit({ baseDir: outer }).init();
  const runDir = join(outer, 'runs', 'x');
  const ws = await createWorkspace(runDir, SEED);
  write(ws, 'memory/x.md', 'x\n');
  await ws.commitChange({ message: 'x' });
  const outerGit = simpleGit({ baseDir: outer });
  assert.equal(
    (await outerGit.raw(['rev-parse', '--verify', '--quiet', 'HEAD'])).trim(),
    '',
    'the outer repository has no commit',
  );
  rmSync(join(ws.dir, '.git'), { recursive: true });
  await assert.rejects(ws.head(), 'a workspace whose .git vanished fails instead of using the outer repository');
  await assert.rejects(openWorkspace(runDir), /is not an ahe run/);
});
