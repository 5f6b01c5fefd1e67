// bwrap sandbox lifecycle: create + one trivial exec + teardown, and a single exec in a live sandbox.
// Target (issue 4): lifecycle median under 50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../src/sandbox/bwrap-sandbox.ts';

if (!bwrapAvailable()) {
  console.log(`skipped: ${bwrapInstallHint()}`);
  process.exit(0);
}
const RUNS = Number(process.env.RUNS ?? 100);
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const lifecycle: number[] = [];
const execs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const trialDir = mkdtempSync(join(tmpdir(), 'ahe-bench-sb-'));
  const t0 = performance.now();
  const sb = await createBwrapSandbox({ trialDir });
  const r = await sb.exec('true');
  if (r.exitCode !== 0) throw new Error(`exec failed: ${r.stderr}`);
  await sb.close();
  lifecycle.push(performance.now() - t0);
  rmSync(trialDir, { recursive: true, force: true });
}
const trialDir = mkdtempSync(join(tmpdir(), 'ahe-bench-sb-'));
const sb = await createBwrapSandbox({ trialDir });
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  await sb.exec('true');
  execs.push(performance.now() - t0);
}
await sb.close();
rmSync(trialDir, { recursive: true, force: true });
const row = (name: string, xs: number[]) =>
  `| ${name} | ${RUNS} | ${quantile(xs, 0.5).toFixed(1)} ms | ${quantile(xs, 0.95).toFixed(1)} ms |`;
console.log('| measure | runs | median | p95 |\n|---|---|---|---|');
console.log(row('create + exec `true` + close', lifecycle));
console.log(row('exec `true` in a live sandbox', execs));
