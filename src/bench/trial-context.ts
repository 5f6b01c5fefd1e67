// What the steps of one trial share (src/bench/run-trial.ts builds it once per trial): the trial's
// options, directory, timeouts, result so far, log and the way an exception is recorded.

import type { Conversation } from '../agent/session.ts';
import { InterruptedError } from '../errors.ts';
import type { Harness } from '../harness/types.ts';
import type { Model, ModelContext } from '../model/types.ts';
import { SandboxCleanupError } from '../sandbox/kill-strays.ts';
import type { ExecResult, Sandbox } from '../sandbox/types.ts';
import type { Task } from './task.ts';
import type { TimeSpan, TrialExceptionType, TrialResult } from './trial-result.ts';

export type AgentKind = 'harness' | 'oracle' | 'noop';
/**
 * Where trials run: bwrap (the task's Dockerfile executed over this machine's system), podman or docker
 * (the task's image in a container), image (the task's image root, unpacked once, under bwrap).
 */
export const BACKENDS = ['bwrap', 'podman', 'docker', 'image'] as const;
export type BackendKind = (typeof BACKENDS)[number];

export interface TrialAgent {
  kind: AgentKind;
  harness?: Harness;
  /** The model spec (recorded) and a factory: each trial gets its own model (a scripted model keeps a cursor). */
  modelSpec?: string;
  newModel?: (context?: ModelContext) => Promise<Model>;
  /** The ahe evolve iteration this trial evaluates (part of the model's context); absent outside a run. */
  iteration?: number;
  /** Extra limits for the harness agent (steps, tokens); its wall time is the task's agent timeout. */
  maxSteps?: number;
  maxTotalTokens?: number;
  /**
   * What config.json records of the model's options, compared when the job is continued: the fallback
   * model's spec and the reasoning effort in force (null: none). Undefined: not recorded (evolve's own
   * evaluations, whose fallback may change on resume and whose shares it compares itself).
   */
  fallbackModelSpec?: string | null;
  reasoningEffort?: string | null;
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

/** What every step of one trial shares: built once by openTrial and handed to each phase. */
export interface TrialContext {
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
  /**
   * A multi-step trial's agent, carried from step to step (run-steps.ts): one model (a scripted model keeps
   * its cursor), one conversation, and what the earlier steps spent (progress reports add it).
   */
  agentCarry?: AgentCarry;
}

export interface AgentCarry {
  model?: Model;
  conversation: Conversation;
  spent: { tokens: number; costUsd: number };
}

/** What a trial holds while it runs and gives back at teardown, whatever happened. */
export interface TrialResources {
  workspace: string;
  sandbox?: Sandbox;
}

/** The sandbox the agent and the verifier run in, and the environment variables their commands get. */
export interface TrialEnvironment {
  sandbox: Sandbox;
  env: Record<string, string>;
}

export const now = () => new Date().toISOString();
export const span = (): TimeSpan => ({ started_at: now(), finished_at: null });

/** The most a script of the task (the oracle's solution, the verifier) may print into the trial directory. */
export const SCRIPT_OUTPUT_CAP = 4 * 1024 * 1024;

/** The `fail` of a TrialContext: records the first exception in `result`, logs every one. */
export function exceptionRecorder(
  result: Pick<TrialResult, 'exception_info'>,
  log: (line: string) => void,
): TrialContext['fail'] {
  return (type, message, traceback = '') => {
    log(`exception ${type}: ${message}`);
    if (!result.exception_info)
      result.exception_info = {
        exception_type: type,
        exception_message: message,
        exception_traceback: traceback,
        occurred_at: now(),
      };
  };
}

/** Runs one phase: a throw becomes the trial's exception of that type (an interruption stays one). Returns false when it threw. */
export async function phase(
  ctx: TrialContext,
  type: TrialExceptionType,
  body: () => Promise<unknown>,
): Promise<boolean> {
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

/** A script's output as saved in the trial directory, with what was dropped or cut said at the end. */
export function outputText(run: ExecResult): string {
  return `${run.stdout}${run.stderr ? `\n--- stderr ---\n${run.stderr}` : ''}${run.droppedBytes ? `\n[${run.droppedBytes} bytes dropped]\n` : ''}${run.timedOut ? '\n[timed out]\n' : ''}`;
}
