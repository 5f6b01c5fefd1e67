// Scheduler overhead of `ahe eval --agent oracle` over a task suite (default tasks/train) at
// concurrency 1 and 2: the job's wall time against the time the oracle and verifier processes took
// (from each trial's result.json phase timestamps). Target (issue 4): overhead under 10%.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bwrapAvailable, bwrapInstallHint } from '../src/sandbox/bwrap-sandbox.ts';

if (!bwrapAvailable()) {
  console.log(`skipped: ${bwrapInstallHint()}`);
  process.exit(0);
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITE = process.env.SUITE ?? join(ROOT, 'tasks', 'train');
const span = (s: { started_at: string; finished_at: string } | null) =>
  s ? (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000 : 0;

console.log(`suite ${SUITE}\n`);
console.log(
  '| concurrency | trials | command wall | job wall | Σ trial time | Σ oracle+verifier | Σ environment setup | scheduler overhead | overhead vs oracle+verifier |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const concurrency of [1, 2]) {
  const out = join(mkdtempSync(join(tmpdir(), 'ahe-bench-eval-')), 'job');
  const t0 = performance.now();
  execFileSync(
    'node',
    [
      join(ROOT, 'bin', 'ahe.js'),
      'eval',
      '--tasks',
      SUITE,
      '--agent',
      'oracle',
      '--concurrency',
      String(concurrency),
      '--out',
      out,
      '--quiet',
    ],
    { stdio: 'ignore' },
  );
  const wall = (performance.now() - t0) / 1000;
  let work = 0;
  let setup = 0;
  let trialTime = 0;
  let trials = 0;
  for (const name of readdirSync(out)) {
    const file = join(out, name, 'result.json');
    if (!name.includes('__') || !existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    work += span(r.agent_execution) + span(r.verifier);
    setup += span(r.environment_setup);
    trialTime += (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000;
    trials += 1;
  }
  const jobWall = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).wall_sec as number;
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  console.log(
    `| ${concurrency} | ${trials} | ${wall.toFixed(2)} s | ${jobWall.toFixed(2)} s | ${trialTime.toFixed(2)} s | ${work.toFixed(2)} s | ${setup.toFixed(2)} s | ${pct(jobWall / (trialTime / concurrency) - 1)} | ${pct(jobWall / (work / concurrency) - 1)} |`,
  );
}
console.log(
  '\ncommand wall = the whole `ahe eval` command (node start-up, task loading, harness-free); job wall = result.json wall_sec.',
);
console.log('scheduler overhead = job wall / (Σ trial time / concurrency) − 1: what the job adds around its trials.');
console.log(
  "overhead vs oracle+verifier also counts each trial's sandbox start, Dockerfile preparation, uploads and teardown.",
);
