// A benchmark task as the runner sees it, whatever format it was published in.

export type TaskFormat = 'harbor' | 'tb1';

/** One step of a multi-step task (`[[steps]]`, files under `steps/<name>/`; docs/jobs.md, "Multi-step tasks"). */
export interface TaskStep {
  name: string;
  instruction: string;
  /** Stop the remaining steps when this step's reward is below it (a number gates `reward`; a table gates each key). */
  minReward?: number | Record<string, number>;
  dependencies: string[];
  agentTimeoutSec?: number;
  verifierTimeoutSec?: number;
  /** `steps/<name>/`. */
  dir: string;
  /** `steps/<name>/workdir/`, copied into the sandbox's working directory before the step (its `setup.sh` then runs). */
  workdir?: string;
  /** The step's own `tests/` (copied over the task's top-level `tests/`), and the verifier entry point: its `test.sh`, else the top-level one. */
  testsDir?: string;
  testScript?: string;
  /** `steps/<name>/solution/solve.sh`, else the task's `solution/solve.sh` (the oracle's). */
  solutionScript?: string;
  /** `[steps.verifier.env]`, over the task's `[verifier.env]`. */
  verifierEnv: Record<string, string>;
  healthcheck?: Healthcheck;
  /** Collected after the step, after the task-level ones. */
  artifacts: ArtifactEntry[];
}

/** A command polled until it succeeds, with Docker HEALTHCHECK's semantics (Harbor's HealthcheckConfig). */
export interface Healthcheck {
  command: string;
  intervalSec: number;
  timeoutSec: number;
  startPeriodSec: number;
  startIntervalSec: number;
  retries: number;
}

/** A path copied out of the sandbox into the trial (`artifacts = [...]`). */
export interface ArtifactEntry {
  source: string;
  /** Where under `artifacts/` it lands; by default the source path without its leading `/`. */
  destination?: string;
}

/** A field of the task that ahe cannot honour: a trial of the task is refused naming it (UnsupportedTaskError). */
export interface UnsupportedField {
  /** The file and field, e.g. `task.toml [environment].mcp_servers`. */
  field: string;
  reason: string;
}

export interface TaskEnvironment {
  /** Absolute path of the Dockerfile, when the task has one. */
  dockerfile?: string;
  /** The directory the Dockerfile's COPY instructions read from. */
  buildContext?: string;
  /** A prebuilt image the task names (`docker_image` or `image`). */
  dockerImage?: string;
  cpus?: number;
  memoryMb?: number;
  storageMb?: number;
  allowInternet: boolean;
  buildTimeoutSec?: number;
  workdir?: string;
  env: Record<string, string>;
}

export interface Task {
  /** The task directory's name, which names trials (`<task>__<attempt>`). */
  name: string;
  dir: string;
  format: TaskFormat;
  instruction: string;
  difficulty?: string;
  category?: string;
  tags: string[];
  agentTimeoutSec: number;
  verifierTimeoutSec: number;
  environment: TaskEnvironment;
  /** The verifier entry point (`tests/test.sh` for Harbor, `run-tests.sh` for TB1) and the tests directory. */
  testScript?: string;
  testsDir?: string;
  /** The reference solution (`solution/solve.sh`, `solution.sh`). */
  solutionScript?: string;
  verifierEnv: Record<string, string>;
  solutionEnv: Record<string, string>;
  /** Multi-step tasks (`[[steps]]`); empty for single-step tasks. */
  steps: TaskStep[];
  /** How a multi-step trial's reward comes from its steps' (`multi_step_reward_strategy`, default mean). */
  multiStepRewardStrategy?: 'mean' | 'final';
  /** Task-level `artifacts`, collected after every step of a multi-step task. */
  artifacts?: ArtifactEntry[];
  /** `[environment.healthcheck]`: run once the environment is up, before the agent. */
  healthcheck?: Healthcheck;
  /** What cannot run here; a trial is refused naming the first. */
  unsupported?: UnsupportedField[];
  /**
   * Directories copied into /tests in order, later files over earlier ones (a step's view of a multi-step
   * task: the top-level `tests/`, then the step's); default `[testsDir]`.
   */
  testsUploads?: string[];
  /** The parsed config file, unknown keys included. */
  config: Record<string, unknown>;
}

export const DEFAULT_AGENT_TIMEOUT_SEC = 600;
export const DEFAULT_VERIFIER_TIMEOUT_SEC = 600;
