// `ahe evolve` as a user meets it: the cost estimate, bad input named before anything is spent, and a
// real kill -9 in the middle of a run followed by --resume.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveArgs } from '../support/demo-evolve.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-cli-evolve-'));

test('evolve checks its input and prints a cost estimate before spending anything', async () => {
  const dir = tmp();
  /** `ahe evolve` of the seed harness on the bundled training tasks with an OpenAI model, into dir/run. */
  const evolveArgs = [
    'evolve',
    '--harness',
    join(ROOT, 'harnesses', 'seed'),
    '--tasks',
    join(ROOT, 'tasks', 'train'),
    '--model',
    'openai:gpt-5.4',
    '--out',
    join(dir, 'run'),
  ];
  const noKey = await runCli(evolveArgs);
  assert.equal(noKey.exitCode, 2);
  assert.match(noKey.stderr, /OPENAI_API_KEY is not set/);
  assert.equal(existsSync(join(dir, 'run')), false);
  /** `ahe evolve --estimate-only` on the bundled training tasks, 4 iterations, with a key that must never be printed. */
  const estimateOnly = (...extra: string[]) =>
    runCli([...evolveArgs, '--iterations', '4', '--estimate-only', ...extra], {
      env: { OPENAI_API_KEY: 'sk-test-not-used' },
    });
  const estimate = await estimateOnly('--holdout', join(ROOT, 'tasks', 'holdout'));
  assert.equal(estimate.exitCode, 0, estimate.stderr);
  assert.match(estimate.stderr, /30 training tasks \+ 10 held-out × k=2 · 4 iterations/);
  assert.match(estimate.stderr, /coding +openai:gpt-5\.4: 340 trials/); // (4+1)·30·2 train + 2·10·2 held-out (at 0 and at the end)
  assert.match(estimate.stderr, /evolver +openai:gpt-5\.4: 4 sessions/);
  assert.doesNotMatch(estimate.stderr + estimate.stdout, /sk-test-not-used/);
  assert.equal(existsSync(join(dir, 'run')), false);
  // The same plan under --method ace and --eval-policy adaptive: the evolver's calls are ace's two per
  // iteration, and the trials adaptive's budget, half of fixed's.
  const ace = await estimateOnly('--method', 'ace', '--eval-policy', 'adaptive');
  assert.equal(ace.exitCode, 0, ace.stderr);
  assert.match(ace.stderr, /coding +openai:gpt-5\.4: 150 trials \(adaptive's budget, 50% of fixed's 300;/);
  assert.match(ace.stderr, /evolver +openai:gpt-5\.4: 8 calls \(reflector \+ curator per iteration\)/);
  const missing = await runCli(['evolve', '--tasks', join(ROOT, 'tasks', 'train')]);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /missing --harness, --model, --out \(or continue a run with --resume RUN\)/);
  const notRun = await runCli(['evolve', '--resume', dir]);
  assert.equal(notRun.exitCode, 2);
  assert.match(notRun.stderr, /not an ahe evolve run \(no state\.json\)/);
  for (const r of [noKey, missing, notRun]) assert.doesNotMatch(r.stderr, STACK_LINE);
});

test('a run killed with -9 in the middle resumes with --resume and ends with the same verdicts', { skip }, async () => {
  const dir = tmp();
  const demo = makeDemo(dir);
  const run = join(dir, 'run');
  const args = demoEvolveArgs(demo, { out: run, iterations: 3, concurrency: 3 });
  const child = execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
  const marker = join(run, 'iterations', '1', 'job', 'result.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await child;
  const state = JSON.parse(readFileSync(join(run, 'state.json'), 'utf8'));
  assert.notEqual(state.step, 'done');
  const again = await runCli(args);
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already holds a run: continue it with --resume/);
  const resumed = await runCli(['evolve', '--resume', run], { timeoutMs: 120_000 });
  assert.equal(resumed.exitCode, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming .* at iteration 1/);
  assert.match(resumed.stdout, /check-stated-rules EFFECTIVE/);
  assert.match(resumed.stdout, /save-time HARMFUL \| save-time/);
  assert.match(resumed.stdout, /Stopped: all 3 iterations done\./);
});
