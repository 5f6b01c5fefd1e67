// The offline evolve demo (examples/evolve-demo) with its coding model under fault injection, run as a
// user runs it (`AHE_DEMO_CHAOS=<rate> npm run demo:evolve`): at a low rate it finishes; at a high rate it
// stops resumably and `--resume` with a healthy model (AHE_CHAOS_RATE=0) completes it. Either way every
// injected fault is in a trace, no planned trial is lost or counted twice, no infrastructure error is
// scored, and nothing ends in an internal error.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_TASKS } from '../../examples/evolve-demo/make-demo.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUN_DEMO = join(ROOT, 'examples', 'evolve-demo', 'run-demo.ts');
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Runs the demo script; its output is kept (never printed), a bounded tail goes into failure messages. */
function demo(args: string[], env: Record<string, string>) {
  const child = spawnSync('node', ['--import', 'tsx', RUN_DEMO, ...args], {
    cwd: ROOT,
    env: { ...process.env, AHE_CHAOS_SEED: '', AHE_CHAOS_RATE: '', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${child.stdout}${child.stderr}`;
  return { status: child.status, output, tail: output.slice(-3000) };
}

function assertNoInternalError(run: { output: string; tail: string }) {
  assert.doesNotMatch(
    run.output,
    /internal error|\n\s+at .+:\d+:\d+\)?\n/,
    `internal error or stack trace:\n${run.tail}`,
  );
}

interface Fault {
  trial: string;
  kind: string;
}

/** The injected faults a trial's trace shows: tagged replies and injected provider errors. */
function faultsOf(trialDir: string): Fault[] {
  const file = join(trialDir, 'agent', 'events.jsonl');
  if (!existsSync(file)) return [];
  const faults: Fault[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('chaos')) continue;
    const event = JSON.parse(line) as { type: string; model?: string; error_type?: string; message?: string };
    const tag = event.type === 'model_call' ? /\[chaos: (\w+)\]/.exec(event.model ?? '')?.[1] : undefined;
    if (tag) faults.push({ trial: trialDir, kind: tag });
    if (event.type === 'model_error' && /injected fault/.test(event.message ?? ''))
      faults.push({ trial: trialDir, kind: event.error_type ?? '?' });
  }
  return faults;
}

/**
 * Checks every evaluation of a run: each planned trial (3 tasks × 1) has a result, none is counted twice
 * or scored when it ended in an infrastructure error, and each infrastructure error shows its injected
 * fault in the trial's trace. Returns the faults the traces show.
 */
function checkEvaluations(runDir: string, iterations: number[]): Fault[] {
  const faults: Fault[] = [];
  for (const n of iterations) {
    const job = join(runDir, 'iterations', String(n), 'job');
    const result = readJson(join(job, 'result.json'));
    const trials = readdirSync(job, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
    assert.deepEqual(
      trials,
      DEMO_TASKS.map((t) => `${t}__1`),
      `iteration ${n}: one trial directory per planned trial`,
    );
    assert.deepEqual(result.missing_trials ?? [], [], `iteration ${n}: no planned trial is missing`);
    const counted = Object.values(
      result.stats.evals as Record<string, { reward_stats?: { reward?: Record<string, string[]> } }>,
    ).flatMap((e) => Object.values(e.reward_stats?.reward ?? {}).flat());
    assert.equal(new Set(counted).size, counted.length, `iteration ${n}: a trial counted twice: ${counted.join(', ')}`);
    for (const trial of trials) {
      const r = readJson(join(job, trial, 'result.json'));
      const type = r.exception_info?.exception_type;
      const shown = faultsOf(join(job, trial));
      faults.push(...shown);
      assert.notEqual(
        type,
        'InfrastructureError',
        `iteration ${n}: ${trial} is still an infrastructure error in a finished evaluation`,
      );
      if (/^(ModelUnavailableError|ModelConnectionError)/.test(r.exception_info?.exception_message ?? '')) {
        assert.fail(
          `iteration ${n}: ${trial} ended on an injected provider error but is recorded as ${type}, and scored`,
        );
      }
    }
  }
  return faults;
}

test('demo under chaos at rate 0.1: finishes, every fault in a trace, every trial counted once', {
  skip,
  timeout: 600_000,
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'ahe-chaos-demo-low-'));
  const run = demo([out], { AHE_DEMO_CHAOS: '0.1' });
  assertNoInternalError(run);
  assert.equal(run.status, 0, run.tail);
  assert.match(run.output, /Stopped: all 3 iterations done/);
  const faults = checkEvaluations(join(out, 'run'), [0, 1, 2, 3]);
  assert.ok(faults.length > 0, 'seed 1 at rate 0.1 injects faults into the demo');
});

test('demo under chaos at rate 0.5: stops resumably; --resume with a healthy model completes it', {
  skip,
  timeout: 900_000,
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'ahe-chaos-demo-high-'));
  const runDir = join(out, 'run');
  const stopped = demo([out], { AHE_DEMO_CHAOS: '0.5' });
  assertNoInternalError(stopped);
  assert.notEqual(stopped.status, 0, `a run this faulty must stop, not finish:\n${stopped.tail}`);
  assert.match(
    stopped.output,
    /^ahe: .*(incomplete|infrastructure errors).*--resume/m,
    `one clear line says why and how to continue:\n${stopped.tail}`,
  );
  assert.match(stopped.output, /npm run demo:evolve -- --resume /, 'the demo says how to continue');
  const state = readJson(join(runDir, 'state.json'));
  assert.notEqual(state.step, 'done');

  const resumed = demo(['--resume', out], { AHE_CHAOS_RATE: '0' });
  assertNoInternalError(resumed);
  assert.equal(resumed.status, 0, resumed.tail);
  assert.match(resumed.output, /Stopped: all 3 iterations done/);
  checkEvaluations(runDir, [0, 1, 2, 3]);
  // The tries that ended on an injected provider error were run again; their traces are kept aside.
  const replaced = [0, 1, 2, 3].flatMap((n) => {
    const dir = join(runDir, 'iterations', String(n), 'job', '.replaced');
    return existsSync(dir) ? readdirSync(dir).map((t) => join(dir, t)) : [];
  });
  assert.ok(replaced.length > 0, 'the stopped run had infrastructure errors that were run again');
  for (const dir of replaced) {
    assert.equal(readJson(join(dir, 'result.json')).exception_info?.exception_type, 'InfrastructureError', dir);
    assert.ok(
      faultsOf(dir).some((f) => /^Model(Unavailable|Connection)Error$/.test(f.kind)),
      `${dir}: its trace shows the injected fault`,
    );
  }
});
