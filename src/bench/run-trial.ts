// One trial: one attempt of one agent on one task. sandbox → environment → agent (agent timeout;
// a timeout is recorded and the verifier still runs) → every process of the agent phase killed and
// checked gone → /logs/verifier and /tests emptied → tests uploaded → verifier (verifier timeout)
// → reward → teardown. The trial directory is Harbor's; result.json is written last and atomically,
// whatever a phase throws (the throw becomes the trial's exception); only an interruption leaves
// none, so a trial directory without it is unfinished and is run again on resume.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { recordSession } from '../agent/record-session.ts';
import { InterruptedError, isInfrastructureError } from '../errors.ts';
import { hashDirectory } from '../harness/content-hash.ts';
import type { Harness } from '../harness/types.ts';
import type { Model } from '../model/types.ts';
import { createBwrapSandbox, sandboxRootEntries } from '../sandbox/bwrap-sandbox.ts';
import { ContainerEngineError, checkEngine, containerEngine } from '../sandbox/container-engine.ts';
import { createContainerSandbox } from '../sandbox/container-sandbox.ts';
import { SandboxCleanupError } from '../sandbox/kill-strays.ts';
import type { ExecResult, Sandbox } from '../sandbox/types.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { ensureTaskImage } from './container-image.ts';
import { CACHED_DIRS, environmentKey, restoreEnvironment, saveEnvironment } from './environment-cache.ts';
import {
  EnvironmentError,
  environmentWorkdir,
  type PreparedEnvironment,
  prepareEnvironment,
} from './prepare-environment.ts';
import type { Task } from './task.ts';
import {
  INFRASTRUCTURE_EXCEPTION,
  rewardPassed,
  type TimeSpan,
  type TrialExceptionType,
  type TrialResult,
} from './trial-result.ts';

export type AgentKind = 'harness' | 'oracle' | 'noop';
export type BackendKind = 'bwrap' | 'podman' | 'docker';

export interface TrialAgent {
  kind: AgentKind;
  harness?: Harness;
  /** The model spec (recorded) and a factory: each trial gets its own model (a scripted model keeps a cursor). */
  modelSpec?: string;
  newModel?: () => Promise<Model>;
  /** Extra limits for the harness agent (steps, tokens); its wall time is the task's agent timeout. */
  maxSteps?: number;
  maxTotalTokens?: number;
}

export interface TrialOptions {
  task: Task;
  attempt: number;
  jobDir: string;
  agent: TrialAgent;
  backend: BackendKind;
  signal?: AbortSignal;
  /** Multiplies every task timeout (agent, verifier, build). */
  timeoutMultiplier?: number;
  /** Progress of a harness agent: tokens and cost so far. */
  onUsage?: (usage: { tokens: number; costUsd: number }) => void;
  /** Processes allowed inside the sandbox (a fork flood stops there). */
  pidsMax?: number;
  /** Reuse prepared environments across trials of the same task (default true). */
  environmentCache?: boolean;
}

export const trialName = (task: string, attempt: number) => `${task}__${attempt}`;
const now = () => new Date().toISOString();
const VERIFIER_OUTPUT_CAP = 4 * 1024 * 1024;
const NETWORK_FAILURE =
  /Could not resolve host|Temporary failure in name resolution|Network is unreachable|Failed to establish a new connection|Name or service not known|getaddrinfo/;

/** A stable hash of a task directory's files, recorded so a changed task is noticed. */
export function taskChecksum(dir: string): string {
  return hashDirectory(dir).slice(0, 16);
}

/**
 * True when the trial directory holds a finished, measured result (resume never runs it again). An
 * infrastructure error measured nothing, so it is not finished: resume runs it again.
 */
export function trialFinished(trialDir: string): boolean {
  const file = join(trialDir, 'result.json');
  if (!existsSync(file)) return false;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
      finished_at?: unknown;
      exception_info?: { exception_type?: unknown } | null;
    };
    return typeof parsed.finished_at === 'string' && parsed.exception_info?.exception_type !== INFRASTRUCTURE_EXCEPTION;
  } catch {
    return false;
  }
}

/** Reads the reward the verifier wrote: reward.json first, then reward.txt. */
export function readReward(verifierDir: string): {
  rewards?: Record<string, number> & { reward: number };
  problem?: string;
} {
  const json = join(verifierDir, 'reward.json');
  if (existsSync(json)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(json, 'utf8'));
    } catch (error) {
      return { problem: `reward.json is not valid JSON: ${(error as Error).message}` };
    }
    if (typeof parsed === 'number') return { rewards: { reward: parsed } };
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const numeric = Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number');
      const all = Object.fromEntries(numeric);
      if (typeof all.reward === 'number') return { rewards: all as Record<string, number> & { reward: number } };
      if (numeric.length === 1) return { rewards: { ...all, reward: numeric[0]![1] } };
      return {
        problem: `reward.json has no numeric "reward" field (keys: ${Object.keys(parsed).join(', ') || 'none'})`,
      };
    }
    return { problem: 'reward.json must be a number or an object with a numeric "reward"' };
  }
  const txt = join(verifierDir, 'reward.txt');
  if (existsSync(txt)) {
    const text = readFileSync(txt, 'utf8').trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value))
      return { problem: `reward.txt holds ${JSON.stringify(text.slice(0, 40))}, not a number` };
    return { rewards: { reward: value } };
  }
  return {};
}

/** What every step of one trial shares: built once by openTrial and handed to each phase. */
interface TrialContext {
  options: TrialOptions;
  task: Task;
  agent: TrialAgent;
  /** `<task>__<attempt>`, also the trial directory's name. */
  name: string;
  trialDir: string;
  /** Scaled by the timeout multiplier. */
  timeouts: { agentSec: number; verifierSec: number; buildSec: number };
  /** Filled in as the phases run; written last by finishTrial. */
  result: TrialResult;
  log: (line: string) => void;
  /** Records the trial's exception: the first one explains the trial, later ones only go to the log. */
  fail: (type: TrialExceptionType, message: string, traceback?: string) => void;
  /** True once the job was interrupted: the trial then ends without a result.json. */
  interrupted: () => boolean;
}

/** What a trial holds while it runs and gives back at teardown, whatever happened. */
interface TrialResources {
  workspace: string;
  sandbox?: Sandbox;
}

/** The sandbox the agent and the verifier run in, and the environment variables their commands get. */
interface TrialEnvironment {
  sandbox: Sandbox;
  env: Record<string, string>;
}

/** An agent exception after which the verifier still runs: the agent's work is judged as it stands. */
const VERIFIED_DESPITE: readonly TrialExceptionType[] = [
  'AgentTimeoutError',
  'NonZeroAgentExitCodeError',
  'AgentError',
];

const span = (): TimeSpan => ({ started_at: now(), finished_at: null });

export async function runTrial(options: TrialOptions): Promise<TrialResult> {
  const ctx = openTrial(options);
  const { task } = ctx;
  if (task.steps.length > 0) {
    ctx.fail('UnsupportedTaskError', `multi-step task (${task.steps.length} [[steps]]): listed by ahe but not run yet`);
    return finishTrial(ctx);
  }
  const resources: TrialResources = { workspace: mkdtempSync(join(tmpdir(), `ahe-${ctx.name.slice(0, 40)}-`)) };
  try {
    const environment = await startEnvironment(ctx, resources);
    if (environment) {
      await agentStep(ctx, environment);
      if (ctx.interrupted()) throw new InterruptedError(ctx.name);
      // The tests arrive only now, after the agent is done.
      await verifierStep(ctx, environment);
    }
  } catch (error) {
    if (error instanceof InterruptedError || ctx.interrupted())
      throw error instanceof InterruptedError ? error : new InterruptedError(ctx.name);
    ctx.fail('TrialError', (error as Error)?.message ?? String(error), (error as Error)?.stack ?? '');
  } finally {
    await releaseResources(ctx, resources);
  }
  return finishTrial(ctx);
}

/** Makes the trial directory (an unfinished earlier try of it is discarded whole), writes config.json, starts the result. */
function openTrial(options: TrialOptions): TrialContext {
  const { task, attempt, agent } = options;
  const name = trialName(task.name, attempt);
  const trialDir = join(options.jobDir, name);
  rmSync(trialDir, { recursive: true, force: true });
  mkdirSync(join(trialDir, 'agent'), { recursive: true });
  mkdirSync(join(trialDir, 'verifier'), { recursive: true });
  const logFile = join(trialDir, 'trial.log');
  const log = (line: string) => appendFileSync(logFile, `${now()} ${line}\n`);
  const scale = options.timeoutMultiplier ?? 1;
  const timeouts = {
    agentSec: task.agentTimeoutSec * scale,
    verifierSec: task.verifierTimeoutSec * scale,
    buildSec: (task.environment.buildTimeoutSec ?? 600) * scale,
  };
  const config = trialConfig(options, name, timeouts);
  writeJsonAtomic(join(trialDir, 'config.json'), config);
  const result: TrialResult = {
    id: randomUUID(),
    task_name: task.name,
    trial_name: name,
    trial_uri: `file://${trialDir}`,
    task_id: { path: task.dir },
    source: basename(join(task.dir, '..')),
    task_checksum: taskChecksum(task.dir),
    config,
    agent_info: {
      name: agent.kind === 'harness' ? AGENT_INFO.name : agent.kind,
      version: AGENT_INFO.version,
      model_info: agent.modelSpec
        ? { name: agent.modelSpec.replace(/^[a-z]+:/, ''), provider: agent.modelSpec.split(':')[0]! }
        : null,
    },
    agent_result: null,
    verifier_result: null,
    exception_info: null,
    started_at: now(),
    finished_at: null,
    environment_setup: null,
    agent_setup: null,
    agent_execution: null,
    verifier: null,
    ahe: { attempt, passed: false },
  };
  const fail = (type: TrialExceptionType, message: string, traceback = '') => {
    log(`exception ${type}: ${message}`);
    if (!result.exception_info)
      result.exception_info = {
        exception_type: type,
        exception_message: message,
        exception_traceback: traceback,
        occurred_at: now(),
      };
  };
  const interrupted = () => options.signal?.aborted === true;
  return { options, task, agent, name, trialDir, timeouts, result, log, fail, interrupted };
}

/** The trial's config.json (also result.json's `config`): what ran, where, with which timeouts. */
function trialConfig(options: TrialOptions, name: string, timeouts: TrialContext['timeouts']): Record<string, unknown> {
  const { task, agent } = options;
  return {
    task: { path: task.dir, name: task.name, format: task.format },
    trial_name: name,
    attempt: options.attempt,
    agent: {
      name: agent.kind,
      ...(agent.harness
        ? { harness: { name: agent.harness.name, dir: agent.harness.dir, content_hash: agent.harness.contentHash } }
        : {}),
      ...(agent.modelSpec ? { model: agent.modelSpec } : {}),
    },
    environment: {
      type: options.backend,
      allow_internet: task.environment.allowInternet,
      memory_mb: task.environment.memoryMb ?? null,
    },
    timeouts: { agent_sec: timeouts.agentSec, verifier_sec: timeouts.verifierSec, build_sec: timeouts.buildSec },
  };
}

/**
 * The environment phase: a sandbox with the task's environment in it. Undefined when it failed (the
 * trial's exception says why); a sandbox made before the failure is in `resources`, closed at teardown.
 */
async function startEnvironment(ctx: TrialContext, resources: TrialResources): Promise<TrialEnvironment | undefined> {
  const { backend } = ctx.options;
  ctx.result.environment_setup = span();
  ctx.log(`environment: ${backend} sandbox in ${resources.workspace}`);
  let prepared: PreparedEnvironment | undefined;
  try {
    prepared =
      backend === 'podman' || backend === 'docker'
        ? await startContainer(ctx, resources, backend)
        : await startBwrap(ctx, resources);
    if (prepared.notes.length) ctx.result.ahe.environment_notes = prepared.notes;
  } catch (error) {
    if (ctx.interrupted()) throw new InterruptedError(ctx.name);
    if (error instanceof EnvironmentError || error instanceof ContainerEngineError) ctx.fail(error.type, error.message);
    else ctx.fail('EnvironmentStartError', (error as Error).message, (error as Error).stack ?? '');
  }
  ctx.result.environment_setup.finished_at = now();
  if (!resources.sandbox || !prepared || ctx.result.exception_info) return undefined;
  return { sandbox: resources.sandbox, env: prepared.env };
}

/** The environment is the task's image: WORKDIR and ENV come from it, nothing is prepared here. */
async function startContainer(
  ctx: TrialContext,
  resources: TrialResources,
  backend: 'podman' | 'docker',
): Promise<PreparedEnvironment> {
  const { task } = ctx;
  const engine = containerEngine(backend);
  await checkEngine(engine);
  const image = await ensureTaskImage(engine, task, {
    timeoutSec: ctx.timeouts.buildSec,
    log: ctx.log,
    signal: ctx.options.signal,
  });
  const workdir = task.environment.workdir ?? image.workdir;
  ctx.log(`environment: ${backend} container of ${image.image} (workdir ${workdir})`);
  resources.sandbox = await createContainerSandbox({
    engine,
    image: image.image,
    trialName: ctx.name,
    allowInternet: task.environment.allowInternet,
    cpus: task.environment.cpus,
    memoryMb: task.environment.memoryMb,
    pidsMax: ctx.options.pidsMax ?? 4096,
    workdir,
  });
  return { workdir, env: { ...image.env, ...task.environment.env }, notes: [] };
}

/** A bwrap sandbox with the task's Dockerfile executed in it, or a cached copy of an earlier trial's. */
async function startBwrap(ctx: TrialContext, resources: TrialResources): Promise<PreparedEnvironment> {
  const { task, log } = ctx;
  const workdir = environmentWorkdir(task);
  const cacheKey = ctx.options.environmentCache === false ? undefined : environmentKey(task, ctx.options.backend);
  const restored = cacheKey ? await restoreEnvironment(cacheKey, resources.workspace) : {};
  if (restored.problem)
    log(`environment: the cached copy (${cacheKey}) could not be restored, preparing afresh: ${restored.problem}`);
  const sandbox = await createBwrapSandbox({
    trialDir: resources.workspace,
    allowInternet: task.environment.allowInternet,
    memoryMb: task.environment.memoryMb,
    pidsMax: ctx.options.pidsMax ?? 4096,
    workdir,
  });
  resources.sandbox = sandbox;
  const cached = restored.prepared;
  if (cached) {
    for (const note of cached.notes) log(`note: ${note}`);
    log(`environment: restored from the cache (${cacheKey})`);
    return cached;
  }
  const prepared = await prepareEnvironment(sandbox, task, {
    log,
    timeoutSec: ctx.timeouts.buildSec,
    signal: ctx.options.signal,
  });
  if (cacheKey && (await buildStayedInTrialDirs(sandbox, workdir)))
    await saveEnvironment(cacheKey, resources.workspace, prepared);
  return prepared;
}

/** Closes the sandbox and removes the workspace; a failure here is logged, never the trial's exception. */
async function releaseResources(ctx: TrialContext, resources: TrialResources): Promise<void> {
  await resources.sandbox?.close().catch((error: Error) => ctx.log(`teardown: ${error.message}`));
  try {
    rmSync(resources.workspace, { recursive: true, force: true });
  } catch (error) {
    ctx.log(`teardown: cannot remove ${resources.workspace}: ${(error as Error).message}`);
  }
}

/** Runs one phase: a throw becomes the trial's exception of that type (an interruption stays one). Returns false when it threw. */
async function phase(ctx: TrialContext, type: TrialExceptionType, body: () => Promise<unknown>): Promise<boolean> {
  try {
    await body();
    return true;
  } catch (error) {
    if (ctx.interrupted()) throw new InterruptedError(ctx.name);
    const e = error instanceof Error ? error : new Error(String(error));
    if (error instanceof SandboxCleanupError && ctx.result.exception_info) {
      // An agent timeout or exit code would read as the agent's failure; no reward exists because the sandbox could not be cleaned.
      ctx.log(`exception ${ctx.result.exception_info.exception_type} replaced: the verifier cannot run`);
      ctx.result.exception_info = null;
    }
    ctx.fail(error instanceof SandboxCleanupError ? error.type : type, e.message, e.stack ?? '');
    return false;
  }
}

/** Agent setup (the oracle's solution uploaded), then the agent's run. */
async function agentStep(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
  const { task, result } = ctx;
  result.agent_setup = span();
  if (ctx.agent.kind === 'oracle') {
    if (!task.solutionScript || !existsSync(task.solutionScript))
      ctx.fail(
        'SolutionNotFoundError',
        `the task has no solution script (${task.format === 'tb1' ? 'solution.sh' : 'solution/solve.sh'})`,
      );
    else
      await phase(ctx, 'AgentSetupError', () =>
        environment.sandbox.upload(
          task.format === 'tb1' ? task.solutionScript! : join(task.solutionScript!, '..'),
          task.format === 'tb1' ? '/solution/solution.sh' : '/solution',
        ),
      );
  }
  result.agent_setup.finished_at = now();
  if (result.exception_info) return;
  result.agent_execution = span();
  ctx.log(`agent: ${ctx.agent.kind} (timeout ${ctx.timeouts.agentSec}s)`);
  // Whatever the agent's components throw is the trial's AgentError, with its traceback.
  await phase(ctx, 'AgentError', () => runAgentPhase(ctx, environment));
  result.agent_execution.finished_at = now();
}

/** Every process of the agent phase ended, then the verifier — unless the trial already failed otherwise. */
async function verifierStep(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
  const agentException = ctx.result.exception_info?.exception_type;
  if (agentException && !VERIFIED_DESPITE.includes(agentException)) return;
  // Nothing the agent phase started may run beside the verifier (a loop rewriting reward.txt).
  const clean = await phase(ctx, 'SandboxCleanupError', () => endAgentProcesses(environment.sandbox, ctx.log));
  if (ctx.interrupted()) throw new InterruptedError(ctx.name);
  if (!clean) return;
  ctx.result.verifier = span();
  await phase(ctx, 'VerifierError', () => runVerifier(ctx, environment));
  ctx.result.verifier.finished_at = now();
  if (ctx.interrupted()) throw new InterruptedError(ctx.name);
}

/**
 * Kills every process left from the agent phase and checks none is left, then empties
 * /logs/verifier and /tests (a forged reward, a planted conftest.py) and checks they are empty.
 * Throws SandboxCleanupError when any of it fails: the verifier must not run then.
 */
async function endAgentProcesses(sandbox: Sandbox, log: (l: string) => void): Promise<void> {
  if (!sandbox.killStrays)
    throw new SandboxCleanupError(
      `the ${sandbox.kind} sandbox cannot end the agent's processes, so the verifier is not run`,
    );
  const { killed } = await sandbox.killStrays();
  log(`cleanup: ${killed} process(es) left by the agent phase killed; none left`);
  // Checked with builtins: the listing must be empty, whatever rm did.
  const wipe = await sandbox.exec(
    'shopt -s nullglob dotglob; rm -rf /logs/verifier /tests/*; mkdir -p /logs/verifier /tests; left=(/logs/verifier/* /tests/*); [ ${#left[@]} -eq 0 ] || { echo "still there: ${left[*]:0:5}" >&2; exit 1; }',
    { timeoutSec: 60 },
  );
  if (wipe.exitCode !== 0)
    throw new SandboxCleanupError(
      `cannot empty /logs/verifier and /tests before the verifier (exit ${wipe.exitCode ?? 'by signal'}${wipe.timedOut ? ', timed out' : ''}): ${wipe.stderr.trim().slice(-300)}`,
    );
}

/** True when the build wrote nothing on the sandbox's private root (so the trial directories hold all of it). */
async function buildStayedInTrialDirs(sandbox: Sandbox, workdir: string): Promise<boolean> {
  const r = await sandbox.exec('ls -A /', { timeoutSec: 30 });
  if (r.exitCode !== 0) return false;
  const expected = new Set(sandboxRootEntries(workdir));
  const outside = r.stdout.split('\n').filter((e) => e && !expected.has(e));
  // A WORKDIR outside the trial directories lives on that private root too.
  return outside.length === 0 && CACHED_DIRS.some((d) => workdir === `/${d}` || workdir.startsWith(`/${d}/`));
}

/** Writes result.json (last, atomically) and exception.txt. */
function finishTrial(ctx: TrialContext): TrialResult {
  const { result, trialDir, log } = ctx;
  result.finished_at = now();
  result.ahe = {
    ...result.ahe,
    passed: rewardPassed(result.verifier_result?.rewards.reward),
    wall_sec: (Date.parse(result.finished_at) - Date.parse(result.started_at)) / 1000,
  };
  let json: string;
  try {
    json = JSON.stringify(result, null, 2);
  } catch (error) {
    // A value that cannot be saved (a BigInt in agent metadata): the metadata goes, the trial keeps its result.
    const reason = `result.json could not hold the agent's metadata: ${(error as Error).message}`;
    if (result.agent_result) result.agent_result = { ...result.agent_result, metadata: null };
    result.ahe.result_note = reason;
    log(`note: ${reason}`);
    json = JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
  }
  if (result.exception_info)
    writeFileSync(
      join(trialDir, 'exception.txt'),
      `${result.exception_info.exception_type}: ${result.exception_info.exception_message}\n${result.exception_info.exception_traceback}`,
    );
  log(
    `done: reward ${result.verifier_result?.rewards.reward ?? 'none'}${result.exception_info ? ` (${result.exception_info.exception_type})` : ''}`,
  );
  writeFileAtomic(join(trialDir, 'result.json'), `${json}\n`);
  return result;
}

/** The agent's run: nothing (noop), the task's solution (oracle) or a harness session. */
async function runAgentPhase(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
  if (ctx.agent.kind === 'noop') {
    ctx.result.agent_result = { n_input_tokens: 0, n_cache_tokens: 0, n_output_tokens: 0, cost_usd: 0, metadata: null };
    return;
  }
  if (ctx.agent.kind === 'oracle') return runOracle(ctx, environment);
  return runHarnessAgent(ctx, environment);
}

async function runOracle(ctx: TrialContext, { sandbox, env }: TrialEnvironment): Promise<void> {
  const { task } = ctx;
  const timeoutSec = ctx.timeouts.agentSec;
  const script = task.format === 'tb1' ? '/solution/solution.sh' : '/solution/solve.sh';
  const run = await sandbox.exec(`bash ${script}`, {
    env: { ...env, ...task.solutionEnv },
    timeoutSec,
    signal: ctx.options.signal,
    maxOutputBytes: VERIFIER_OUTPUT_CAP,
  });
  writeFileSync(join(ctx.trialDir, 'agent', 'oracle.txt'), outputText(run));
  ctx.result.agent_result = {
    n_input_tokens: 0,
    n_cache_tokens: 0,
    n_output_tokens: 0,
    cost_usd: 0,
    metadata: { exit_code: run.exitCode },
  };
  if (run.timedOut) ctx.fail('AgentTimeoutError', `the oracle did not finish within ${timeoutSec}s`);
  else if (run.exitCode !== 0 && !ctx.interrupted())
    ctx.fail('NonZeroAgentExitCodeError', `${script} exited with ${run.exitCode ?? 'a signal'}`);
}

async function runHarnessAgent(ctx: TrialContext, { sandbox }: TrialEnvironment): Promise<void> {
  const { agent, result } = ctx;
  const timeoutSec = ctx.timeouts.agentSec;
  if (!agent.harness || !agent.newModel) throw new Error('the harness agent needs a harness and a model');
  const model = await agent.newModel();
  const session = await recordSession({
    harness: agent.harness,
    model,
    instruction: ctx.task.instruction,
    sandbox,
    outDir: join(ctx.trialDir, 'agent'),
    signal: ctx.options.signal,
    limits: {
      maxWallSec: timeoutSec,
      ...(agent.maxSteps ? { maxSteps: agent.maxSteps } : {}),
      ...(agent.maxTotalTokens ? { maxTotalTokens: agent.maxTotalTokens } : {}),
    },
    onProgress: (p) =>
      ctx.options.onUsage?.({ tokens: p.usage.promptTokens + p.usage.completionTokens, costUsd: p.costUsd }),
  });
  result.agent_result = {
    n_input_tokens: session.usage.promptTokens,
    n_cache_tokens: session.usage.cachedTokens,
    n_output_tokens: session.usage.completionTokens,
    // A model of unknown price counts 0: that is not a cost of $0, so none is recorded (null).
    cost_usd: model.priced === false ? null : session.costUsd,
    metadata: {
      session_id: session.sessionId,
      status: session.status,
      steps: session.steps,
      final_message: session.finalMessage.slice(0, 2000),
    },
  };
  result.ahe = { ...result.ahe, steps: session.steps, stop_reason: session.status };
  ctx.log(`agent: ${session.status} after ${session.steps} steps`);
  if (session.status === 'timeout') ctx.fail('AgentTimeoutError', `the agent did not finish within ${timeoutSec}s`);
  // A model that could not be used measured nothing: not the agent's failure, left out of pass@1, run again on resume.
  else if (session.status === 'error' && isInfrastructureError(session.errorType))
    ctx.fail(INFRASTRUCTURE_EXCEPTION, session.error ?? session.errorType!);
  else if (session.status === 'error') ctx.fail('AgentError', session.error ?? 'the agent session failed');
}

/** The verifier: the task's tests copied in, run, /logs/verifier copied out, the reward read. */
async function runVerifier(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
  const { task, result } = ctx;
  const timeoutSec = ctx.timeouts.verifierSec;
  const verifierHostDir = join(ctx.trialDir, 'verifier');
  const entry = await uploadTests(ctx, environment.sandbox);
  if (!entry) return;
  ctx.log(`verifier: bash ${entry} (timeout ${timeoutSec}s)`);
  const run: ExecResult = await environment.sandbox.exec(`bash ${entry}`, {
    env: { ...environment.env, TEST_DIR: '/tests', ...task.verifierEnv },
    timeoutSec,
    signal: ctx.options.signal,
    maxOutputBytes: VERIFIER_OUTPUT_CAP,
  });
  writeFileSync(join(verifierHostDir, 'test-stdout.txt'), outputText(run));
  result.ahe.verifier_exit_code = run.exitCode;
  await copyVerifierLogs(ctx, environment.sandbox, verifierHostDir);
  if (!task.environment.allowInternet && run.exitCode !== 0 && NETWORK_FAILURE.test(run.stdout + run.stderr)) {
    ctx.fail(
      'VerifierNeedsNetworkError',
      "the verifier tried to reach the network (e.g. to install pytest) and the task does not allow it: a failure here may not be the agent's",
    );
  }
  if (run.timedOut) ctx.fail('VerifierTimeoutError', `the verifier did not finish within ${timeoutSec}s`);
  if (task.format === 'tb1') {
    // Terminal-Bench 1: the tests pass when run-tests.sh exits 0.
    const reward = run.exitCode === 0 ? 1 : 0;
    writeFileSync(join(verifierHostDir, 'reward.txt'), `${reward}\n`);
    result.verifier_result = { rewards: { reward } };
  } else {
    const { rewards, problem } = readReward(verifierHostDir);
    if (rewards) result.verifier_result = { rewards };
    else if (!run.timedOut)
      ctx.fail(
        problem ? 'RewardFileError' : 'RewardFileNotFoundError',
        problem ?? `the verifier wrote no /logs/verifier/reward.json or reward.txt (exit code ${run.exitCode})`,
      );
  }
}

/**
 * Copies the task's tests into the sandbox (/logs/verifier and /tests were emptied by endAgentProcesses);
 * returns the verifier's entry point, or undefined after recording why there is none.
 */
async function uploadTests(ctx: TrialContext, sandbox: Sandbox): Promise<string | undefined> {
  const { task } = ctx;
  if (!task.testScript || !existsSync(task.testScript)) {
    ctx.fail(
      'VerifierNotFoundError',
      `the task has no verifier (${task.format === 'tb1' ? 'run-tests.sh' : 'tests/test.sh'})`,
    );
    return undefined;
  }
  const entry =
    task.format === 'tb1'
      ? '/tests/run-tests.sh'
      : `/tests/${relative(task.testsDir ?? join(task.testScript, '..'), task.testScript)}`;
  try {
    if (task.testsDir && existsSync(task.testsDir)) await sandbox.upload(task.testsDir, '/tests');
    if (task.format === 'tb1') await sandbox.upload(task.testScript, entry);
  } catch (error) {
    ctx.fail(
      'VerifierSetupError',
      `cannot copy the tests into the sandbox: ${(error as Error).message}`,
      (error as Error).stack ?? '',
    );
    return undefined;
  }
  return entry;
}

/** Copies what the verifier wrote to /logs/verifier into the trial directory (a failure is only logged). */
async function copyVerifierLogs(ctx: TrialContext, sandbox: Sandbox, verifierHostDir: string): Promise<void> {
  try {
    for (const name of (await sandbox.exec('ls -A /logs/verifier', { timeoutSec: 30 })).stdout
      .split('\n')
      .filter(Boolean)) {
      if (name === 'test-stdout.txt') continue;
      await sandbox.download(`/logs/verifier/${name}`, join(verifierHostDir, name));
    }
  } catch (error) {
    ctx.log(`verifier: could not copy /logs/verifier: ${(error as Error).message}`);
  }
}

function outputText(run: ExecResult): string {
  return `${run.stdout}${run.stderr ? `\n--- stderr ---\n${run.stderr}` : ''}${run.droppedBytes ? `\n[${run.droppedBytes} bytes dropped]\n` : ''}${run.timedOut ? '\n[timed out]\n' : ''}`;
}
