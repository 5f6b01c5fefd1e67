// The evolve step of an iteration, by method: `ahe` runs the evolve agent (one session, or best-of-N
// with --evolvers), `ace` and `tf-grpo` run their own memory-only procedures. Every method works on the
// run's workspace (RUN/harness) and ends with the iteration's change_manifest.json (or a skip), so the
// evaluation, attribution, gate, budgets, resume and reports after it are the same for all of them.
import type { JobResult } from '../bench/job-summary.ts';
import type { Task } from '../bench/task.ts';
import type { Model } from '../model/types.ts';
import type { Spend } from '../model/usage.ts';
import type { RunConfig } from './evolve-config.ts';
import { runEvolveSession } from './evolve-session.ts';
import type { ChangeManifest } from './manifest.ts';
import type { Workspace } from './workspace.ts';

export interface EvolveStepInput {
  runDir: string;
  iteration: number;
  /** RUN/iterations/N. */
  iterationDir: string;
  workspace: Workspace;
  config: RunConfig;
  trainTasks: Task[];
  /** The evidence of the training split (never the held-out one). */
  evidenceSections: string[];
  readEvidence: (section: string) => Promise<string>;
  /** The evolve role's model (`--evolve-model`), made fresh on each call. */
  evolveModel: () => Promise<Model>;
  /**
   * Evaluates a harness directory on the training split into jobDir (same tasks, k, backend, model and
   * retries as the iteration's evaluation); for methods that must measure candidates (best-of-N).
   * The spend of such evaluations is the caller's to record (its result has tokens and cost).
   */
  evaluate: (harnessDir: string, jobDir: string, what: string) => Promise<JobResult>;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface EvolveStepResult {
  manifest: ChangeManifest;
  skipped?: string;
  /** What the method's model calls spent (the evolver role). */
  usage: Spend;
  /** What candidate evaluations spent (coding role), when the method ran any. */
  evaluationUsage?: Spend;
  /** The evolve model could not be reached: the run stops here, resumably. */
  unavailable?: string;
  /**
   * `usage` already includes what earlier, stopped or interrupted attempts of this step spent (the method
   * keeps its own record of them: the ahe method's sessions kept aside, interrupted-attempts.ts), so the
   * caller neither adds nor writes a stopped-usage.json.
   */
  usageIsTotal?: boolean;
}

/** The `ahe` method with one evolve-agent session (and its retry). */
export async function aheEvolveStep(
  input: EvolveStepInput,
  session: { hint?: string; outputDir?: string } = {},
): Promise<EvolveStepResult> {
  const { config } = input;
  const result = await runEvolveSession({
    iteration: input.iteration,
    workspace: input.workspace,
    iterationDir: input.iterationDir,
    model: await input.evolveModel(),
    trainTasks: input.trainTasks,
    evidenceSections: input.evidenceSections,
    readEvidence: input.readEvidence,
    maxSteps: config.evolve_max_steps ?? undefined,
    maxWallSec: config.evolve_max_minutes ? config.evolve_max_minutes * 60 : undefined,
    strategyHint: session.hint,
    outputDir: session.outputDir,
    signal: input.signal,
    log: input.log,
  });
  // The session's usage includes its earlier, interrupted or stopped runs (kept aside with their records).
  return { ...result, usageIsTotal: true };
}

/** Runs the iteration's evolve step with the run's method. */
export async function runEvolveStep(input: EvolveStepInput): Promise<EvolveStepResult> {
  switch (input.config.method) {
    case 'ace':
      return (await import('./methods/ace.ts')).aceStep(input);
    case 'tf-grpo':
      return (await import('./methods/tf-grpo.ts')).tfGrpoStep(input);
    default:
      return input.config.evolvers > 1
        ? (await import('./methods/best-of-n.ts')).bestOfNStep(input)
        : aheEvolveStep(input);
  }
}
