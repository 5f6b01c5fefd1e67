// One trial: one attempt of one agent on one task. sandbox → environment → agent (agent timeout;
// a timeout is recorded and the verifier still runs) → every process of the agent phase killed and
// checked gone → /logs/verifier and /tests emptied → tests uploaded → verifier (verifier timeout)
// → reward → teardown. The trial directory is Harbor's; result.json is written last and atomically,
// whatever a phase throws (the throw becomes the trial's exception); only an interruption leaves
// none, so a trial directory without it is unfinished and is run again on resume (the unfinished try
// moved to .replaced/, where its spend still counts).
// A multi-step task runs its steps in the one sandbox instead (run-steps.ts). The phases share one
// TrialContext (trial-context.ts); they live in start-environment.ts, run-agent-phase.ts and run-verifier.ts.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { InterruptedError } from '../errors.ts';
import { hashDirectory } from '../harness/content-hash.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { keepReplacedTrial } from './keep-replaced-trial.ts';
import { agentStep } from './run-agent-phase.ts';
import { runHealthcheck } from './run-healthcheck.ts';
import { runSteps, stepsConfig } from './run-steps.ts';
import { verifierStep } from './run-verifier.ts';
import { startEnvironment } from './start-environment.ts';
import {
  exceptionRecorder,
  now,
  phase,
  type TrialContext,
  type TrialEnvironment,
  type TrialOptions,
  type TrialResources,
} from './trial-context.ts';
import { INFRASTRUCTURE_EXCEPTION, rewardPassed, type TrialResult } from './trial-result.ts';

export type { AgentKind, BackendKind, TrialAgent, TrialOptions } from './trial-context.ts';
export { BACKENDS } from './trial-context.ts';

export const trialName = (task: string, attempt: number) => `${task}__${attempt}`;

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

export async function runTrial(options: TrialOptions): Promise<TrialResult> {
  const ctx = openTrial(options);
  const { task } = ctx;
  const refused = task.unsupported?.[0];
  if (refused) {
    ctx.fail('UnsupportedTaskError', `${refused.field}: ${refused.reason}; this task cannot run here`);
    return finishTrial(ctx);
  }
  const resources: TrialResources = { workspace: mkdtempSync(join(tmpdir(), `ahe-${ctx.name.slice(0, 40)}-`)) };
  try {
    const environment = await startEnvironment(ctx, resources);
    if (environment && (await environmentHealthy(ctx, environment))) {
      if (task.steps.length > 0) await runSteps(ctx, environment);
      else {
        await agentStep(ctx, environment);
        if (ctx.interrupted()) throw new InterruptedError(ctx.name);
        // The tests arrive only now, after the agent is done.
        await verifierStep(ctx, environment);
      }
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

/** `[environment.healthcheck]`, when the task has one: polled until it passes, before any agent runs. */
async function environmentHealthy(ctx: TrialContext, environment: TrialEnvironment): Promise<boolean> {
  const check = ctx.task.healthcheck;
  if (!check) return true;
  ctx.log(`healthcheck: ${check.command}`);
  return phase(ctx, 'HealthcheckError', () => runHealthcheck(environment, check, ctx.options.signal));
}

/**
 * Makes the trial directory, writes config.json, starts the result. An unfinished earlier try of it
 * (killed, torn down, crashed) is moved aside whole to `.replaced/`, its trace kept and its spend still
 * counted (keep-replaced-trial.ts); the new try starts from nothing.
 */
function openTrial(options: TrialOptions): TrialContext {
  const { task, attempt, agent } = options;
  const name = trialName(task.name, attempt);
  const trialDir = join(options.jobDir, name);
  keepReplacedTrial(options.jobDir, name);
  // A multi-step trial keeps each step's agent/ and verifier/ under steps/<name>/ (Harbor's layout).
  for (const sub of task.steps.length ? ['steps'] : ['agent', 'verifier'])
    mkdirSync(join(trialDir, sub), { recursive: true });
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
  const fail = exceptionRecorder(result, log);
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
    ...(task.steps.length ? { steps: stepsConfig(task, timeouts, options.timeoutMultiplier ?? 1) } : {}),
  };
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
