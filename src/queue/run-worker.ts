// A worker: takes trials from the queue and runs each with runTrial in a scratch job directory, then
// returns the trial's files. Everything a trial needs arrives as content-addressed blobs (cached
// locally); API keys come from this process's environment only. A worker that dies holds its trials
// only until their lock expires: BullMQ's stalled-job check hands them to another worker, and the
// producer writes each trial once.

import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isInfrastructureTrial } from '../bench/job-summary.ts';
import { loadTask } from '../bench/load-task.ts';
import { type BackendKind, runTrial, type TrialAgent } from '../bench/run-trial.ts';
import { InterruptedError } from '../errors.ts';
import { loadHarness } from '../harness/load-harness.ts';
import type { Harness } from '../harness/types.ts';
import { createModel } from '../model/create-model.ts';
import { modelSpecFile } from '../model/model-file.ts';
import type { PriceTable } from '../model/prices.ts';
import { defaultCacheDir, materialiseBlob } from './content-store.ts';
import { packDirectory } from './file-bundle.ts';
import { connectRedis } from './redis-connection.ts';
import { queueName, type TrialPayload, TrialPayloadSchema, type TrialReturn } from './trial-payload.ts';

export interface WorkerOptions {
  url: string;
  concurrency: number;
  /**
   * The backend this worker offers: it takes trials from that backend's queue only, and a trial that
   * still asks for another one (a payload put in the wrong queue by hand) fails with a clear reason.
   */
  backend: BackendKind;
  /** How long a trial's lock lasts without renewal; a killed worker's trials are retried after about this long (default 30 s). */
  lockMs?: number;
  cacheDir?: string;
  log: (line: string) => void;
}

export interface RunningWorker {
  /** Stop taking trials; with `returnRunning`, interrupt the running ones and put them back in the queue. */
  stop: (returnRunning: boolean) => Promise<void>;
  /** Resolves once the worker has closed. */
  closed: Promise<void>;
  running: () => number;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const redis: Redis = await connectRedis(options.url);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const scratch = mkdtempSync(join(tmpdir(), 'ahe-worker-'));
  const workerName = `${hostname()}:${process.pid}`;
  const harnesses = new Map<string, Promise<Harness>>();
  const running = new Map<string, AbortController>();

  const agentOf = async (p: TrialPayload): Promise<{ agent: TrialAgent; harnessDir: string | null }> => {
    const a = p.agent;
    const agent: TrialAgent = { kind: a.kind, maxSteps: a.max_steps, maxTotalTokens: a.max_total_tokens };
    let harnessDir: string | null = null;
    if (a.harness) {
      harnessDir = await materialiseBlob(
        redis,
        a.harness.sha256,
        a.harness.name.replace(/[^\w.-]/g, '_') || 'harness',
        cacheDir,
      );
      let loaded = harnesses.get(a.harness.sha256);
      if (!loaded) {
        loaded = loadHarness(harnessDir);
        harnesses.set(a.harness.sha256, loaded);
        loaded.catch(() => harnesses.delete(a.harness!.sha256));
      }
      agent.harness = await loaded;
    }
    if (a.model_spec) {
      const spec = a.model_spec;
      let local = spec;
      if (a.model_file) {
        const dir = await materialiseBlob(redis, a.model_file.sha256, 'model', cacheDir);
        const shipped = modelSpecFile(spec);
        if (!shipped) throw new Error(`the trial ships a model file, but its model spec ${spec} reads none`);
        local = `${shipped.prefix}${join(dir, a.model_file.name)}`;
      }
      const modelOptions = {
        prices: a.prices as PriceTable | undefined,
        maxRetries: a.max_retries,
        // The run's effort over the harness's own, as in a local trial (eval-action, run-evolve).
        reasoningEffort: a.reasoning_effort ?? agent.harness?.model.reasoningEffort,
        fallback: a.fallback_model,
      };
      agent.modelSpec = spec; // recorded as the producer named it
      agent.newModel = (context) => createModel(local, { ...modelOptions, context });
      if (a.iteration !== undefined) agent.iteration = a.iteration;
    }
    return { agent, harnessDir };
  };

  const processTrial = async (job: Job<unknown, TrialReturn>, token?: string): Promise<TrialReturn> => {
    const p = TrialPayloadSchema.parse(job.data);
    if (p.backend !== options.backend)
      throw new Error(`this worker (${workerName}) runs --backend ${options.backend}, the trial asks for ${p.backend}`);
    const taskDir = await materialiseBlob(redis, p.task.sha256, join(p.task.source || 'tasks', p.task.name), cacheDir);
    const loaded = loadTask(taskDir);
    if (!loaded.task)
      throw new Error(
        `${loaded.problem.path}: ${loaded.problem.field ? `${loaded.problem.field}: ` : ''}${loaded.problem.message}`,
      );
    const { agent, harnessDir } = await agentOf(p);
    const jobDir = mkdtempSync(join(scratch, `${p.trial_name.slice(0, 60)}-`));
    const abort = new AbortController();
    running.set(job.id!, abort);
    let lastProgress = 0;
    try {
      options.log(`start ${p.trial_name} (${job.id})`);
      const result = await runTrial({
        task: loaded.task,
        attempt: p.attempt,
        jobDir,
        agent,
        backend: options.backend,
        signal: abort.signal,
        timeoutMultiplier: p.timeout_multiplier,
        environmentCache: p.environment_cache,
        onUsage: (u) => {
          if (Date.now() - lastProgress < 1000) return;
          lastProgress = Date.now();
          void job.updateProgress(u).catch(() => undefined);
        },
      });
      const trialDir = join(jobDir, p.trial_name);
      const files = packDirectory(trialDir);
      options.log(`done ${p.trial_name} (${files.files} files, ${files.bytes.length} bytes)`);
      return {
        trial_name: p.trial_name,
        worker: workerName,
        files: files.bytes.toString('base64'),
        worker_paths: { trial_dir: trialDir, task_dir: taskDir, harness_dir: harnessDir },
        ...(isInfrastructureTrial(result) ? { infrastructure_error: true } : {}),
      };
    } catch (error) {
      if (error instanceof InterruptedError || abort.signal.aborted) {
        // Returned to the queue, not failed: another worker runs it from the start.
        options.log(`returned ${p.trial_name} to the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw error;
    } finally {
      running.delete(job.id!);
      rmSync(jobDir, { recursive: true, force: true });
    }
  };

  const lockMs = options.lockMs ?? 30_000;
  const workerConnection: Redis = redis.duplicate();
  const worker = new Worker(queueName(options.backend), processTrial, {
    connection: workerConnection,
    concurrency: options.concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 3,
    autorun: true,
  });
  worker.on('error', (error) => options.log(`queue error: ${error.message}`));
  worker.on('failed', (job, error) => {
    if (job && !(error instanceof WaitingError)) options.log(`failed ${job.name} (${job.id}): ${error.message}`);
  });
  await worker.waitUntilReady();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  let closing: Promise<void> | undefined;
  return {
    running: () => running.size,
    closed,
    stop: async (returnRunning) => {
      if (returnRunning) for (const abort of running.values()) abort.abort();
      closing ??= worker.close().then(() => {
        rmSync(scratch, { recursive: true, force: true });
        workerConnection.disconnect();
        redis.disconnect();
        resolveClosed();
      });
      await closing;
    },
  };
}
