// `ahe evolve --backend podman|docker|image` end to end: the offline demo evolution (scripted models,
// its bundled tasks) reaches the same verdicts as on bwrap, with every trial in the chosen backend —
// run here, and through two `ahe worker --backend <kind>` processes on a real redis-server. Run by
// `npm run test:containers` (AHE_CONTAINER_TESTS=1, engines and base image prepared); an engine that
// cannot run here, or an image backend not implemented yet, is skipped with its reason.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { DEMO_TASKS, makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { BackendKind } from '../../src/bench/trial-context.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { containerEngine, type EngineKind } from '../../src/sandbox/container-engine.ts';
import { demoEvolveArgs } from '../support/demo-evolve.ts';
import { redisSkipReason, startRedisServer } from '../support/redis-server.ts';
import { runCli } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-evolve-${prefix}-`));

/** Why `kind`'s engine cannot run the suite here (the setup scripts leave their reason in a skip file), or false. */
function engineSkipReason(kind: EngineKind): string | false {
  if (process.env.AHE_CONTAINER_TESTS !== '1')
    return 'container tests run only through `npm run test:containers` (it prepares the engines and the base image)';
  const skipFile = join(tmpdir(), kind === 'podman' ? 'ahe-containers-skip.txt' : `ahe-containers-skip-${kind}.txt`);
  if (existsSync(skipFile)) return readFileSync(skipFile, 'utf8').trim();
  const engine = containerEngine(kind);
  const r = spawnSync(engine.argv[0]!, [...engine.argv.slice(1), 'image', 'inspect', 'ahe-base:local'], {
    stdio: 'ignore',
    timeout: 60_000,
  });
  if (r.error || r.status !== 0)
    return `${kind} cannot run here or its base image ahe-base:local is missing (run node scripts/setup-${kind}.mjs)`;
  return false;
}

/**
 * The image backend needs bwrap and one engine with the base image; and it must be implemented: one
 * oracle trial of a demo task tells (a start that throws "not implemented" skips, naming it).
 */
async function imageSkipReason(): Promise<string | false> {
  if (!bwrapAvailable()) return `bwrap not available: ${bwrapInstallHint()}`;
  const engines = (['podman', 'docker'] as const).map((k) => [k, engineSkipReason(k)] as const);
  if (engines.every(([, why]) => why)) return engines.map(([k, why]) => `${k}: ${why}`).join('; ');
  const demo = makeDemo(tmp('image-probe'));
  const loaded = loadTask(join(demo.tasks, 'top-words'));
  assert.ok(loaded.task, loaded.problem?.message);
  const result = await runTrial({
    task: loaded.task,
    attempt: 1,
    jobDir: tmp('image-probe-job'),
    agent: { kind: 'oracle' },
    backend: 'image',
  });
  const message = result.exception_info?.exception_message ?? '';
  if (/not implemented/i.test(message)) return `--backend image is not implemented here: ${message}`;
  return false;
}

const SKIPS: Record<Exclude<BackendKind, 'bwrap'>, () => Promise<string | false>> = {
  podman: async () => engineSkipReason('podman'),
  docker: async () => engineSkipReason('docker'),
  image: imageSkipReason,
};

function evolveArgs(demo: ReturnType<typeof makeDemo>, run: string, backend: BackendKind): string[] {
  return [...demoEvolveArgs(demo, { out: run, iterations: 3, concurrency: 3 }), '--backend', backend, '--quiet'];
}

/** The demo's verdicts, the run's recorded backend, and every evaluation's job and trials on `backend`. */
function assertEvolvedOn(run: string, stdout: string, backend: BackendKind): void {
  assert.match(stdout, /check-stated-rules EFFECTIVE/);
  assert.match(stdout, /save-time HARMFUL \| save-time/);
  assert.match(stdout, /Stopped: all 3 iterations done\./);
  assert.equal(JSON.parse(readFileSync(join(run, 'state.json'), 'utf8')).config.backend, backend);
  for (const n of [0, 1, 2, 3]) {
    const job = join(run, 'iterations', String(n), 'job');
    assert.equal(JSON.parse(readFileSync(join(job, 'config.json'), 'utf8')).backend, backend, `iteration ${n}`);
    const trials = readdirSync(job).filter((d) => d.includes('__'));
    assert.equal(trials.length, DEMO_TASKS.length, `iteration ${n}: ${trials.join(', ')}`);
    for (const t of trials) {
      const result = JSON.parse(readFileSync(join(job, t, 'result.json'), 'utf8'));
      assert.equal(result.exception_info, null, `${n}/${t}: ${JSON.stringify(result.exception_info)}`);
      assert.equal(result.config.environment.type, backend, `${n}/${t}`);
    }
  }
}

for (const backend of ['podman', 'docker', 'image'] as const) {
  test(`evolve --backend ${backend}: the demo evolution runs every trial in ${backend} and reaches the demo's verdicts`, async (t) => {
    const why = await SKIPS[backend]();
    if (why) {
      process.stdout.write(`# evolve --backend ${backend} skipped: ${why}\n`);
      t.skip(why);
      return;
    }
    const dir = tmp(backend);
    const demo = makeDemo(dir);
    const run = join(dir, 'run');
    const r = await runCli(evolveArgs(demo, run, backend), { timeoutMs: 1_200_000 });
    assert.equal(r.exitCode, 0, r.stderr);
    assertEvolvedOn(run, r.stdout, backend);
  });

  test(`evolve --backend ${backend} --queue: the same evolution through two ahe worker --backend ${backend}`, async (t) => {
    const why = redisSkipReason() || (await SKIPS[backend]());
    if (why) {
      process.stdout.write(`# evolve --backend ${backend} --queue skipped: ${why}\n`);
      t.skip(why);
      return;
    }
    const dir = tmp(`${backend}-queue`);
    const demo = makeDemo(dir);
    const run = join(dir, 'run');
    const redis = await startRedisServer();
    const logs: string[] = [];
    // Each worker its own image-root cache, as on its own machine; removed after (a layer copy is GBs).
    const caches = [1, 2].map((i) => tmp(`${backend}-cache${i}`));
    const workers: ResultPromise[] = caches.map((cache) => {
      const w = execa('node', [BIN, 'worker', '--queue', redis.url, '--concurrency', '2', '--backend', backend], {
        reject: false,
        stdin: 'ignore',
        all: true,
        buffer: false,
        env: { AHE_CACHE_DIR: cache },
      });
      w.all?.on('data', (d: Buffer) => logs.push(...String(d).split('\n').filter(Boolean)));
      return w;
    });
    try {
      const r = await runCli([...evolveArgs(demo, run, backend), '--queue', redis.url], { timeoutMs: 1_200_000 });
      assert.equal(r.exitCode, 0, `${r.stderr}\nworkers:\n${logs.slice(-40).join('\n')}`);
      assertEvolvedOn(run, r.stdout, backend);
      const done = logs.filter((l) => / done /.test(l)).length;
      assert.ok(done >= 4 * DEMO_TASKS.length, `${done} trials done by the workers:\n${logs.slice(-40).join('\n')}`);
      assert.ok(
        logs.some((l) => l.includes(`backend ${backend}`)),
        'the workers run the chosen backend',
      );
    } finally {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers);
      await redis.stop();
      for (const cache of caches) rmSync(cache, { recursive: true, force: true });
    }
  });
}
