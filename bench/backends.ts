// The four backends side by side in one run (issue 13): bwrap on the host, image (the task's image
// root under bwrap, copy-on-write), podman and docker. For each: the bare sandbox lifecycle (create +
// exec `true` + close) and a whole oracle trial of the same trivial task (Dockerfile `FROM
// debian:bookworm-slim`, `WORKDIR /app`; the oracle touches /app/done, the verifier checks it),
// RUNS (20) of each after one warm-up trial; and the image backend's one-time cost per image: the
// engine's build, the unpack of its root and its disk use. A backend that cannot run here is a row
// saying why. Needs bwrap, and an engine with debian:bookworm-slim (node scripts/setup-podman.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTaskImage } from '../src/bench/container-image.ts';
import { loadTask } from '../src/bench/load-task.ts';
import { type BackendKind, runTrial } from '../src/bench/run-trial.ts';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../src/sandbox/bwrap-sandbox.ts';
import { containerEngine, type EngineKind, runEngine } from '../src/sandbox/container-engine.ts';
import { createContainerSandbox } from '../src/sandbox/container-sandbox.ts';
import { imageEngine } from '../src/sandbox/image-engine.ts';
import { acquireImageRoot, cacheBytes, formatBytes, removeImageRoots } from '../src/sandbox/image-root.ts';
import { createImageSandbox } from '../src/sandbox/image-sandbox.ts';
import type { Sandbox } from '../src/sandbox/types.ts';
import { makeTask } from '../test/support/make-task.ts';

if (!bwrapAvailable()) {
  console.log(`skipped: ${bwrapInstallHint()}`);
  process.exit(0);
}
const RUNS = Number(process.env.RUNS ?? 20);
const BASE = 'debian:bookworm-slim';
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

// A fresh cache of its own, so the one-time costs are measured, not found.
const cacheRoot = mkdtempSync(join(tmpdir(), 'ahe-bench-backends-'));
process.env.AHE_CACHE_DIR = cacheRoot;
const imageCache = join(cacheRoot, 'ahe', 'image-roots');

// A build context of its own (one extra file): the engine builds it afresh, so the build is measured too.
const { task } = loadTask(
  makeTask({ name: 'bench-backends', files: { 'bench-run.txt': `${process.pid} ${Date.now()}\n` } }),
);
if (!task) throw new Error('bench task did not load');

function hasBase(kind: EngineKind): boolean {
  const engine = containerEngine(kind);
  const r = spawnSync(engine.argv[0]!, [...engine.argv.slice(1), 'image', 'inspect', BASE], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

async function trials(backend: BackendKind): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const jobDir = mkdtempSync(join(tmpdir(), 'ahe-bench-bt-'));
    const t0 = performance.now();
    const r = await runTrial({ task: task!, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend });
    const ms = performance.now() - t0;
    rmSync(jobDir, { recursive: true, force: true });
    if (r.verifier_result?.rewards.reward !== 1)
      throw new Error(`${backend} trial failed: ${JSON.stringify(r.exception_info)}`);
    if (i > 0) times.push(ms); // the first run builds, unpacks and warms the caches: its cost is the one-time row
  }
  return times;
}

async function lifecycles(open: (dir: string) => Promise<Sandbox>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'ahe-bench-bs-'));
    const t0 = performance.now();
    const sb = await open(dir);
    const r = await sb.exec('true');
    if (r.exitCode !== 0) throw new Error(`exec failed: ${r.stderr}`);
    await sb.close();
    const ms = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    if (i > 0) times.push(ms);
  }
  return times;
}

interface Row {
  backend: string;
  lifecycle?: number[];
  trial?: number[];
  note?: string;
}
const rows: Row[] = [];
async function measure(backend: string, body: () => Promise<Omit<Row, 'backend'>>): Promise<void> {
  try {
    rows.push({ backend, ...(await body()) });
  } catch (error) {
    rows.push({ backend, note: `failed: ${(error as Error).message.split('\n')[0]!.slice(0, 160)}` });
  }
}

await measure('bwrap (host)', async () => ({
  lifecycle: await lifecycles((trialDir) => createBwrapSandbox({ trialDir })),
  trial: await trials('bwrap'),
}));

// The image backend: its one-time cost first (build with the engine, unpack the root), then the runs.
const oneTime: string[] = [];
await measure('image', async () => {
  const engine = await imageEngine();
  if (!hasBase(engine.kind)) throw new Error(`${engine.kind} has no ${BASE}`);
  const t0 = performance.now();
  const image = await ensureTaskImage(engine, task, { timeoutSec: 600 });
  const built = performance.now() - t0;
  const t1 = performance.now();
  const root = await acquireImageRoot(engine, image.image, { timeoutSec: 600 });
  const unpacked = performance.now() - t1;
  oneTime.push(
    `image backend, one time per image (${engine.kind}): build ${(built / 1000).toFixed(1)} s${image.fresh ? '' : ' (found built)'}, ` +
      `root ${(unpacked / 1000).toFixed(1)} s (${root.lowerDirs.length > 1 ? `${root.lowerDirs.length - 1} layers copied once, shared by images on the same base` : 'exported flat'}), disk ${formatBytes(root.sizeBytes)}`,
  );
  // A second image on the same base (another build context): only its own small layers are copied.
  const sibling = loadTask(makeTask({ name: 'bench-sibling', files: { 'sibling.txt': `${Date.now()}\n` } })).task!;
  const siblingImage = await ensureTaskImage(engine, sibling, { timeoutSec: 600 });
  const t2 = performance.now();
  const siblingRoot = await acquireImageRoot(engine, siblingImage.image, { timeoutSec: 600 });
  oneTime.push(
    `a second image on the same base: root ${((performance.now() - t2) / 1000).toFixed(2)} s; the cache then takes ${formatBytes(cacheBytes(imageCache))} for both`,
  );
  siblingRoot.release();
  await runEngine(engine, ['rmi', '-f', siblingImage.image]);
  const lifecycle = await lifecycles((trialDir) =>
    createImageSandbox({ lowerDirs: root.lowerDirs, trialDir, workdir: '/app', env: image.env }),
  );
  root.release();
  return { lifecycle, trial: await trials('image'), note: `engine ${engine.kind}` };
});

for (const kind of ['podman', 'docker'] as const) {
  await measure(kind, async () => {
    if (!hasBase(kind)) throw new Error(`${kind} has no ${BASE} (or does not run here)`);
    const engine = containerEngine(kind);
    const image = await ensureTaskImage(engine, task, { timeoutSec: 600 });
    return {
      lifecycle: await lifecycles(() =>
        createContainerSandbox({ engine, image: image.image, trialName: 'bench__1', workdir: '/app' }),
      ),
      trial: await trials(kind),
    };
  });
}

await removeImageRoots({ cache: imageCache });
rmSync(cacheRoot, { recursive: true, force: true });
for (const kind of ['podman', 'docker'] as const) {
  if (!hasBase(kind)) continue;
  const engine = containerEngine(kind);
  const image = await ensureTaskImage(engine, task, { timeoutSec: 600 }).catch(() => undefined);
  if (image) await runEngine(engine, ['rmi', '-f', image.image]);
}

const ms = (xs: number[] | undefined, q: number) => (xs?.length ? `${quantile(xs, q).toFixed(0)} ms` : '—');
const bwrapTrial = rows[0]?.trial;
console.log(
  `| backend (${RUNS} runs each) | lifecycle median | lifecycle p95 | oracle trial median | oracle trial p95 | trial vs bwrap | note |`,
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const ratio =
    r.trial?.length && bwrapTrial?.length ? `${(quantile(r.trial, 0.5) / quantile(bwrapTrial, 0.5)).toFixed(2)}×` : '—';
  console.log(
    `| ${r.backend} | ${ms(r.lifecycle, 0.5)} | ${ms(r.lifecycle, 0.95)} | ${ms(r.trial, 0.5)} | ${ms(r.trial, 0.95)} | ${ratio} | ${r.note ?? ''} |`,
  );
}
for (const line of oneTime) console.log(`\n${line}`);
const trialOf = (name: string) => rows.find((r) => r.backend === name)?.trial;
const image = trialOf('image');
for (const engine of ['podman', 'docker'])
  if (image?.length && trialOf(engine)?.length)
    console.log(
      `${engine} oracle trial / image oracle trial (medians): ${(quantile(trialOf(engine)!, 0.5) / quantile(image, 0.5)).toFixed(1)}×`,
    );
