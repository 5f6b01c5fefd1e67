// The files a job writes, in Harbor's layout and with Harbor's keys (docs/jobs.md), so that
// tools made for Harbor runs read ahe jobs and ahe reads theirs. ahe's own fields are added, never
// renamed. Reading is forgiving (other tools' jobs vary); writing always fills every key.
import { z } from 'zod';

export interface TimeSpan {
  started_at: string | null;
  finished_at: string | null;
}

export interface ExceptionInfo {
  /** e.g. AgentTimeoutError, VerifierTimeoutError, RewardFileNotFoundError, EnvironmentNotSatisfiableError. */
  exception_type: string;
  exception_message: string;
  exception_traceback: string;
  occurred_at: string;
}

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
  /** ahe's additions. */
  ahe?: {
    attempt: number;
    /** Whether the attempt passed: reward ≥ 1. */
    passed: boolean;
    steps?: number;
    stop_reason?: string;
    verifier_exit_code?: number | null;
    wall_sec?: number;
  };
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
    verifier_result: z
      .object({ rewards: z.record(z.string(), z.number().nullable()).nullish() })
      .passthrough()
      .nullish(),
    exception_info: z
      .object({ exception_type: z.string(), exception_message: z.string().nullish() })
      .passthrough()
      .nullish(),
    started_at: z.string().nullish(),
    finished_at: z.string().nullish(),
    environment_setup: spanSchema,
    agent_execution: spanSchema,
    verifier: spanSchema,
  })
  .passthrough();
export type TrialResultRead = z.infer<typeof TrialResultReadSchema>;
