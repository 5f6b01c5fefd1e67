// The public API of `ahe` as a library: `import { runAgent, loadHarness, runJob, … } from 'ahe'`.
// A deliberate list, grouped by layer (the folders of src/, in the order Biome sorts them); anything not
// named here is internal and may change without notice. Component authors who only need the harness contracts import 'ahe/harness', and
// authors of a model provider the model contracts from 'ahe/model'. Breaking changes: CHANGELOG.md.

import { AGENT_INFO } from './agent/agent-info.ts';

/** The version of this package (also written into traces and job configs). */
export const version: string = AGENT_INFO.version;

// agent: the loop itself (any trace, any sandbox), or one session recorded to a directory.
export { type RecordedSession, type RecordSessionOptions, recordSession } from './agent/record-session.ts';
export { type AgentProgress, type AgentRunResult, type RunAgentOptions, runAgent } from './agent/run-agent.ts';
export type { Conversation } from './agent/session.ts';
// bench: load tasks, run a job of tasks × k trials, read and compare its results.
export { compareJobs, type JobComparison } from './bench/compare-jobs.ts';
export type { JobResult, JobSummary, TaskSummary } from './bench/job-summary.ts';
export { type LoadedTask, loadTask, loadTaskSuite, type TaskProblem, type TaskSuite } from './bench/load-task.ts';
export {
  DEFAULT_MAX_CONSECUTIVE_INFRA_FAILURES,
  type JobConfig,
  type JobEvent,
  type JobOptions,
  type JobOutcome,
  runJob,
  type TrialExecutor,
} from './bench/run-job.ts';
export type { AgentKind, BackendKind, TrialAgent, TrialOptions } from './bench/run-trial.ts';
export { computePassStats, type PassStats, type TaskOutcome } from './bench/stats.ts';
export type { Task, TaskEnvironment } from './bench/task.ts';
export {
  type AheTrialInfo,
  TRIAL_EXCEPTION_TYPES,
  type TrialExceptionType,
  type TrialResult,
} from './bench/trial-result.ts';
// Where the harnesses and task suites shipped with the package are.
export { bundledPath } from './bundled-path.ts';
// debugger: distil a job's traces into a report.
export { type DebugJobOptions, type DebugJobResult, type DebugProgress, debugJob } from './debugger/debug-job.ts';
export type { Report, ReportTask } from './debugger/report-schema.ts';
// Errors a caller may want to tell apart: the user-facing family and the interruption (src/errors.ts), and
// domain errors with extra fields (an evaluation's missing trials, a harness's diagnostics, a script's divergence).
export {
  INFRASTRUCTURE_ERRORS,
  InterruptedError,
  isInfrastructureError,
  ModelAuthError,
  ModelConnectionError,
  ModelNotFoundError,
  ModelResponseError,
  ModelUnavailableError,
  RunStoppedError,
  UserError,
} from './errors.ts';
export { EvaluationIncompleteError } from './evolve/evaluate-harness.ts';
export { EvolveConfigSchema } from './evolve/evolve-config.ts';
// evolve: `evolve` is the public name of the loop behind `ahe evolve` (runEvolve, kept as an alias).
export {
  type EvolveConfig,
  type EvolveOptions,
  type ModelResolver,
  runEvolve as evolve,
  runEvolve,
} from './evolve/run-evolve.ts';
export type { Role, RunState } from './evolve/run-state.ts';
// harness: load, validate, start one from the seed. The component contracts are in 'ahe/harness'.
export { type Diagnostic, HarnessError } from './harness/harness-error.ts';
export { initHarness, SEED_HARNESS_DIR } from './harness/init-harness.ts';
export { type LoadOptions, type LoadReport, loadHarness } from './harness/load-harness.ts';
export type { AgentStatus, Harness, RunLimits } from './harness/types.ts';
export { type ValidationReport, validateHarness } from './harness/validate-harness.ts';
// model: the interface to implement for a model of one's own, the providers behind a spec, the scripted double.
export { countMessageTokens, countTokens } from './model/count-tokens.ts';
export { type CreateModelOptions, createModel, MODEL_SPEC_HELP, parseModelSpec } from './model/create-model.ts';
export { ScriptDivergedError } from './model/errors.ts';
export { DEFAULT_PRICES, loadPriceTable, type Price, type PriceTable } from './model/prices.ts';
export type { ProviderOptions } from './model/provider-options.ts';
export type { Script, ScriptTurn } from './model/script-schema.ts';
export { createScriptedModel, loadScript, scriptedModel, scriptedModelFactory } from './model/scripted-model.ts';
export {
  type AssistantMessage,
  addUsage,
  type Completion,
  type CompletionDelta,
  type CompletionRequest,
  type FinishReason,
  type Message,
  type Model,
  type SystemMessage,
  type ToolCall,
  type ToolDefinition,
  type ToolMessage,
  type Usage,
  type UserMessage,
  ZERO_USAGE,
} from './model/types.ts';
export { addSpend, type Spend, ZERO_SPEND } from './model/usage.ts';
// sandbox: where the agent's commands run.
export { type BwrapSandboxOptions, bwrapAvailable, createBwrapSandbox } from './sandbox/bwrap-sandbox.ts';
export { createHostSandbox, type HostSandboxOptions } from './sandbox/host-sandbox.ts';
export type { ExecOptions, ExecResult, Sandbox } from './sandbox/types.ts';
// trace: what a caller of runAgent provides as the trace, and the ATIF files from an events.jsonl.
export type { SessionTrace, TraceEvent, TraceSink } from './trace/types.ts';
export { writeTrajectories } from './trace/write-trajectories.ts';
