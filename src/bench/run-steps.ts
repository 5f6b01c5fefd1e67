// A multi-step trial (Harbor's `[[steps]]`; docs/jobs.md, "Multi-step tasks"): the steps run in order in
// the one sandbox the environment phase made. Each step: its workdir/ copied into the working directory and
// its setup.sh run → its healthcheck → the agent on the step's instruction (the harness agent continues
// one conversation across steps; the oracle runs the step's solution) → every process of the step ended,
// /tests and /logs/verifier emptied → the task's tests/ with the step's over them → the verifier → the
// artifacts collected into steps/<name>/artifacts/ → the sandbox cleaned for the next step (/tests hidden
// again). A step that fails before a reward, or whose reward is under its `min_reward`, stops the trial.
// The trial's reward comes from the steps' as Harbor derives it (mean per key, or the last step's).
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InterruptedError } from '../errors.ts';
import { collectArtifacts } from './collect-artifacts.ts';
import { agentStep } from './run-agent-phase.ts';
import { runHealthcheck } from './run-healthcheck.ts';
import { endAgentProcesses, verifierStep } from './run-verifier.ts';
import type { Task, TaskStep } from './task.ts';
import {
  exceptionRecorder,
  phase,
  SCRIPT_OUTPUT_CAP,
  type TrialContext,
  type TrialEnvironment,
} from './trial-context.ts';
import { INFRASTRUCTURE_EXCEPTION, type StepResult, type TrialResult } from './trial-result.ts';

type Timeouts = TrialContext['timeouts'];

/** A step's agent and verifier timeouts: its own, else the task's (already scaled), times the multiplier. */
function stepTimeouts(step: TaskStep, timeouts: Timeouts, multiplier: number): Timeouts {
  return {
    agentSec: step.agentTimeoutSec !== undefined ? step.agentTimeoutSec * multiplier : timeouts.agentSec,
    verifierSec: step.verifierTimeoutSec !== undefined ? step.verifierTimeoutSec * multiplier : timeouts.verifierSec,
    buildSec: timeouts.buildSec,
  };
}

/** The steps in the trial's config.json, with the timeouts each ran under. */
export function stepsConfig(task: Task, timeouts: Timeouts, multiplier: number): Record<string, unknown>[] {
  return task.steps.map((step) => {
    const t = stepTimeouts(step, timeouts, multiplier);
    return {
      name: step.name,
      ...(step.minReward !== undefined ? { min_reward: step.minReward } : {}),
      timeouts: { agent_sec: t.agentSec, verifier_sec: t.verifierSec },
    };
  });
}

/** The task as one step sees it: its instruction, solution, tests (the top-level ones under its own) and verifier env. */
function stepTask(task: Task, step: TaskStep): Task {
  const topTests = join(task.dir, 'tests');
  const ownTest = step.testsDir && step.testScript && !relative(step.testsDir, step.testScript).startsWith('..');
  return {
    ...task,
    instruction: step.instruction,
    solutionScript: step.solutionScript,
    testScript: step.testScript,
    testsDir: ownTest ? step.testsDir : topTests,
    testsUploads: [topTests, ...(step.testsDir ? [step.testsDir] : [])],
    verifierEnv: { ...task.verifierEnv, ...step.verifierEnv },
  };
}

export async function runSteps(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
  const { task } = ctx;
  const steps: StepResult[] = [];
  ctx.result.step_results = steps;
  ctx.agentCarry = { conversation: { messages: [] }, spent: { tokens: 0, costUsd: 0 } };
  // Harbor's convention directory: the agent, a setup script or the verifier may leave files there.
  await environment.sandbox.exec('mkdir -p /logs/artifacts', { timeoutSec: 30 });
  let stopped: string | undefined;
  let modelCalls = 0;
  for (const [index, step] of task.steps.entries()) {
    const { result, stop, ahe } = await runStep(ctx, environment, step, index === task.steps.length - 1);
    steps.push(result);
    modelCalls += ahe.steps ?? 0;
    if (ahe.stop_reason) ctx.result.ahe.stop_reason = ahe.stop_reason;
    if (ahe.verifier_exit_code !== undefined) ctx.result.ahe.verifier_exit_code = ahe.verifier_exit_code;
    if (result.exception_info?.exception_type === INFRASTRUCTURE_EXCEPTION) {
      // The model could not be used: nothing was measured, the trial runs again on resume.
      ctx.fail(INFRASTRUCTURE_EXCEPTION, `step ${step.name}: ${result.exception_info.exception_message}`);
      stopped = `${step.name}: ${INFRASTRUCTURE_EXCEPTION}`;
      break;
    }
    if (stop) {
      stopped = `${step.name}: ${stop}`;
      ctx.log(`steps: stopped after ${step.name} (${stop}); ${task.steps.length - index - 1} step(s) not run`);
      break;
    }
  }
  ctx.result.verifier_result = trialReward(steps, task.multiStepRewardStrategy ?? 'mean');
  ctx.result.agent_result = totalAgentResult(steps);
  ctx.result.ahe = {
    ...ctx.result.ahe,
    ...(ctx.agent.kind === 'harness' ? { steps: modelCalls } : {}),
    multi_step: { steps: task.steps.length, run: steps.length, ...(stopped ? { stopped } : {}) },
  };
}

/** One step, recorded in its own result: the trial's context with the step's task, directory, timeouts and result. */
async function runStep(
  ctx: TrialContext,
  environment: TrialEnvironment,
  step: TaskStep,
  isLast: boolean,
): Promise<{ result: StepResult; stop?: string; ahe: TrialResult['ahe'] }> {
  const stepDir = join(ctx.trialDir, 'steps', step.name);
  for (const sub of ['agent', 'verifier']) mkdirSync(join(stepDir, sub), { recursive: true });
  const log = (line: string) => ctx.log(`step ${step.name}: ${line}`);
  const scratch: TrialResult = {
    ...ctx.result,
    agent_result: null,
    verifier_result: null,
    exception_info: null,
    agent_setup: null,
    agent_execution: null,
    verifier: null,
    ahe: { ...ctx.result.ahe },
  };
  delete scratch.step_results;
  const sctx: TrialContext = {
    ...ctx,
    task: stepTask(ctx.task, step),
    trialDir: stepDir,
    timeouts: stepTimeouts(step, ctx.timeouts, ctx.options.timeoutMultiplier ?? 1),
    result: scratch,
    log,
    fail: exceptionRecorder(scratch, log),
  };
  log(`started (agent timeout ${sctx.timeouts.agentSec}s, verifier timeout ${sctx.timeouts.verifierSec}s)`);
  let cleanupFailed: string | undefined;
  const prepared = await prepareStep(sctx, environment, step);
  if (ctx.interrupted()) throw new InterruptedError(ctx.name);
  if (prepared) {
    await agentStep(sctx, environment);
    if (ctx.interrupted()) throw new InterruptedError(ctx.name);
    await verifierStep(sctx, environment);
    const artifacts = [...(ctx.task.artifacts ?? []), ...step.artifacts];
    await phase(sctx, 'TrialError', () =>
      collectArtifacts(environment.sandbox, artifacts, join(stepDir, 'artifacts'), log),
    );
    // The next step's agent must not see this step's tests nor meet its processes: if that fails, no next step.
    if (!isLast && !(await phase(sctx, 'SandboxCleanupError', () => cleanForNextStep(environment, log))))
      cleanupFailed = 'SandboxCleanupError, the sandbox could not be made ready for the next step';
  }
  const result: StepResult = {
    step_name: step.name,
    agent_result: scratch.agent_result,
    verifier_result: scratch.verifier_result,
    exception_info: scratch.exception_info,
    agent_execution: scratch.agent_execution,
    verifier: scratch.verifier,
  };
  const reward = result.verifier_result?.rewards.reward;
  log(`done: reward ${reward ?? 'none'}${result.exception_info ? ` (${result.exception_info.exception_type})` : ''}`);
  return { result, stop: cleanupFailed ?? stopReason(step, result), ahe: scratch.ahe };
}

/** The step's workdir/ copied into the working directory, its setup.sh run there, then its healthcheck. */
async function prepareStep(sctx: TrialContext, environment: TrialEnvironment, step: TaskStep): Promise<boolean> {
  const { sandbox, env } = environment;
  const workdir = sandbox.workdir;
  if (step.workdir) {
    const uploaded = await phase(sctx, 'StepSetupError', () => sandbox.upload(step.workdir!, workdir));
    if (!uploaded) return false;
    if (existsSync(join(step.workdir, 'setup.sh'))) {
      sctx.log(`setup: bash ${workdir}/setup.sh`);
      const run = await sandbox.exec(`bash ./setup.sh`, {
        cwd: workdir,
        env,
        timeoutSec: sctx.timeouts.agentSec,
        signal: sctx.options.signal,
        maxOutputBytes: SCRIPT_OUTPUT_CAP,
      });
      if (run.exitCode !== 0) {
        if (sctx.interrupted()) throw new InterruptedError(sctx.name);
        const why = run.timedOut ? `timed out after ${sctx.timeouts.agentSec}s` : `exited with ${run.exitCode}`;
        sctx.fail('StepSetupError', `step ${step.name}: workdir/setup.sh ${why}: ${run.stderr.trim().slice(-500)}`);
        return false;
      }
    }
  }
  if (step.healthcheck) {
    const check = step.healthcheck;
    sctx.log(`healthcheck: ${check.command}`);
    return phase(sctx, 'HealthcheckError', () => runHealthcheck(environment, check, sctx.options.signal));
  }
  return true;
}

/** After a step: nothing it started keeps running, and /tests, /logs/verifier, /logs/artifacts, /solution are empty again. */
async function cleanForNextStep(environment: TrialEnvironment, log: (line: string) => void): Promise<void> {
  await endAgentProcesses(environment.sandbox, log);
  // endAgentProcesses emptied /tests and /logs/verifier (and checked); the collected artifacts and the oracle's solution go too.
  // Their contents only: either may be a mount point of the sandbox.
  const wipe = await environment.sandbox.exec(
    'mkdir -p /logs/artifacts /solution && find /logs/artifacts /solution -mindepth 1 -delete',
    { timeoutSec: 60 },
  );
  if (wipe.exitCode !== 0) throw new Error(`cannot empty /logs/artifacts after the step: ${wipe.stderr.trim()}`);
}

/** Why the remaining steps do not run: a failure that left no reward, or a reward under `min_reward` (Harbor's rules). */
export function stopReason(step: Pick<TaskStep, 'minReward'>, result: StepResult): string | undefined {
  if (result.exception_info && !result.verifier_result) return `${result.exception_info.exception_type}, no reward`;
  if (step.minReward === undefined) return undefined;
  const thresholds = typeof step.minReward === 'number' ? { reward: step.minReward } : step.minReward;
  for (const [key, threshold] of Object.entries(thresholds)) {
    const actual = result.verifier_result?.rewards[key];
    if (actual === undefined || actual < threshold)
      return `${key} ${actual ?? 'missing'} below min_reward ${threshold}`;
  }
  return undefined;
}

/** The trial's reward from its steps': the mean of each key over the steps with a reward (a missing key counts 0), or the last step's. */
export function trialReward(steps: StepResult[], strategy: 'mean' | 'final'): TrialResult['verifier_result'] {
  if (strategy === 'final') return steps.at(-1)?.verifier_result ?? null;
  const rewarded = steps.flatMap((s) => (s.verifier_result ? [s.verifier_result.rewards] : []));
  if (rewarded.length === 0) return null;
  const keys = [...new Set(rewarded.flatMap((r) => Object.keys(r)))];
  const mean = Object.fromEntries(
    keys.map((k) => [k, rewarded.reduce((sum, r) => sum + (r[k] ?? 0), 0) / rewarded.length]),
  ) as Record<string, number> & { reward: number };
  return { rewards: mean };
}

/**
 * The trial's agent_result: the steps' tokens and cost summed (Harbor leaves it null for a multi-step trial
 * and sums the steps when it reads; the totals are the same). A cost is null when any step's is unknown.
 */
function totalAgentResult(steps: StepResult[]): TrialResult['agent_result'] {
  const results = steps.flatMap((s) => (s.agent_result ? [s.agent_result] : []));
  if (results.length === 0) return null;
  const sum = (key: 'n_input_tokens' | 'n_cache_tokens' | 'n_output_tokens' | 'cost_usd') =>
    results.some((r) => r[key] === null) ? null : results.reduce((total, r) => total + (r[key] ?? 0), 0);
  return {
    n_input_tokens: sum('n_input_tokens'),
    n_cache_tokens: sum('n_cache_tokens'),
    n_output_tokens: sum('n_output_tokens'),
    cost_usd: sum('cost_usd'),
    metadata: null,
  };
}
