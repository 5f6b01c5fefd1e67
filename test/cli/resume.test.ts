// --resume means the same on `ahe eval` and `ahe evolve`: continue an existing job or run, never start
// one. `--resume DIR` names it, `--out DIR --resume` too; with nothing there to continue it is refused.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-resume-'));

/** A one-task suite evaluated once by the oracle: `ahe eval --tasks SUITE --agent oracle …` and its job. */
async function oracleJob() {
  const dir = tmp();
  const suite = join(dir, 'suite');
  makeTask({ name: 'solvable' }, suite);
  const job = join(dir, 'job');
  const evalArgs = ['eval', '--tasks', suite, '--agent', 'oracle'];
  const first = await runCli([...evalArgs, '--quiet', '--out', job]);
  assert.equal(first.exitCode, 0, first.stderr);
  return { job, evalArgs, first };
}

test('eval --resume JOB and eval --out JOB --resume continue the job; nothing finished runs again', {
  skip,
}, async () => {
  const { job, evalArgs } = await oracleJob();
  const trials = readdirSync(job).filter((f) => f.startsWith('solvable__'));
  assert.equal(trials.length, 1);
  for (const form of [
    ['--resume', job],
    ['--out', job, '--resume'],
  ]) {
    const again = await runCli([...evalArgs, ...form]);
    assert.equal(again.exitCode, 0, `${form.join(' ')}: ${again.stderr}`);
    assert.match(again.stderr, /^1 of 1 trials already finished, 0 to run$/m, form.join(' '));
    assert.match(again.stderr, new RegExp(`resuming ${job}`));
  }
  assert.deepEqual(
    readdirSync(job).filter((f) => f.startsWith('solvable__')),
    trials,
    'no trial was run again',
  );
});

test('eval counts what tries moved aside to run again spent (.replaced/), apart from the scored trials', {
  skip,
}, async () => {
  const { job, evalArgs, first } = await oracleJob();
  assert.doesNotMatch(first.stdout, /also spent/);
  // A try that ended in an infrastructure error after spending tokens, moved aside when it was run again.
  const replaced = join(job, '.replaced', 'solvable__1.1');
  mkdirSync(replaced, { recursive: true });
  writeFileSync(
    join(replaced, 'result.json'),
    JSON.stringify({ agent_result: { n_input_tokens: 1200, n_output_tokens: 300, n_cache_tokens: 0, cost_usd: 0.25 } }),
  );
  const again = await runCli([...evalArgs, '--quiet', '--resume', job]);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(
    again.stdout,
    /^also spent by 1 earlier try run again \(kept in \.replaced\/, not scored\): tokens 1\.2k prompt \+ 300 completion · cost \$0\.2500$/m,
  );
  assert.match(again.stdout, /^pass@1 100\.0%/m, 'the moved-aside try is not scored');
});

test('--resume with nothing to continue is refused on eval and evolve alike, naming the directory', async () => {
  const dir = tmp();
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const suite = join(dir, 'suite');
  makeTask({ name: 'solvable' }, suite);
  const cases: [string[], RegExp][] = [
    [
      ['eval', '--tasks', suite, '--agent', 'oracle', '--resume', empty],
      /^ahe: --resume .*empty: not an ahe eval job \(no config\.json\); drop --resume to start one there$/m,
    ],
    [
      ['eval', '--tasks', suite, '--agent', 'oracle', '--out', empty, '--resume'],
      /^ahe: --resume .*empty: not an ahe eval job \(no config\.json\)/m,
    ],
    [
      ['eval', '--tasks', suite, '--agent', 'oracle', '--out', join(dir, 'other'), '--resume', empty],
      /^ahe: --out .*other with --resume .*empty: a resumed job stays in its directory; drop --out$/m,
    ],
    [['evolve', '--resume', empty], /^ahe: --resume .*empty: not an ahe evolve run \(no state\.json\)$/m],
    [['evolve', '--out', empty, '--resume'], /^ahe: --resume .*empty: not an ahe evolve run \(no state\.json\)$/m],
    [['evolve', '--resume'], /^ahe: --resume needs the run directory: --resume RUN \(or --out RUN --resume\)$/m],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { cwd: dir });
    assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, STACK_LINE);
  }
});
