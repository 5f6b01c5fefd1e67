// Start-up of the CLI as a user meets it: whole processes, `node -e 0` as the yardstick, run side by side
// (A B C A B C …, so a drift in the machine's speed touches every command alike). The target (issue):
// `ahe --help` and `ahe harness validate` within 3× of `node -e 0` in wall time and under 100 MB peak RSS.
// Needs the compiled CLI (npm run build). Peak RSS comes from GNU time (/usr/bin/time -f %M), the kernel's
// accounting of the finished child; without it the column reads n/a.
// Run: npm run bench -- startup   (or node --import tsx bench/startup.ts; RUNS=15 for more runs)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 9);
const GNU_TIME = '/usr/bin/time';
const TARGET = { ratio: 3, peakMb: 100 };

const COMMANDS: { label: string; args: string[]; target: boolean }[] = [
  { label: 'node -e 0', args: ['-e', '0'], target: false },
  { label: 'ahe --help', args: ['bin/ahe.js', '--help'], target: true },
  {
    label: 'ahe harness validate harnesses/seed',
    args: ['bin/ahe.js', 'harness', 'validate', 'harnesses/seed'],
    target: true,
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const hasGnuTime = existsSync(GNU_TIME) && spawnSync(GNU_TIME, ['-f', '%M', 'true']).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'ahe-bench-startup-'));

/** One whole process: wall milliseconds (our clock around the child) and peak RSS in MB (GNU time). */
function measure(args: string[]): { wallMs: number; peakMb: number | null } {
  const rssFile = join(scratch, 'rss');
  const [cmd, argv] = hasGnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args]]
    : [process.execPath, args];
  const started = performance.now();
  const result = spawnSync(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const peakMb = hasGnuTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : null;
  return { wallMs, peakMb };
}

if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/cli/main.js is missing: run npm run build');
// One warm-up run each (not counted): the OS file cache and ahe's component cache are warm, as for a user.
for (const c of COMMANDS) measure(c.args);
const samples = COMMANDS.map(() => ({ wall: [] as number[], peak: [] as number[] }));
for (let i = 0; i < RUNS; i++) {
  COMMANDS.forEach((c, j) => {
    const m = measure(c.args);
    samples[j]!.wall.push(m.wallMs);
    if (m.peakMb !== null) samples[j]!.peak.push(m.peakMb);
  });
}
rmSync(scratch, { recursive: true, force: true });

const base = median(samples[0]!.wall);
console.log(
  `CLI start-up · node ${process.version} · ${cpus().length} cores · median of ${RUNS} runs each, interleaved · peak RSS ${hasGnuTime ? 'from GNU time' : 'n/a (no /usr/bin/time)'}`,
);
console.log('| command | wall ms (median) | × node -e 0 | peak RSS MB (median) | target ≤3× and <100 MB |');
console.log('|---|---|---|---|---|');
let allMet = true;
COMMANDS.forEach((c, j) => {
  const wall = median(samples[j]!.wall);
  const ratio = wall / base;
  const peak = samples[j]!.peak.length ? median(samples[j]!.peak) : null;
  const met = ratio <= TARGET.ratio && (peak === null || peak < TARGET.peakMb);
  if (c.target) allMet &&= met;
  const verdict = c.target ? (met ? 'met' : 'NOT met') : '(yardstick)';
  console.log(
    `| \`${c.label}\` | ${wall.toFixed(0)} | ${ratio.toFixed(2)} | ${peak === null ? 'n/a' : peak.toFixed(1)} | ${verdict} |`,
  );
});
console.log(allMet ? 'target met' : 'target NOT met');
