// `ahe ablate` as a user meets it, offline on scripted models and bundled tasks: a run whose best harness
// changed memory, tools and a sub-agent, where only the memory lesson matters to the coding model —
// the ablation shows it; unchanged types and a variant that does not validate are reported; the
// estimate spends nothing; a budget stops cleanly and the same command continues; a kill -9 loses no
// finished trial; a directory that is not a run, or a run without a best harness, is refused.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { loadRunState, saveRunState } from '../../src/evolve/run-state.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeAblationRun } from '../experiments/ablation-fixture.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/ahe.js', import.meta.url));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-ablate-'));
const LONG = { timeoutMs: 300_000 };

interface Variant {
  name: string;
  status: string;
  score: { pass_at_1: number; tokens_per_trial: number; tokens_per_solved_task: number | null } | null;
  vs_seed: { mean_difference: number; p_value: number; p_holm: number } | null;
  vs_best: { mean_difference: number; p_holm: number } | null;
  invalid_reason?: string[];
}
const variants = (runDir: string): Record<string, Variant> =>
  Object.fromEntries(
    (readJson(join(runDir, 'ablation', 'ablation.json')).variants as Variant[]).map((v) => [v.name, v]),
  );

/** Every finished trial of the ablation's jobs: `<job>/<trial>` → the trial's id. */
function finishedTrials(runDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const jobs = join(runDir, 'ablation', 'jobs');
  if (!existsSync(jobs)) return out;
  for (const job of readdirSync(jobs))
    for (const trial of readdirSync(join(jobs, job))) {
      const file = join(jobs, job, trial, 'result.json');
      if (!existsSync(file)) continue;
      const r = readJson(file);
      if (r.finished_at) out.set(`${job}/${trial}`, r.id);
    }
  return out;
}

test('only the memory change matters: memory only ≈ best, tools only ≈ seed; unchanged and invalid variants reported', {
  skip,
}, async () => {
  const { runDir } = await makeAblationRun(tmp());
  const estimate = await runCli(['ablate', runDir, '--estimate-only']);
  assert.equal(estimate.exitCode, 0, estimate.stderr);
  assert.match(estimate.stderr, /6 harnesses to evaluate · 3 tasks \(training: .*\) × k=1/);
  assert.match(estimate.stderr, /18 trials to run of 18 \(0 already measured\)/);
  assert.match(estimate.stderr, /subagents only\s+does not validate, not evaluated: subagents\/word-counter\.yaml/);
  // The estimate spends nothing: no job exists.
  assert.equal(existsSync(join(runDir, 'ablation', 'jobs')), false);

  const done = await runCli(['ablate', runDir, '--quiet'], LONG);
  assert.equal(done.exitCode, 0, done.stderr);
  const v = variants(runDir);
  const pass = (name: string) => v[name]!.score?.pass_at_1;
  assert.equal(pass('seed'), 1 / 3);
  assert.equal(pass('best'), 2 / 3);
  assert.equal(pass('only-memory'), pass('best'));
  assert.equal(pass('only-tools'), pass('seed'));
  assert.equal(pass('without-memory'), pass('seed'));
  assert.equal(pass('without-subagents'), pass('best'));
  assert.equal(v['only-memory']!.vs_best!.mean_difference, 0);
  assert.equal(v['only-tools']!.vs_seed!.mean_difference, 0);
  assert.ok(Math.abs(v.best!.vs_seed!.mean_difference - 1 / 3) < 1e-9);
  // Holm within each family: never below the raw p-value.
  for (const x of Object.values(v)) if (x.vs_seed) assert.ok(x.vs_seed.p_holm >= x.vs_seed.p_value);
  assert.ok(v.best!.score!.tokens_per_trial > 0);
  assert.equal(v['only-subagents']!.status, 'invalid');
  assert.match(v['only-subagents']!.invalid_reason!.join('\n'), /unknown tool 'count_words'/);
  assert.equal(v['without-tools']!.status, 'invalid');
  assert.equal(v['without-tools']!.score, null);
  const report = readJson(join(runDir, 'ablation', 'ablation.json'));
  assert.deepEqual(report.unchanged, ['system_prompt', 'middleware', 'skills', 'harness_yaml']);
  assert.equal(report.complete, true);
  assert.deepEqual(report.holm_families.vs_seed, [
    'best',
    'only-tools',
    'only-memory',
    'without-subagents',
    'without-memory',
  ]);
  const markdown = readFileSync(join(runDir, 'ablation', 'ablation.md'), 'utf8');
  assert.equal(done.stdout.trim(), markdown.trim());
  assert.match(markdown, /\| \*\*memory only\*\* \(`only-memory`\) \| 66\.7% /);
  assert.match(
    markdown,
    /Unchanged by the best harness \(not evaluated\): system_prompt, middleware, skills, harness_yaml/,
  );
  assert.match(
    markdown,
    /\*\*subagents only\*\* \(`only-subagents`\): subagents\/word-counter\.yaml.*unknown tool 'count_words'/,
  );

  // The same command again runs nothing and reads the same numbers.
  const before = finishedTrials(runDir);
  assert.equal(before.size, 18);
  const again = await runCli(['ablate', runDir, '--quiet'], LONG);
  assert.equal(again.exitCode, 0, again.stderr);
  assert.deepEqual(finishedTrials(runDir), before);
  assert.equal(again.stdout.trim(), markdown.trim());
  // Other settings would mix conditions into the jobs: refused before anything runs, naming the setting.
  const other = await runCli(['ablate', runDir, '-k', '2']);
  assert.equal(other.exitCode, 2, other.stderr);
  assert.match(
    other.stderr,
    /seed: .*jobs\/seed\/config\.json was measured with other settings; differs: -k \(k: 1 recorded, 2 requested\) — run with the recorded settings, or move .*ablation aside/,
  );
  assert.deepEqual(finishedTrials(runDir), before);
});

test('a token budget stops cleanly; the same command without it continues and re-runs no finished trial', {
  skip,
}, async () => {
  const { runDir } = await makeAblationRun(tmp());
  const args = ['ablate', runDir, '--components', 'memory', '--concurrency', '1', '--quiet'];
  const stopped = await runCli([...args, '--budget-tokens', '1500'], LONG);
  assert.equal(stopped.exitCode, 0, stopped.stderr);
  assert.match(stopped.stderr, /token budget reached: \d+ of 1500; raise the budget and run the same command again/);
  const partial = readJson(join(runDir, 'ablation', 'ablation.json'));
  assert.equal(partial.complete, false);
  assert.match(partial.stopped, /token budget reached/);
  assert.ok(partial.spent.tokens >= 1500);
  const kept = finishedTrials(runDir);
  assert.ok(kept.size > 0 && kept.size < 12, `finished before the stop: ${kept.size}`);
  // The budget counts what earlier invocations spent: the same budget again stops at once.
  const still = await runCli([...args, '--budget-tokens', '1500'], LONG);
  assert.match(still.stderr, /token budget reached/);
  assert.deepEqual(finishedTrials(runDir), kept);

  const finished = await runCli(args, LONG);
  assert.equal(finished.exitCode, 0, finished.stderr);
  assert.equal(readJson(join(runDir, 'ablation', 'ablation.json')).complete, true);
  const all = finishedTrials(runDir);
  // seed, best, memory only, best − memory (tools and the sub-agent keep them apart from seed and best): 4 × 3 trials.
  assert.equal(all.size, 12);
  for (const [trial, id] of kept) assert.equal(all.get(trial), id, `${trial} ran again`);
});

test('killed with -9 in the middle, the same command continues: finished trials are kept, not run again', {
  skip,
}, async () => {
  const { runDir } = await makeAblationRun(tmp());
  const args = ['ablate', runDir, '--components', 'memory', '--concurrency', '1', '--quiet'];
  const child = execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
  const deadline = Date.now() + 120_000;
  while (finishedTrials(runDir).size < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  child.kill('SIGKILL');
  await child;
  const kept = finishedTrials(runDir);
  assert.ok(kept.size >= 1, 'no trial finished before the kill');
  assert.equal(existsSync(join(runDir, 'ablation', 'ablation.json')), false, 'the kill came after the end');

  const again = await runCli(args, LONG);
  assert.equal(again.exitCode, 0, again.stderr);
  const report = readJson(join(runDir, 'ablation', 'ablation.json'));
  assert.equal(report.complete, true);
  const all = finishedTrials(runDir);
  for (const [trial, id] of kept) assert.equal(all.get(trial), id, `${trial} ran again`);
  const seedLog = readFileSync(join(runDir, 'ablation', 'jobs', 'seed', 'job.log'), 'utf8');
  assert.match(seedLog, /planned 3 trials: [1-3] already finished/);
});

test('refused: a directory that is not a run, a run without a best harness, an unknown component type', async () => {
  const dir = tmp();
  const notRun = join(dir, 'empty');
  mkdirSync(notRun);
  const a = await runCli(['ablate', notRun]);
  assert.equal(a.exitCode, 2);
  assert.match(a.stderr, /not an ahe evolve run \(no state\.json/);
  assert.doesNotMatch(a.stderr, STACK_LINE);

  const { runDir } = await makeAblationRun(join(dir, 'r'));
  const b = await runCli(['ablate', runDir, '--components', 'memory,colour']);
  assert.equal(b.exitCode, 2);
  assert.match(
    b.stderr,
    /--components <types>' argument 'memory,colour' is invalid\. expected component types .*got 'colour'/,
  );

  saveRunState(runDir, { ...loadRunState(runDir), best: null });
  const c = await runCli(['ablate', runDir]);
  assert.equal(c.exitCode, 2);
  assert.match(c.stderr, /the run has no best harness yet/);
  const t = await runCli(['transfer', runDir, '--model', 'scripted:/nonexistent.yaml']);
  assert.equal(t.exitCode, 2);
  assert.match(t.stderr, /the run has no best harness yet/);
});
