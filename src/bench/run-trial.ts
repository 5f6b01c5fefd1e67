// One trial: one attempt of one agent on one task. sandbox → environment → agent (agent timeout;
// a timeout is recorded and the verifier still runs) → every process of the agent phase killed and
// checked gone → /logs/verifier and /tests emptied → tests uploaded → verifier (verifier timeout)
// → reward → teardown. The trial directory is Harbor's; result.json is written last and atomically,
// whatever a phase throws (the throw becomes the trial's exception); only an interruption leaves
// none, so a trial directory without it is unfinished and is run again on resume.
// The steps share one TrialContext (trial-context.ts); the environment and verifier phases live in
// start-environment.ts and run-verifier.ts.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { recordSession } from '../agent/record-session.ts';
import { InterruptedError, isInfrastructureError } from '../errors.ts';
import { hashDirectory } from '../harness/content-hash.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { verifierStep } from './run-verifier.ts';
import { startEnvironment } from './start-environment.ts';
import {
  now,
  outputText,
  phase,
  SCRIPT_OUTPUT_CAP,
  span,
  type TrialContext,
  type TrialEnvironment,
  type TrialOptions,
  type TrialResources,
} from './trial-context.ts';
import { INFRASTRUCTURE_EXCEPTION, rewardPassed, type TrialExceptionType, type TrialResult } from './trial-result.ts';

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

/** Closes the sandbox and removes the workspace; a failure here is logged, never the trial's exception. */
async function releaseResources(ctx: TrialContext, resources: TrialResources): Promise<void> {
  await resources.sandbox?.close().catch((error: Error) => ctx.log(`teardown: ${error.message}`));
  try {
    rmSync(resources.workspace, { recursive: true, force: true });
  } catch (error) {
    ctx.log(`teardown: cannot remove ${resources.workspace}: ${(error as Error).message}`);
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
    maxOutputBytes: SCRIPT_OUTPUT_CAP,
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
