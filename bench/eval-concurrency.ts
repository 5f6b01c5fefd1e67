// I/O-bound trials must overlap: a scripted model that waits 1 s per call (two calls per trial) on
// one trivial task, -k 64 at --concurrency 32, against the time of a single trial. Target (issue 4):
// close to 64/32 × the single-trial time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { bwrapAvailable, bwrapInstallHint } from '../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../test/support/make-task.ts';

if (!bwrapAvailable()) {
  console.log(`skipped: ${bwrapInstallHint()}`);
  process.exit(0);
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRIALS = Number(process.env.TRIALS ?? 64);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const suite = mkdtempSync(join(tmpdir(), 'ahe-bench-conc-'));
makeTask({ name: 'touch-done' }, suite);
const script = join(suite, 'slow.yaml');
writeFileSync(
  script,
  stringify({
    turns: [
      {
        delay_ms: 1000,
        reply: {
          content: 'Creating it.',
          tool_calls: [{ name: 'run_shell_command', arguments: { command: 'touch /app/done' } }],
        },
      },
      { delay_ms: 1000, reply: { content: 'Done.' } },
    ],
  }),
);
const run = (k: number, concurrency: number) => {
  const out = join(mkdtempSync(join(tmpdir(), 'ahe-bench-conc-job-')), 'job');
  const t0 = performance.now();
  execFileSync(
    'node',
    [
      join(ROOT, 'bin', 'ahe.js'),
      'eval',
      '--tasks',
      suite,
      '--harness',
      join(ROOT, 'harnesses', 'seed'),
      '--model',
      `scripted:${script}`,
      '-k',
      String(k),
      '--concurrency',
      String(concurrency),
      '--out',
      out,
      '--quiet',
    ],
    { stdio: 'ignore' },
  );
  return (performance.now() - t0) / 1000;
};
const single = run(1, 1);
const many = run(TRIALS, CONCURRENCY);
const ideal = (TRIALS / CONCURRENCY) * single;
console.log('| run | wall |\n|---|---|');
console.log(`| 1 trial | ${single.toFixed(2)} s |`);
console.log(`| ${TRIALS} trials at --concurrency ${CONCURRENCY} | ${many.toFixed(2)} s |`);
console.log(`| ideal ${TRIALS}/${CONCURRENCY} × single | ${ideal.toFixed(2)} s |`);
console.log(`\nratio to ideal: ${(many / ideal).toFixed(2)} (wall includes node start-up, ~1 s, in both runs)`);
