// The agent phase of a trial (or of one step of a multi-step trial): setup (the oracle's solution
// uploaded), then the agent — nothing (noop), the task's solution (oracle) or a recorded harness session.
// What it did goes to ctx.result; its files to <ctx.trialDir>/agent/.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordSession } from '../agent/record-session.ts';
import { isInfrastructureError } from '../errors.ts';
import { fallbackUseOf, observeFallback } from '../model/fallback-model.ts';
import {
  now,
  outputText,
  phase,
  SCRIPT_OUTPUT_CAP,
  span,
  type TrialContext,
  type TrialEnvironment,
} from './trial-context.ts';
import { INFRASTRUCTURE_EXCEPTION } from './trial-result.ts';

/** Agent setup (the oracle's solution uploaded), then the agent's run. */
export async function agentStep(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
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
  // The steps of a multi-step trial share one model and one conversation (ctx.agentCarry).
  const carry = ctx.agentCarry;
  // Observed: a trial whose agent used a fallback model is marked (docs/models.md, "Fallback model").
  const model =
    carry?.model ??
    observeFallback(
      await agent.newModel({
        task: ctx.task.name,
        taskDir: ctx.task.dir,
        attempt: ctx.options.attempt,
        harnessHash: agent.harness.contentHash,
        harnessDir: agent.harness.dir,
        ...(agent.iteration !== undefined ? { iteration: agent.iteration } : {}),
      }),
    );
  if (carry) carry.model = model;
  const before = carry?.spent ?? { tokens: 0, costUsd: 0 };
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
    ...(carry ? { conversation: carry.conversation } : {}),
    onProgress: (p) =>
      ctx.options.onUsage?.({
        tokens: before.tokens + p.usage.promptTokens + p.usage.completionTokens,
        costUsd: before.costUsd + p.costUsd,
      }),
  });
  if (carry)
    carry.spent = {
      tokens: before.tokens + session.usage.promptTokens + session.usage.completionTokens,
      costUsd: before.costUsd + session.costUsd,
    };
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
  const fallback = fallbackUseOf(model);
  if (fallback) {
    result.ahe.fallback_used = true;
    result.ahe.fallback = fallback;
    ctx.log(`agent: the fallback model ${fallback.to} served ${fallback.calls} calls (${fallback.reason})`);
  }
  ctx.log(`agent: ${session.status} after ${session.steps} steps`);
  if (session.status === 'timeout') ctx.fail('AgentTimeoutError', `the agent did not finish within ${timeoutSec}s`);
  // A model that could not be used measured nothing: not the agent's failure, left out of pass@1, run again on resume.
  else if (session.status === 'error' && isInfrastructureError(session.errorType))
    ctx.fail(INFRASTRUCTURE_EXCEPTION, session.error ?? session.errorType!);
  else if (session.status === 'error') ctx.fail('AgentError', session.error ?? 'the agent session failed');
}
