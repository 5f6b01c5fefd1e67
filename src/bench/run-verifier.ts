// The verifier phase of a trial: every process the agent phase started is ended and /logs/verifier and
// /tests are emptied (checked), the task's tests are copied in, run, and the reward they wrote is read.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InterruptedError } from '../errors.ts';
import { SandboxCleanupError } from '../sandbox/kill-strays.ts';
import type { ExecResult, Sandbox } from '../sandbox/types.ts';
import {
  now,
  outputText,
  phase,
  SCRIPT_OUTPUT_CAP,
  span,
  type TrialContext,
  type TrialEnvironment,
} from './trial-context.ts';
import type { TrialExceptionType } from './trial-result.ts';

const NETWORK_FAILURE =
  /Could not resolve host|Temporary failure in name resolution|Network is unreachable|Failed to establish a new connection|Name or service not known|getaddrinfo/;

/** An agent exception after which the verifier still runs: the agent's work is judged as it stands. */
const VERIFIED_DESPITE: readonly TrialExceptionType[] = [
  'AgentTimeoutError',
  'NonZeroAgentExitCodeError',
  'AgentError',
];

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

/** Every process of the agent phase ended, then the verifier — unless the trial already failed otherwise. */
export async function verifierStep(ctx: TrialContext, environment: TrialEnvironment): Promise<void> {
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
export async function endAgentProcesses(sandbox: Sandbox, log: (l: string) => void): Promise<void> {
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
    maxOutputBytes: SCRIPT_OUTPUT_CAP,
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
    // A step of a multi-step task: the top-level tests/, then the step's own over it.
    for (const dir of task.testsUploads ?? (task.testsDir ? [task.testsDir] : []))
      if (existsSync(dir)) await sandbox.upload(dir, '/tests');
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
