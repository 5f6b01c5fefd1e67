// The data of an HTML report: what `ahe report` embeds in the file and what `ahe serve` answers on its
// API. Plain JSON (no Dates, no Maps) so the same object is written into the page and sent over HTTP.
// The loaders (src/report/load-*.ts) build it from the directories ahe and Harbor write; the page
// (src/report/page/) only renders it. Every string in it may come from agent output, task files or
// model text: the page renders it as text, never as HTML.

export type Interval = [number, number];

/** Tokens and money of something (a trial, a role in an iteration, a job). */
export interface SpendView {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  /** null when a price was unknown. */
  cost_usd: number | null;
  /** Model calls (a coding agent's: one per step of its sessions, summed over the trials). */
  calls?: number;
}

/** One attempt of one task. */
export interface TrialRow {
  /** The trial's directory name inside its job: the key of its detail. */
  id: string;
  task: string;
  reward: number | null;
  passed: boolean;
  /** The exception type (AgentTimeoutError, InfrastructureError, …) or null. */
  exception: string | null;
  spend: SpendView;
  duration_sec: number | null;
  /** Agent steps in its trajectory, when known. */
  steps: number | null;
  fallback_used?: boolean;
  /** Where its detail comes from: a key of the embedded trial details, or an API path for `ahe serve`. */
  detail_ref: string;
}

export type TaskStatus = 'passed' | 'failed' | 'partial' | 'error';

export interface TaskRow {
  task: string;
  /** Measured attempts (infrastructure errors excluded). */
  n: number;
  passes: number;
  /** passes / n, null when nothing was measured. */
  pass_fraction: number | null;
  status: TaskStatus;
  exceptions: string[];
  /** Trial ids (TrialRow.id) of this task, in attempt order. */
  trials: string[];
  /** From the debugger's report when one exists for this job. */
  debug?: { classification?: string; summary?: string; signatures: string[] };
}

export interface ScoreView {
  pass_at_1: number;
  ci95: Interval;
  stderr: number;
  n_tasks: number;
  /** "1", "2", … → pass@k. */
  pass_at_k: Record<string, number>;
  /**
   * An evolve run's train score under --eval-policy adaptive: how many of the `n_tasks` were not run in
   * this iteration and carry their last measured outcome (absent when none). Such a score is partly
   * earlier measurements: `ci95` treats every task as measured here, so the page does not show it.
   */
  carried_tasks?: number;
}

export interface JobReport {
  kind: 'job';
  /** The job directory as the user gave it (relative where possible). */
  path: string;
  name: string;
  agent: string | null;
  model: string | null;
  harness: string | null;
  k: number;
  score: ScoreView;
  n_trials: number;
  n_infrastructure_errors: number;
  exceptions: Record<string, number>;
  spend: SpendView;
  wall_sec: number | null;
  tasks: TaskRow[];
  trials: TrialRow[];
  /** While a job is still being written (ahe serve): how far it is. */
  progress?: ProgressView;
  /** The debugger's overview (Markdown; the page draws a safe subset of it, from text nodes) when a debug output belongs to the job. */
  debug_overview?: string;
  /** Trial directories without a result.json yet (running, or killed before the end), by name. */
  unfinished?: string[];
  /** Files that could not be read (malformed, caught mid-write), each naming the file; never fatal. */
  problems?: string[];
}

export interface ProgressView {
  done: number;
  total: number;
  running: boolean;
  eta_sec: number | null;
  cost_usd: number | null;
  /** For a run: the iteration and step it is at. */
  iteration?: number;
  step?: string;
}

/** One step of a trajectory (ATIF step, or an ahe event folded into one). */
export interface TraceStep {
  index: number;
  /** ATIF source: system, user, agent (or what the trace says). */
  source: string;
  text: string | null;
  reasoning: string | null;
  tool_calls: { id: string | null; name: string; arguments: string }[];
  /** Tool outputs, each with the call it answers when known. */
  observations: { call_id: string | null; content: string }[];
  timestamp: string | null;
  tokens: { prompt: number | null; completion: number | null } | null;
}

export interface TrialDetail {
  id: string;
  task: string;
  reward: number | null;
  exception: { type: string; message: string } | null;
  instruction: string | null;
  steps: TraceStep[];
  /**
   * Multi-step tasks: each step's own trajectory and reward, in the order they ran; `steps` is then empty
   * (each step of the task has its own trajectory, numbered from 1).
   */
  task_steps?: { name: string; reward: number | null; steps: TraceStep[] }[];
  verifier_output: string | null;
  /** The debugger's digest of this trial and its signatures, when present. */
  digest: string | null;
  signatures: string[];
  /** What the loader left out (a trajectory too large, an unreadable file), said plainly. */
  notes: string[];
}

/** An `ahe debug` output directory. */
export interface DebugReport {
  kind: 'debug';
  path: string;
  name: string;
  overview: string;
  tasks: { task: string; status: string; detail: string; signatures: string[] }[];
  /** The job it analysed, when that directory is still there. */
  job: JobReport | null;
}

export interface RunChange {
  id: string;
  component: string;
  type: string;
  description: string;
  files: string[];
  predicted_fixes: string[];
  risk_tasks: string[];
  /** From the next iteration's attribution; null while not judged yet. */
  verdict: string | null;
  verdict_reason: string | null;
  actually_fixed: string[];
  risk_realised: string[];
  rolled_back: boolean;
  rollback_reason: string | null;
}

export interface RunIteration {
  iteration: number;
  train: ScoreView | null;
  holdout: ScoreView | null;
  /** Training task → pass fraction in this iteration (null: not measured). */
  task_pass: Record<string, number | null>;
  holdout_task_pass: Record<string, number | null>;
  /** Against the previous iteration. */
  fixed: string[];
  regressed: string[];
  paired_vs_previous: { mean_difference: number; ci95: Interval; p_value: number } | null;
  /** The changes the evolve agent made in this iteration (evaluated by the next one). */
  changes: RunChange[];
  /** What this iteration's gate rolled back, and why. */
  rollbacks: { change_id: string; reason: string }[];
  gate_reason: string | null;
  iteration_rollback: boolean;
  leak_rejections: { change_id: string | null; findings: string[] }[];
  skipped: string | null;
  /** diff.patch of this iteration's changes. */
  diff: string | null;
  /**
   * What this iteration's training evaluation ran (evaluation.json, else its job): the tasks with a measured
   * attempt, the attempts (rollouts), and their own pass@1 (null when nothing was measured); absent when
   * the iteration has no evaluation yet.
   */
  evaluation?: { policy: string; tasks_run: number; rollouts: number; pass_at_1: number | null } | null;
  /** role (coding, debugger, evolver) → spend; `calls` counts model calls in every role. */
  usage: Record<string, SpendView>;
  /** The iteration's training job, for the task × trial drill-down (may be absent in a static file). */
  job: JobReport | null;
  /** The iteration's held-out job; null when it had none (no --holdout, or not this iteration). */
  holdout_job: JobReport | null;
}

export interface RunReport {
  kind: 'run';
  path: string;
  name: string;
  /** The method that evolved it (ahe, ace, tf-grpo) when recorded. */
  method: string;
  config: {
    model: string;
    evolve_model: string;
    debug_model: string | null;
    k: number;
    iterations: number;
    /** --eval-policy (fixed, adaptive); absent in reports written before it was recorded. */
    eval_policy?: string;
  };
  status: { iteration: number; step: string; done: boolean; stopped_reason: string | null };
  best: { iteration: number; pass_at_1: number } | null;
  train_tasks: string[];
  holdout_tasks: string[];
  iterations: RunIteration[];
  prediction_quality: { precision: number | null; recall: number | null } | null;
  /** Under --eval-policy adaptive, the advice to use fixed when predictions were mostly wrong (summary.md's). */
  eval_policy_advice: string | null;
  spend: SpendView;
  progress?: ProgressView;
  /** Files that could not be read (malformed, caught mid-write), each naming the file; never fatal. */
  problems?: string[];
}

export interface CompareJobsReport {
  kind: 'compare-jobs';
  jobs: JobReport[];
  /** Per task, each job's pass fraction and what changed from the first job to each other. */
  tasks: {
    task: string;
    pass: (number | null)[];
    change: ('fixed' | 'regressed' | 'improved' | 'worsened' | 'same' | 'missing')[];
  }[];
  /** Paired difference of each job against the first. */
  paired: ({ mean_difference: number; ci95: Interval; p_value: number; n_tasks: number } | null)[];
}

export interface CompareRunsReport {
  kind: 'compare-runs';
  runs: RunReport[];
}

/** What `ahe serve` lists under its directory. */
export interface IndexReport {
  kind: 'index';
  root: string;
  entries: {
    /** Relative to the served directory, '/'-separated. */
    path: string;
    kind: 'job' | 'run' | 'debug';
    name: string;
    updated_at: string | null;
    running: boolean;
    pass_at_1: number | null;
  }[];
}

export type AnyReport = JobReport | DebugReport | RunReport | CompareJobsReport | CompareRunsReport | IndexReport;

export interface ReportPayload {
  version: 1;
  title: string;
  generated_at: string;
  ahe_version: string;
  report: AnyReport;
  /**
   * A static file's trial details: how many of the report's trials are embedded. Those in `left_out` (over
   * the file's size budget, or unreadable) are not in the file: the page says to open the report with
   * `ahe serve` to see them. Absent when the payload comes from `ahe serve` (every detail is fetched).
   */
  embedded_trials?: { total: number; embedded: number; left_out: string[]; reason: string | null };
}

/**
 * Where the page gets its data: the embedded payload of a static file, or `ahe serve`'s API.
 * Implemented in the page (src/report/page/source.ts).
 */
export interface ReportSource {
  load(): Promise<ReportPayload>;
  /** A trial's detail by its TrialRow.detail_ref; null when it is not available. */
  trial(ref: string): Promise<TrialDetail | null>;
  /** Live sources (ahe serve) call back with the new payload when what they show changed; returns a stop function. */
  watch?(onChange: (payload: ReportPayload) => void): () => void;
  /** ahe serve: open another entry of the index (a path relative to the served directory). */
  open?(path: string): Promise<ReportPayload>;
}

/** Element ids of the page's embedded data blocks (`<script type="application/json">`, never executed). */
export const PAYLOAD_ELEMENT_ID = 'ahe-report-data';
/** Trial details of a static file: JSON object ref → base64 of the gzip of the TrialDetail's JSON. */
export const TRIALS_ELEMENT_ID = 'ahe-report-trials';
/** `<meta name=…>` holding the API base URL when the page is served by `ahe serve`. */
export const API_META_NAME = 'ahe-api';
