// `ahe evolve` keeps RUN/report.html up to date and says where it is; with an `ahe serve` running over
// the run's directory it prints the URL to follow the run. The keeper itself: a failing write is one
// warning and never stops the run; a slow one is only repeated after whole iterations.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { keepReport } from '../../src/cli/evolve-report.ts';
import type { RunState } from '../../src/evolve/run-state.ts';
import { PAYLOAD_ELEMENT_ID, type ReportPayload, type RunReport } from '../../src/report/report-data.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveArgs } from '../support/demo-evolve.ts';
import { runCli } from '../support/run-cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-evolve-report-'));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('ahe evolve writes RUN/report.html, names it, and prints the ahe serve URL once', {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = realpathSync(tmp());
  const demo = makeDemo(dir);
  const run = join(dir, 'run');
  // A server record as a running `ahe serve` over `dir` leaves it (its pid must live: this process's).
  const runtime = tmp();
  mkdirSync(join(runtime, 'ahe-serve'), { mode: 0o700 });
  writeFileSync(
    join(runtime, 'ahe-serve', `${process.pid}-7999.json`),
    JSON.stringify({ url: 'http://127.0.0.1:7999/', root: dir, pid: process.pid }),
  );
  const result = await runCli(demoEvolveArgs(demo, { out: run, iterations: 1, concurrency: 3 }), {
    env: { XDG_RUNTIME_DIR: runtime },
    timeoutMs: 150_000,
  });
  assert.equal(result.exitCode, 0, result.stderr);
  const file = join(run, 'report.html');
  const named = result.stderr.match(new RegExp(`^report: ${literal(file)} \\(kept up to date\\)$`, 'gm')) ?? [];
  assert.equal(named.length, 1, result.stderr);
  const follow = result.stderr.match(/^follow along: .*$/gm) ?? [];
  assert.deepEqual(follow, ['follow along: http://127.0.0.1:7999/?path=run']);
  assert.doesNotMatch(result.stderr, /could not write/);
  // The report shows the run as it ended: both iterations, stopped.
  const html = readFileSync(file, 'utf8');
  const json = new RegExp(`<script type="application/json" id="${PAYLOAD_ELEMENT_ID}">(.*?)</script>`, 's').exec(
    html,
  )?.[1];
  assert.ok(json, 'the page carries its payload');
  const report = (JSON.parse(json) as ReportPayload).report as RunReport;
  assert.equal(report.kind, 'run');
  assert.deepEqual(
    report.iterations.map((i) => i.iteration),
    [0, 1],
  );
  assert.equal(report.status.done, true);
});

test('ahe evolve --quiet names neither the report nor a URL, and still writes the report', {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = tmp();
  const demo = makeDemo(dir);
  const run = join(dir, 'run');
  const result = await runCli([...demoEvolveArgs(demo, { out: run, iterations: 0 }), '--quiet'], {
    timeoutMs: 150_000,
  });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /^report: |^follow along: /m);
  assert.ok(readFileSync(join(run, 'report.html'), 'utf8').startsWith('<!DOCTYPE html>'));
});

const at = (iteration: number, step: RunState['step']) => ({ iteration, step }) as RunState;

/** A run directory with a state.json (the keeper writes nothing for a run that never started). */
function runDir(): string {
  const dir = tmp();
  writeFileSync(join(dir, 'state.json'), '{}');
  return dir;
}

test('a failing report write is one warning line, and the run is not stopped by it', async () => {
  const warnings: string[] = [];
  let calls = 0;
  const keeper = keepReport(runDir(), {
    warn: (l) => warnings.push(l),
    write: async () => {
      calls++;
      throw new Error('disk full\nsecond line');
    },
  });
  keeper.afterStep(at(0, 'holdout'));
  keeper.afterStep(at(0, 'stats'));
  await keeper.finish();
  keeper.afterStep(at(1, 'evaluate'));
  await keeper.finish();
  assert.ok(calls >= 3);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0]!,
    /^ahe: warning: could not write .*report\.html \(disk full\); the run goes on without it$/,
  );
});

test('writes never overlap; after a slow one the report is rewritten only when an iteration ends', async () => {
  let running = 0;
  let overlapped = false;
  let calls = 0;
  const keeper = keepReport(runDir(), {
    warn: () => {},
    slowMs: 10,
    write: async () => {
      calls++;
      running++;
      if (running > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, 30));
      running--;
    },
  });
  keeper.afterStep(at(0, 'holdout'));
  // Asked for during the write: coalesced into one more write after it.
  keeper.afterStep(at(0, 'stats'));
  keeper.afterStep(at(0, 'attribution'));
  await keeper.finish();
  assert.equal(overlapped, false);
  // holdout's write and finish's own (the two asked during the first write are covered by finish's).
  assert.equal(calls, 2);
  // Every write was slow: steps inside an iteration no longer write, the end of one does.
  keeper.afterStep(at(0, 'gate'));
  keeper.afterStep(at(0, 'debug'));
  await keeper.finish();
  assert.equal(calls, 3);
  keeper.afterStep(at(1, 'evaluate'));
  await keeper.finish();
  assert.equal(calls, 5);
});
