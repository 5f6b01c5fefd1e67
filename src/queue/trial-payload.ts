// What travels through the queue. A trial job carries references to content-addressed blobs (the
// task, the harness, a scripted model's file) and settings — never a secret: API keys come from each
// worker's own environment. Its return value carries the trial directory back as a file bundle.
import { z } from 'zod';
import type { BackendKind } from '../bench/trial-context.ts';
import { REASONING_EFFORTS } from '../model/types.ts';

/**
 * The BullMQ queue of the trials of one backend: a worker listens only to its own backend's queue, so
 * a trial is never taken by a worker that cannot run it (the worker still checks the payload's backend).
 */
export const queueName = (backend: BackendKind) => `ahe-trials-${backend}`;
export const PAYLOAD_VERSION = 1;

const Blob = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), dir: z.string() });

export const TrialPayloadSchema = z.object({
  v: z.literal(PAYLOAD_VERSION),
  job_run_id: z.string(),
  trial_name: z.string(),
  attempt: z.number().int().positive(),
  /** The task directory; `dir` is its path on the producer, `source` the name of its parent (the dataset). */
  task: Blob.extend({ name: z.string(), source: z.string() }),
  agent: z.object({
    kind: z.enum(['harness', 'oracle', 'noop']),
    model_spec: z.string().optional(),
    /** scripted:/replay: models read a file (also inside chaos:); it is shipped like the task. */
    model_file: Blob.extend({ name: z.string() }).optional(),
    harness: Blob.extend({ name: z.string(), content_hash: z.string() }).optional(),
    max_steps: z.number().int().positive().optional(),
    max_total_tokens: z.number().int().positive().optional(),
    max_retries: z.number().int().nonnegative().optional(),
    prices: z.record(z.string(), z.unknown()).optional(),
    /** The run's reasoning effort (over the harness's own), and a fallback model spec (a provider's). */
    reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
    fallback_model: z.string().optional(),
    /** The ahe evolve iteration the trial belongs to (a model's context: the simulator's draws). */
    iteration: z.number().int().nonnegative().optional(),
  }),
  backend: z.string(),
  timeout_multiplier: z.number().positive().optional(),
  environment_cache: z.boolean(),
});
export type TrialPayload = z.infer<typeof TrialPayloadSchema>;

export interface TrialReturn {
  trial_name: string;
  worker: string;
  /** Base64 of the trial directory's file bundle (gzip JSON). */
  files: string;
  /** Paths on the worker, rewritten to the producer's when the files are written. */
  worker_paths: { trial_dir: string; task_dir: string; harness_dir: string | null };
  /** The trial ended on an infrastructure error (no measurement): a re-run producer runs it again rather than collecting it. */
  infrastructure_error?: boolean;
}

/**
 * `ahe:<jobRunId>:<task>__<attempt>`: the same trial of the same job is never enqueued twice. (BullMQ
 * accepts a custom id with a colon only as three colon-separated parts, hence the prefix.)
 */
export const trialJobId = (jobRunId: string, trialName: string) =>
  `ahe:${jobRunId.replace(/:/g, '_')}:${trialName.replace(/:/g, '_')}`;
