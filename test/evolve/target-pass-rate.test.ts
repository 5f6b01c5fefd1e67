// --target-pass-rate on the offline demo (examples/evolve-demo), whose iteration 1 (with the helpful
// lesson) scores above the seed. A reference run without a target gives each iteration's train pass@1;
// a target equal to iteration 1's then stops the run after iteration 1 — with its held-out evaluation,
// though --holdout-every would not have asked for one there — and says so in state.json and
// summary.json; --resume with a higher target (a changeable flag) carries on to the last iteration.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { compareResumeFlags } from '../../src/cli/evolve-flags.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { extendRun, loadRunState } from '../../src/evolve/run-state.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function setup(target: number | null) {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-target-'));
  const demo = makeDemo(dir);
  const holdout = join(dir, 'holdout');
  cpSync(join(demo.tasks, 'csv-region-totals'), join(holdout, 'csv-region-totals'), { recursive: true });
  const config: EvolveConfig = demoEvolveConfig(demo, { holdout, target_pass_rate: target });
  return { runDir: join(dir, 'run'), config };
}

/** Train pass@1 per iteration of the demo run without a target (its scripted models are deterministic). */
let reference: number[] | undefined;
async function referenceScores(): Promise<number[]> {
  if (!reference) {
    const { runDir, config } = setup(null);
    await runEvolve({ runDir, config });
    reference = [0, 1, 2, 3].map((n) => readJson(join(runDir, 'iterations', String(n), 'job/result.json')).pass_at_1);
  }
  return reference;
}

test('the run stops once train pass@1 reaches the target, held-out evaluated there; a higher target on --resume continues', {
  skip,
}, async () => {
  const scores = await referenceScores();
  assert.ok(scores[1]! > scores[0]!, `the demo's iteration 1 should beat its seed: ${scores.join(', ')}`);
  const target = scores[1]!;
  const { runDir, config } = setup(target);
  const it = (n: number, file: string) => join(runDir, 'iterations', String(n), file);
  const state = await runEvolve({ runDir, config });
  const reason = `target reached: train pass@1 ${pct(target)} ≥ --target-pass-rate ${pct(target)}`;
  assert.equal(state.step, 'done');
  assert.equal(state.iteration, 1);
  assert.equal(state.stopped?.reason, reason);
  assert.equal(loadRunState(runDir).stopped?.reason, reason);
  assert.equal(readJson(join(runDir, 'summary.json')).stopped.reason, reason);
  assert.ok(readFileSync(join(runDir, 'summary.md'), 'utf8').includes(`Stopped: ${reason}.`));
  // Held-out at the seed (0 % 5) and at the iteration that reached the target (not a multiple of 5).
  assert.equal(readJson(it(1, 'stats.json')).holdout.n_tasks, 1);
  assert.ok(existsSync(it(0, 'holdout-job/result.json')));
  // Nothing after it: no evolve session at iteration 1, no iteration 2.
  assert.equal(existsSync(it(1, 'change_manifest.json')), false);
  assert.equal(existsSync(join(runDir, 'iterations', '2')), false);

  // The same target again changes nothing: the run stays finished.
  assert.deepEqual(compareResumeFlags({ targetPassRate: target }, loadRunState(runDir).config).changes, {});
  // A higher one is a change --resume applies (as `ahe evolve --resume RUN --target-pass-rate 1` does).
  const { changes, refused } = compareResumeFlags({ targetPassRate: 1 }, loadRunState(runDir).config);
  assert.deepEqual(refused, []);
  assert.deepEqual(changes, { target_pass_rate: 1 });
  assert.equal(loadRunState(runDir).step, 'done');
  extendRun(runDir, changes);
  assert.equal(loadRunState(runDir).step, 'evolve');
  const resumed = await runEvolve({ runDir });
  // It goes on as the reference run did, up to the last iteration unless one of them reaches 100%.
  const hit = scores.findIndex((score, n) => n >= 2 && score >= 1);
  assert.equal(resumed.iteration, hit >= 0 ? hit : 3);
  assert.equal(
    resumed.stopped?.reason,
    hit >= 0 ? 'target reached: train pass@1 100.0% ≥ --target-pass-rate 100.0%' : 'all 3 iterations done',
  );
  assert.ok(existsSync(it(1, 'change_manifest.json')));
  assert.ok(existsSync(it(resumed.iteration, 'holdout-job/result.json')));
  if (resumed.iteration === 3) assert.equal(existsSync(it(2, 'holdout-job')), false);
});

test('a target the seed already reaches ends the run at iteration 0, held-out included', { skip }, async () => {
  const seed = (await referenceScores())[0]!;
  const { runDir, config } = setup(seed);
  const state = await runEvolve({ runDir, config });
  assert.equal(state.iteration, 0);
  assert.equal(state.stopped?.reason, `target reached: train pass@1 ${pct(seed)} ≥ --target-pass-rate ${pct(seed)}`);
  assert.ok(existsSync(join(runDir, 'iterations', '0', 'holdout-job', 'result.json')));
  assert.equal(existsSync(join(runDir, 'iterations', '0', 'change_manifest.json')), false);
});
