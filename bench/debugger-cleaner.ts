// The debugger's cleaner (issue 5): throughput of digestTrial in MB/s of raw trace, and peak memory on a
// 1 GB trace. The trial is ahe's own layout, generated (test/debugger/synthetic-trial.ts): events.jsonl with
// realistic outputs plus full outputs in tool-outputs/ — the bulk of a big trace.
//
//   npm run bench -- debugger-cleaner
//   DEBUGGER_BENCH_BYTES=4e9 DEBUGGER_BENCH_THROUGHPUT_BYTES=5e8 npm run bench -- debugger-cleaner
//
// The 1 GB case runs in a child process sampling process.memoryUsage().rss (and under /usr/bin/time -v
// when present), so the parent's own allocations never count.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestTrial } from '../src/debugger/digest-trial.ts';

// The tokenizer (~70 MB) and the generator are loaded by the parent only: the child measures the cleaner.
const tokens = async (text: string) => (await import('../src/model/count-tokens.ts')).countTokens(text);
const render = async () => (await import('../src/debugger/render-digest.ts')).renderDigest;
const generator = async () => (await import('../test/debugger/synthetic-trial.ts')).writeSyntheticTrial;

const SELF = fileURLToPath(import.meta.url);
const MB = 1e6;

/** Steps and dump size for a trial of about `bytes`: a dump every 10 steps carries ~85% of the bytes. */
function shape(bytes: number) {
  const steps = Math.max(100, Math.min(4000, Math.round(bytes / 400_000)));
  const dumps = Math.floor(steps / 10);
  const rest = steps * 38_000;
  return { steps, dumpBytes: Math.max(100_000, Math.round((bytes - rest) / dumps)) };
}

async function child(dir: string) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const d = await digestTrial(dir);
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    JSON.stringify({
      ms,
      peakRss: peak,
      rawBytes: d.stats.rawBytes,
      digestBytes: d.stats.digestBytes,
      steps: d.steps.length,
      problems: d.problems.length,
    }),
  );
}

async function throughput(trial: { steps: number; dumpBytes: number }) {
  const dir = join(mkdtempSync(join(tmpdir(), 'ahe-bench-cleaner-')), 'fix-pipeline__1');
  (await generator())(dir, trial);
  const renderDigest = await render();
  const runs: { ms: number; raw: number; digest: number; tokens: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const d = await digestTrial(dir);
    const ms = performance.now() - started;
    runs.push({ ms, raw: d.stats.rawBytes, digest: d.stats.digestBytes, tokens: await tokens(renderDigest(d)) });
  }
  rmSync(dir, { recursive: true, force: true });
  runs.sort((a, b) => a.ms - b.ms);
  return runs[1]!;
}

async function peakMemory(bytes: number) {
  const dir = join(mkdtempSync(join(tmpdir(), 'ahe-bench-cleaner-')), 'fix-pipeline__1');
  const written = (await generator())(dir, shape(bytes));
  const args = ['--import', 'tsx', SELF, '--child', dir];
  const timeV = existsSync('/usr/bin/time')
    ? spawnSync('/usr/bin/time', ['-v', 'node', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
    : null;
  const out = timeV ? timeV.stdout : execFileSync('node', args, { encoding: 'utf8' });
  const maxRssKb = timeV ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeV.stderr)?.[1]) : NaN;
  rmSync(dir, { recursive: true, force: true });
  return {
    written,
    ...(JSON.parse(out) as { ms: number; peakRss: number; rawBytes: number; digestBytes: number; steps: number }),
    maxRssKb,
  };
}

async function main() {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  const bigBytes = Number(process.env.DEBUGGER_BENCH_BYTES ?? 1e9);
  const smallBytes = Number(process.env.DEBUGGER_BENCH_THROUGHPUT_BYTES ?? 2e8);
  console.log('| case | raw trace | time | throughput | digest | digest / raw | digest tokens | peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|');
  const cases = [
    {
      label: 'realistic trial of the compression test (300 steps), median of 3',
      trial: { steps: 300, dumpBytes: 300_000 },
    },
    { label: `${Math.round(smallBytes / MB)} MB trial, median of 3`, trial: shape(smallBytes) },
  ];
  for (const { label, trial } of cases) {
    const r = await throughput(trial);
    console.log(
      `| ${label} (in-process) | ${(r.raw / MB).toFixed(1)} MB | ${(r.ms / 1000).toFixed(2)} s | ${(r.raw / MB / (r.ms / 1000)).toFixed(1)} MB/s | ${(r.digest / 1024).toFixed(0)} KB | ${((100 * r.digest) / r.raw).toFixed(2)}% | ${r.tokens} | — |`,
    );
  }
  const m = await peakMemory(bigBytes);
  const rss = Number.isFinite(m.maxRssKb)
    ? `${(m.maxRssKb / 1024).toFixed(0)} MB (time -v), ${(m.peakRss / 2 ** 20).toFixed(0)} MB (sampled)`
    : `${(m.peakRss / 2 ** 20).toFixed(0)} MB (sampled)`;
  console.log(
    `| ${(bigBytes / 1e9).toFixed(1)} GB trial, child process | ${(m.rawBytes / MB).toFixed(0)} MB | ${(m.ms / 1000).toFixed(1)} s | ${(m.rawBytes / MB / (m.ms / 1000)).toFixed(1)} MB/s | ${(m.digestBytes / 1024).toFixed(0)} KB | ${((100 * m.digestBytes) / m.rawBytes).toFixed(2)}% | — | ${rss} |`,
  );
}

await main();
