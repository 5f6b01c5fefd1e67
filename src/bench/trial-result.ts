// The files a job writes, in Harbor's layout and with Harbor's keys (docs/jobs.md), so that
// tools made for Harbor runs read ahe jobs and ahe reads theirs. ahe's own fields are added, never
// renamed. Reading is forgiving (other tools' jobs vary); writing always fills every key.
import { z } from 'zod';

export interface TimeSpan {
  started_at: string | null;
  finished_at: string | null;
}

/**
 * Every exception type a trial of ahe records as `exception_info.exception_type`, by phase. The names
 * are Harbor's where Harbor has one. Readers of other tools' jobs still see any string.
 */
export const TRIAL_EXCEPTION_TYPES = [
  'UnsupportedTaskError',
  // A step of a multi-step task: its workdir/setup.sh failed; a healthcheck (the environment's or a step's) never passed.
  'StepSetupError',
  'HealthcheckError',
  // Environment (prepare-environment.ts on bwrap; the container engine and image build otherwise).
  'EnvironmentStartError',
  'EnvironmentSetupError',
  'EnvironmentSetupTimeoutError',
  'EnvironmentNotSatisfiableError',
  'EnvironmentBuildError',
  'EnvironmentBuildTimeoutError',
  'ImagePullError',
  'ContainerEngineMissingError',
  'ContainerEngineDownError',
  'ContainerStartError',
  // Agent.
  'SolutionNotFoundError',
  'AgentSetupError',
  'AgentError',
  'AgentTimeoutError',
  'NonZeroAgentExitCodeError',
  'InfrastructureError',
  // Between agent and verifier.
  'SandboxCleanupError',
  // Verifier.
  'VerifierError',
  'VerifierNotFoundError',
  'VerifierSetupError',
  'VerifierNeedsNetworkError',
  'VerifierTimeoutError',
  'RewardFileError',
  'RewardFileNotFoundError',
  // Anything else a trial threw (a fault of ahe itself).
  'TrialError',
] as const;
export type TrialExceptionType = (typeof TRIAL_EXCEPTION_TYPES)[number];

/**
 * The exception of a trial whose model could not be used (connection refused, DNS, 401/403, unknown
 * model, retries exhausted on 429/5xx, timeout): it measured nothing about the agent, so it is left out
 * of every pass rate, shown as an error, and run again on resume (docs/results.md).
 */
export const INFRASTRUCTURE_EXCEPTION = 'InfrastructureError' satisfies TrialExceptionType;

export interface ExceptionInfo {
  exception_type: TrialExceptionType;
  exception_message: string;
  exception_traceback: string;
  occurred_at: string;
}

/** ahe's own block of a trial result.json (`ahe`), beside Harbor's keys. */
export const AheTrialInfoSchema = z
  .object({
    attempt: z.number().int().positive(),
    /** Whether the attempt passed: reward ≥ 1. */
    passed: z.boolean(),
    /** Model calls of a harness agent, and why its session ended (an AgentStatus). */
    steps: z.number().int().nonnegative().optional(),
    stop_reason: z.string().optional(),
    /** The verifier's exit code; null when a signal ended it. */
    verifier_exit_code: z.number().int().nullable().optional(),
    wall_sec: z.number().nonnegative().optional(),
    /** What preparing the environment chose or left out (bwrap backend), one line each. */
    environment_notes: z.array(z.string()).optional(),
    /** Why part of the result could not be saved (agent metadata dropped). */
    result_note: z.string().optional(),
    /** The coding agent's model failed over to its fallback (docs/models.md, "Fallback model"): measured apart. */
    fallback_used: z.boolean().optional(),
    /** The switch: the primary's and the fallback's specs, the primary's error, the calls the fallback served. */
    fallback: z
      .object({ from: z.string(), to: z.string(), reason: z.string(), calls: z.number().int().nonnegative() })
      .optional(),
    /** A multi-step trial: its steps, how many ran, and why the others did not (docs/jobs.md, "Multi-step tasks"). */
    multi_step: z
      .object({
        steps: z.number().int().nonnegative(),
        run: z.number().int().nonnegative(),
        stopped: z.string().optional(),
      })
      .optional(),
  })
  .passthrough();
export type AheTrialInfo = z.infer<typeof AheTrialInfoSchema>;

export interface TrialResult {
  id: string;
  task_name: string;
  /** `<task>__<attempt>`, also the trial directory's name. */
  trial_name: string;
  trial_uri?: string;
  task_id: { path: string };
  source: string | null;
  task_checksum: string | null;
  config: Record<string, unknown>;
  agent_info: { name: string; version: string; model_info: { name: string; provider: string } | null };
  agent_result: {
    n_input_tokens: number | null;
    n_cache_tokens: number | null;
    n_output_tokens: number | null;
    cost_usd: number | null;
    metadata: Record<string, unknown> | null;
  } | null;
  /** null when the verifier wrote no reward file. */
  verifier_result: { rewards: Record<string, number> & { reward: number } } | null;
  exception_info: ExceptionInfo | null;
  started_at: string;
  finished_at: string | null;
  environment_setup: TimeSpan | null;
  agent_setup: TimeSpan | null;
  agent_execution: TimeSpan | null;
  verifier: TimeSpan | null;
  /**
   * A multi-step trial's steps, in Harbor's StepResult shape (absent for a single-step trial). The trial's
   * verifier_result is then derived from theirs: the per-key mean over the steps that have one, or the last
   * step's (`multi_step_reward_strategy = "final"`).
   */
  step_results?: StepResult[];
  /** ahe's additions. */
  ahe: AheTrialInfo;
}

/** One step of a multi-step trial, as Harbor writes it in result.json's `step_results`. */
export interface StepResult {
  step_name: string;
  agent_result: TrialResult['agent_result'];
  verifier_result: TrialResult['verifier_result'];
  exception_info: ExceptionInfo | null;
  agent_execution: TimeSpan | null;
  verifier: TimeSpan | null;
}

/** A pass is a reward of at least 1; success comes from the reward, never from the absence of an exception. */
export function rewardPassed(reward: number | null | undefined): boolean {
  return typeof reward === 'number' && reward >= 1;
}

const spanSchema = z
  .object({ started_at: z.string().nullish(), finished_at: z.string().nullish() })
  .passthrough()
  .nullish();

/** What ahe needs from any Harbor-layout trial result.json (its own or another tool's). */
// The reward and the exception as a trial and each of a multi-step trial's steps record them.
const verifierResultSchema = z
  .object({ rewards: z.record(z.string(), z.number().nullable()).nullish() })
  .passthrough()
  .nullish();
const exceptionInfoSchema = z
  .object({ exception_type: z.string(), exception_message: z.string().nullish() })
  .passthrough()
  .nullish();

export const TrialResultReadSchema = z
  .object({
    task_name: z.string(),
    trial_name: z.string(),
    agent_result: z
      .object({
        n_input_tokens: z.number().nullish(),
        n_cache_tokens: z.number().nullish(),
        n_output_tokens: z.number().nullish(),
        cost_usd: z.number().nullish(),
      })
      .passthrough()
      .nullish(),
    verifier_result: verifierResultSchema,
    exception_info: exceptionInfoSchema,
    /** Present in ahe's trials only. */
    ahe: AheTrialInfoSchema.nullish(),
    started_at: z.string().nullish(),
    finished_at: z.string().nullish(),
    environment_setup: spanSchema,
    agent_execution: spanSchema,
    verifier: spanSchema,
    /** A multi-step trial's steps (Harbor's StepResult). */
    step_results: z
      .array(
        z
          .object({
            step_name: z.string(),
            verifier_result: verifierResultSchema,
            exception_info: exceptionInfoSchema,
          })
          .passthrough(),
      )
      .nullish(),
  })
  .passthrough();
export type TrialResultRead = z.infer<typeof TrialResultReadSchema>;
