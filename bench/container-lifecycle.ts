// Container trial lifecycle vs bwrap (issue 7): the same trivial task (Dockerfile `FROM
// debian:bookworm-slim`, `WORKDIR /app`; the oracle touches /app/done; the verifier checks it) run
// as whole trials with the oracle, and the bare sandbox lifecycle (create + exec `true` + close).
// The task image is built once before timing (as the cache does after a job's first trial).
// Needs podman and the local base image (`node scripts/setup-podman.mjs`); skips otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTaskImage } from '../src/bench/container-image.ts';
import { loadTask } from '../src/bench/load-task.ts';
import { type BackendKind, runTrial } from '../src/bench/run-trial.ts';
import { bwrapAvailable, createBwrapSandbox } from '../src/sandbox/bwrap-sandbox.ts';
import { containerEngine } from '../src/sandbox/container-engine.ts';
import { createContainerSandbox } from '../src/sandbox/container-sandbox.ts';
import { makeTask } from '../test/support/make-task.ts';

const engine = containerEngine('podman');
const probe = spawnSync(engine.argv[0]!, [...engine.argv.slice(1), 'image', 'exists', 'debian:bookworm-slim']);
if (!bwrapAvailable() || probe.error || probe.status !== 0) {
  console.log('skipped: needs bwrap and podman with debian:bookworm-slim (run node scripts/setup-podman.mjs)');
  process.exit(0);
}
const RUNS = Number(process.env.RUNS ?? 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))]!;

const { task } = loadTask(makeTask({}));
if (!task) throw new Error('bench task did not load');
const image = await ensureTaskImage(engine, task, { timeoutSec: 300 });

async function trials(backend: BackendKind): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const jobDir = mkdtempSync(join(tmpdir(), 'ahe-bench-ct-'));
    const t0 = performance.now();
    const r = await runTrial({ task: task!, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend });
    const ms = performance.now() - t0;
    if (r.verifier_result?.rewards.reward !== 1)
      throw new Error(`${backend} trial failed: ${JSON.stringify(r.exception_info)}`);
    if (i > 0) times.push(ms); // the first run warms caches (bwrap's environment cache, the engine's)
    rmSync(jobDir, { recursive: true, force: true });
  }
  return times;
}

async function sandboxes(backend: 'bwrap' | 'podman'): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const trialDir = mkdtempSync(join(tmpdir(), 'ahe-bench-cs-'));
    const t0 = performance.now();
    const sb =
      backend === 'bwrap'
        ? await createBwrapSandbox({ trialDir })
        : await createContainerSandbox({ engine, image: image.image, trialName: 'bench__1', workdir: '/app' });
    const r = await sb.exec('true');
    if (r.exitCode !== 0) throw new Error(`${backend} exec failed: ${r.stderr}`);
    await sb.close();
    times.push(performance.now() - t0);
    rmSync(trialDir, { recursive: true, force: true });
  }
  return times;
}

const rows: [string, number[], number[]][] = [
  ['trial (oracle): sandbox + agent + verifier + teardown', await trials('bwrap'), await trials('podman')],
  ['sandbox: create + exec `true` + close', await sandboxes('bwrap'), await sandboxes('podman')],
];
console.log(
  `| measure (${RUNS} runs each) | bwrap median | podman median | podman p95 | ratio |\n|---|---|---|---|---|`,
);
for (const [name, b, p] of rows)
  console.log(
    `| ${name} | ${median(b).toFixed(0)} ms | ${median(p).toFixed(0)} ms | ${p95(p).toFixed(0)} ms | ${(median(p) / median(b)).toFixed(1)}× |`,
  );
