// `ahe transfer` offline: the run's seed and best on a second scripted model, which the evolved lesson
// hurts (it gives up on csv-region-totals with the lesson in its context): the report says so, task by
// task; the estimate spends nothing; a budget stops cleanly and a kill -9 loses no finished trial.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeAblationRun } from '../experiments/ablation-fixture.ts';
import { runCli } from '../support/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/ahe.js', import.meta.url));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-transfer-'));
const LONG = { timeoutMs: 300_000 };
const NAME = 'scripted-second-agent.script.yaml';

function finishedTrials(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const jobs = join(dir, 'jobs');
  if (!existsSync(jobs)) return out;
  for (const job of readdirSync(jobs))
    for (const trial of readdirSync(join(jobs, job))) {
      const file = join(jobs, job, trial, 'result.json');
      if (existsSync(file) && readJson(file).finished_at) out.set(`${job}/${trial}`, readJson(file).id);
    }
  return out;
}

test('transfer to a second model: the lesson that helped the first hurts it, and the flips say where', {
  skip,
}, async () => {
  const { runDir, secondModel } = await makeAblationRun(tmp());
  const dir = join(runDir, 'transfer', NAME);
  const estimate = await runCli(['transfer', runDir, '--model', secondModel, '--estimate-only']);
  assert.equal(estimate.exitCode, 0, estimate.stderr);
  assert.match(estimate.stderr, /6 trials to run of 6 \(0 already measured\)/);
  assert.equal(existsSync(join(dir, 'jobs')), false);

  const done = await runCli(['transfer', runDir, '--model', secondModel, '--quiet'], LONG);
  assert.equal(done.exitCode, 0, done.stderr);
  const report = readJson(join(dir, 'transfer.json'));
  assert.equal(report.model, secondModel);
  assert.equal(report.seed.score.pass_at_1, 2 / 3);
  assert.equal(report.best.score.pass_at_1, 1 / 3);
  assert.ok(Math.abs(report.best_vs_seed.mean_difference + 1 / 3) < 1e-9);
  assert.deepEqual(
    report.best_vs_seed.flips.map((f: { task: string; change: string }) => [f.task, f.change]),
    [['csv-region-totals', 'regressed']],
  );
  assert.equal(report.complete, true);
  assert.ok(report.seed.score.tokens_per_solved_task > 0);
  const markdown = readFileSync(join(dir, 'transfer.md'), 'utf8');
  assert.equal(done.stdout.trim(), markdown.trim());
  assert.match(markdown, /\| csv-region-totals \| regressed \| 1\/1 \| 0\/1 \|/);
  assert.match(markdown, /\*\*best − seed\*\*: −33\.3 pts/);

  // Its own name, and the run's own model on the same tasks: the run's result reproduced.
  const own = await runCli(
    ['transfer', runDir, '--model', readJson(join(runDir, 'state.json')).config.model, '--name', 'same', '--quiet'],
    LONG,
  );
  assert.equal(own.exitCode, 0, own.stderr);
  const same = readJson(join(runDir, 'transfer', 'same', 'transfer.json'));
  assert.deepEqual(
    same.best_vs_seed.flips.map((f: { task: string; change: string }) => [f.task, f.change]),
    [['top-words', 'fixed']],
  );
  // The same name with another model would mix two models into one job: refused, naming the setting.
  const mixed = await runCli(['transfer', runDir, '--model', secondModel, '--name', 'same']);
  assert.equal(mixed.exitCode, 2, mixed.stderr);
  assert.match(mixed.stderr, /differs: --model .* or give another --name/);
  const bad = await runCli(['transfer', runDir, '--model', secondModel, '--name', '../out']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--name <name>' argument '\.\.\/out' is invalid\. expected 1–100 letters/);
});

test('transfer: a budget stops cleanly, a kill -9 loses nothing, the same command finishes the job', {
  skip,
}, async () => {
  const { runDir, secondModel } = await makeAblationRun(tmp());
  const dir = join(runDir, 'transfer', NAME);
  const args = ['transfer', runDir, '--model', secondModel, '--concurrency', '1', '--quiet'];
  const stopped = await runCli([...args, '--budget-tokens', '600'], LONG);
  assert.equal(stopped.exitCode, 0, stopped.stderr);
  assert.match(stopped.stderr, /token budget reached/);
  assert.equal(readJson(join(dir, 'transfer.json')).complete, false);
  const afterBudget = finishedTrials(dir);
  assert.ok(afterBudget.size < 6);

  const child = execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
  const deadline = Date.now() + 120_000;
  while (finishedTrials(dir).size <= afterBudget.size && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 25));
  child.kill('SIGKILL');
  await child;
  const kept = finishedTrials(dir);
  assert.ok(kept.size > afterBudget.size, 'no trial finished before the kill');

  const again = await runCli(args, LONG);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(readJson(join(dir, 'transfer.json')).complete, true);
  const all = finishedTrials(dir);
  assert.equal(all.size, 6);
  for (const [trial, id] of kept) assert.equal(all.get(trial), id, `${trial} ran again`);
});
