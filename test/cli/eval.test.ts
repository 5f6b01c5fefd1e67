// `ahe eval` and `ahe tasks check` as a user meets them: a job on disk in Harbor's layout, pass@k
// by hand, resume after kill -9, a scripted model solving bundled tasks, and bad input.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { makeTask } from '../support/make-task.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-eval-${prefix}-`));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('eval --agent oracle -k 2 writes a Harbor job with hand-checkable pass@k; tasks check flags an unsound task', {
  skip,
}, async () => {
  const suite = tmp('suite');
  makeTask({ name: 'solvable' }, suite);
  makeTask({ name: 'unsolvable', solve: 'echo giving up\n' }, suite);
  makeTask(
    { name: 'half', test: 'mkdir -p /logs/verifier; echo \'{"reward": 0.5}\' > /logs/verifier/reward.json\n' },
    suite,
  );
  const broken = makeTask({ name: 'broken' }, suite);
  writeFileSync(join(broken, 'task.toml'), 'version = "1.0"\n[agent]\ntimeout_sec = "soon"\n');
  const out = join(tmp('job'), 'j');
  // A task that cannot be loaded fails the command, naming its file and field, before anything runs.
  const refused = await runCli(['eval', '--tasks', suite, '--agent', 'oracle', '-k', '2', '--out', out]);
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /--tasks .*: 1 task cannot be loaded \(fix it, or pass --skip-invalid-tasks to run the others\):\n {2}.*broken\/task\.toml: agent\.timeout_sec: /,
  );
  assert.equal(existsSync(out), false);
  const r = await runCli(
    ['eval', '--tasks', suite, '--agent', 'oracle', '-k', '2', '--out', out, '--skip-invalid-tasks'],
    { timeoutMs: 120_000 },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, /skipped .*broken\/task\.toml: agent\.timeout_sec: /);
  assert.match(r.stdout, /pass@1 33\.3% \(95% CI .*; standard error 33\.3%\) over 3 tasks, k=2 · pass@2 33\.3%/);
  assert.match(r.stdout, /half\s+0\/2\s+0\.5 0\.5/);
  const job = readJson(join(out, 'result.json'));
  assert.equal(job.n_total_trials, 6);
  assert.equal(job.pass_at_1, 1 / 3);
  assert.deepEqual(job.tasks.solvable, { n: 2, c: 2, rewards: [1, 1], exceptions: [] });
  assert.deepEqual(job.tasks.half.rewards, [0.5, 0.5]);
  assert.ok(job.finished_at);
  assert.equal(job.stats.n_trials, 6);
  assert.deepEqual(readdirSync(out).sort(), [
    'config.json',
    'half__1',
    'half__2',
    'job.log',
    'result.json',
    'solvable__1',
    'solvable__2',
    'unsolvable__1',
    'unsolvable__2',
  ]);
  const config = readJson(join(out, 'config.json'));
  assert.equal(config.k, 2);
  assert.equal(config.agent.name, 'oracle');

  const check = await runCli(['tasks', 'check', suite, '--quiet'], { timeoutMs: 120_000 });
  assert.equal(check.exitCode, 1, check.stdout + check.stderr);
  assert.match(check.stdout, /solvable\s+1\s+0\s+ok/);
  assert.match(check.stdout, /unsolvable\s+0\s+0\s+UNSOUND: oracle fails/);
  assert.match(check.stdout, /oracle 1\/3 passed/);
});

test('a job killed with -9 resumes: finished trials are kept, not re-run, and nothing is counted twice', {
  skip,
}, async () => {
  const suite = tmp('slow');
  for (const name of ['s1', 's2', 's3', 's4']) makeTask({ name, solve: 'sleep 1.5; touch /app/done\n' }, suite);
  const out = join(tmp('job'), 'j');
  const args = ['eval', '--tasks', suite, '--agent', 'oracle', '--concurrency', '1', '--out', out];
  const child = execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
  const firstResult = join(out, 's1__1', 'result.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(firstResult) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(firstResult), 'the first trial never finished');
  await new Promise((r) => setTimeout(r, 300)); // the second trial is now running
  child.kill('SIGKILL');
  await child;
  const keptId = readJson(firstResult).id;
  const partial = readJson(join(out, 'result.json'));
  assert.equal(partial.finished_at, null);

  const again = await runCli(args, { timeoutMs: 120_000 });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, /resuming .*\n(.*\n)*[1-3] of 4 trials already finished/);
  assert.equal(readJson(firstResult).id, keptId);
  const job = readJson(join(out, 'result.json'));
  assert.equal(job.n_total_trials, 4);
  assert.equal(job.stats.n_trials, 4);
  assert.equal(job.pass_at_1, 1);
  assert.ok(job.finished_at);
  // The killed job's sandboxes died with it.
  const left = await execa('bash', ['-c', `pgrep -af bwrap | grep -c ahe-s[0-9]__ || true`]);
  assert.equal(left.stdout.trim(), '0');
  // Running it once more runs nothing; `--resume JOB` alone takes the job's recorded settings.
  const third = await runCli(['eval', '--resume', out]);
  assert.equal(third.exitCode, 0, third.stderr);
  assert.match(third.stderr, /agent oracle · backend bwrap/);
  assert.match(third.stderr, /^4 of 4 trials already finished, 0 to run$/m);
  // A setting given that differs from the job's is refused, as before.
  const other = await runCli(['eval', '--resume', out, '-k', '2']);
  assert.equal(other.exitCode, 2);
  assert.match(other.stderr, /differs: -k \(k: 1 recorded, 2 requested\)/);
});

test('eval with a scripted model on bundled tasks: the harness agent solves two, gives up on one; traces are ATIF', {
  skip,
}, async () => {
  const solve = (task: string) => readFileSync(join(ROOT, 'tasks', 'train', task, 'solution', 'solve.sh'), 'utf8');
  const solving = (needle: string, task: string) => ({
    when: { user_contains: needle },
    turns: [
      {
        reply: {
          content: 'Running the fix.',
          tool_calls: [{ name: 'run_shell_command', arguments: { command: solve(task) } }],
        },
      },
      { reply: { content: 'Done.' } },
    ],
  });
  const dir = tmp('script');
  const script = join(dir, 'solver.yaml');
  writeFileSync(
    script,
    stringify({
      name: 'bundled-solver',
      variants: [
        solving('sales.csv', 'csv-region-totals'),
        solving('book.txt', 'top-words'),
        { when: { user_contains: 'config.json' }, turns: [{ reply: { content: 'I cannot fix this.' } }] },
      ],
    }),
  );
  const out = join(dir, 'job');
  const r = await runCli(
    [
      'eval',
      '--tasks',
      join(ROOT, 'tasks', 'train'),
      '--task',
      'csv-region-totals',
      'top-words',
      'repair-json-config',
      '--harness',
      join(ROOT, 'harnesses', 'seed'),
      '--model',
      `scripted:${script}`,
      '--out',
      out,
      '--concurrency',
      '3',
    ],
    { timeoutMs: 120_000 },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const job = readJson(join(out, 'result.json'));
  assert.equal(job.tasks['csv-region-totals'].c, 1);
  assert.equal(job.tasks['top-words'].c, 1);
  assert.equal(job.tasks['repair-json-config'].c, 0);
  assert.ok(job.tokens.prompt > 0);
  const trial = readJson(join(out, 'top-words__1', 'result.json'));
  assert.equal(trial.agent_info.model_info.provider, 'scripted');
  assert.equal(trial.agent_result.metadata.steps, 2);
  const trajectory = readJson(join(out, 'top-words__1', 'agent', 'trajectory.json'));
  assert.deepEqual(validateAtif(trajectory), []);
  assert.ok(existsSync(join(out, 'top-words__1', 'agent', 'events.jsonl')));
});

test('bad eval input gets a clear error, never a stack', async () => {
  const suite = tmp('bad');
  makeTask({ name: 'one' }, suite);
  const noModel = await runCli(['eval', '--tasks', suite]);
  assert.equal(noModel.exitCode, 2);
  assert.match(noModel.stderr, /--agent harness needs --harness DIR and --model SPEC/);
  // A directory that holds something else is not written into (a harness here), by eval or evolve.
  const foreign = tmp('foreign');
  writeFileSync(join(foreign, 'harness.yaml'), 'name: mine\n');
  for (const args of [
    ['eval', '--tasks', suite, '--agent', 'oracle', '--out', foreign],
    [
      'evolve',
      '--harness',
      join(ROOT, 'harnesses/seed'),
      '--tasks',
      suite,
      '--model',
      'scripted:x.yaml',
      '--out',
      foreign,
    ],
  ]) {
    const refused = await runCli(args);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /--out .* is not empty \(harness\.yaml\) and holds no ahe job or run: choose a new or empty directory/,
    );
  }
  assert.deepEqual(readdirSync(foreign), ['harness.yaml']);
  const noTasks = await runCli(['eval', '--agent', 'oracle']);
  assert.equal(noTasks.exitCode, 2);
  assert.match(noTasks.stderr, /required option '--tasks <dir>' not specified \(or continue a job with --resume JOB\)/);
  const unknown = await runCli(['eval', '--tasks', suite, '--agent', 'oracle', '--task', 'nope']);
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.stderr, /--task nope: not a task of .* \(it has: one\)/);
  const missing = await runCli(['eval', '--tasks', join(suite, 'absent'), '--agent', 'oracle']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /--tasks <dir>' argument .*absent' is invalid\. .*absent does not exist/);
  const badAgent = await runCli(['eval', '--tasks', suite, '--agent', 'wizard']);
  assert.equal(badAgent.exitCode, 2);
  assert.match(badAgent.stderr, /Allowed choices are harness, oracle, noop/);
  for (const r of [noModel, unknown, missing, badAgent]) assert.doesNotMatch(r.stderr, STACK_LINE);
});
