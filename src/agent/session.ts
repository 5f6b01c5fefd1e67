// What the steps of the agent loop share. A `Ledger` is the whole session tree's (usage, model calls,
// the caller's limits, one deadline); a `Session` is one agent's (its conversation, tools, middleware and
// trace). The steps — callModel, runToolCalls, the stop checks, runSession — are top-level functions of
// a Session, so each can be read and tested alone.
import { join } from 'node:path';
import type {
  AgentState,
  AgentStatus,
  Harness,
  MiddlewareContext,
  RunLimits,
  SubagentConfig,
  ToolResult,
} from '../harness/types.ts';
import type { Message, Model, ToolDefinition, Usage } from '../model/types.ts';
import { ZERO_USAGE } from '../model/types.ts';
import type { Sandbox } from '../sandbox/types.ts';
import type { SessionTrace } from '../trace/types.ts';
import { collectTools } from './builtin-tools.ts';
import { componentTrace } from './component-trace.ts';
import type { DispatchEnv } from './dispatch-tool.ts';
import { MiddlewareChain } from './middleware-chain.ts';
import { renderSystemPrompt } from './render-context.ts';

export interface AgentProgress {
  sessionId: string;
  /** 0 for the main agent, 1 for its sub-agents, … */
  depth: number;
  step: number;
  phase: 'model' | 'tool' | 'done';
  tool?: string;
  /** A short, redacted summary of the tool call's arguments. */
  detail?: string;
  /** Totals so far over the whole session tree. */
  usage: Usage;
  costUsd: number;
  status?: AgentStatus;
}

export interface RunAgentOptions {
  harness: Harness;
  model: Model;
  instruction: string;
  sandbox: Sandbox;
  trace: SessionTrace;
  /** Host directory for side files of the session (full outputs of truncated tool results). */
  outputDir?: string;
  signal?: AbortSignal;
  /** Overrides of the harness's limits (e.g. a task's agent timeout, a cost limit). */
  limits?: Partial<RunLimits>;
  clock?: () => number;
  onProgress?: (progress: AgentProgress) => void;
  /** Applied to side files; the trace redacts its own lines. */
  redact?: (text: string) => string;
  /** Token count of one message, used for compaction decisions. */
  countTokens: (message: Message) => number;
  /**
   * A conversation that goes on across sessions (the steps of a multi-step task): the main session starts
   * from its messages, with the instruction as the next user message, and keeps its messages there as it
   * runs, so the next session continues where this one ended. Sub-agents never share it.
   */
  conversation?: Conversation;
}

/** The messages of a conversation carried from one session to the next (system prompt first). */
export interface Conversation {
  messages: Message[];
}

export interface AgentRunResult {
  sessionId: string;
  status: AgentStatus;
  finalMessage: string;
  steps: number;
  /** Totals including sub-agents. */
  usage: Usage;
  costUsd: number;
  durationMs: number;
  error?: string;
  /** The `name` of the error that ended the session (e.g. ModelConnectionError), with status 'error'. */
  errorType?: string;
  /** The stack of an error thrown inside the session (not of a model error, which is an expected failure). */
  errorStack?: string;
}

/**
 * What the whole session tree shares: usage so far, model calls so far, the caller's limits and one
 * wall-time deadline. Every session checks its budgets against this, so sub-agents cannot overspend.
 */
export interface Ledger {
  usage: Usage;
  costUsd: number;
  /** Model calls over the tree. */
  steps: number;
  limits: RunLimits;
  wallTimer: AbortSignal;
  /** Set once the trace has said that the cost limit cannot be enforced (the model's price is unknown). */
  costLimitUnenforced: boolean;
}

export function newLedger(limits: RunLimits): Ledger {
  const wallTimer = AbortSignal.timeout(Math.max(1, limits.maxWallSec * 1000));
  return { usage: ZERO_USAGE, costUsd: 0, steps: 0, limits, wallTimer, costLimitUnenforced: false };
}

export interface SessionSpec {
  harness: Harness;
  instruction: string;
  trace: SessionTrace;
  /** This session's limits: the tree's, with a sub-agent's own (lower) step limit. */
  limits: RunLimits;
  depth: number;
  subagentName?: string;
  /** Cancellation from outside this session: the caller's signal, or the parent session's. */
  outerSignal?: AbortSignal;
}

/** How a session ended; set by the step that ended it. */
export interface SessionEnd {
  status: AgentStatus;
  /** `"<Name>: <message>"` of the error that ended it, with status 'error'. */
  error?: string;
  errorType?: string;
  errorStack?: string;
}

/** One agent session: the state every step of its loop reads and updates. */
export interface Session {
  readonly options: RunAgentOptions;
  readonly ledger: Ledger;
  readonly spec: SessionSpec;
  readonly trace: SessionTrace;
  /** The caller's (or parent's) cancellation and the tree's deadline, in one signal. */
  readonly signal: AbortSignal;
  readonly clock: () => number;
  readonly state: AgentState;
  readonly ctx: MiddlewareContext;
  readonly chain: MiddlewareChain;
  readonly systemPrompt: string;
  readonly definitions: ToolDefinition[];
  /** Everything a tool call needs besides the call itself (dispatch-tool.ts). */
  readonly dispatch: DispatchEnv;
  /** The harness's context budget, but never more than the model's window when that is known. */
  readonly budgetTokens: number;
  /** This session's own usage and cost plus its sub-agents'; the ledger holds the whole tree's. */
  usage: Usage;
  costUsd: number;
  /** The model's last non-empty text. */
  finalMessage: string;
}

/** Runs a sub-agent for a session's `agent` tool call (run-agent.ts; injected so steps stay testable). */
export type SessionSubagentRunner = (
  session: Session,
  config: SubagentConfig,
  task: string,
  callId: string,
) => Promise<ToolResult>;

export function openSession(
  options: RunAgentOptions,
  ledger: Ledger,
  spec: SessionSpec,
  runSubagent: SessionSubagentRunner,
): Session {
  const { harness, trace } = spec;
  // One deadline for the tree: a sub-agent that runs out of time says 'timeout', like its parent.
  const signal = spec.outerSignal ? AbortSignal.any([spec.outerSignal, ledger.wallTimer]) : ledger.wallTimer;
  const tools = collectTools(harness, (config, task, callId) => runSubagent(session, config, task, callId));
  const systemPrompt = renderSystemPrompt(harness);
  const conversation = spec.depth === 0 ? options.conversation : undefined;
  const state: AgentState = {
    sessionId: trace.sessionId,
    instruction: spec.instruction,
    messages: [
      ...(conversation?.messages.length ? conversation.messages : [{ role: 'system' as const, content: systemPrompt }]),
      { role: 'user', content: spec.instruction },
    ],
    step: 0,
    store: {},
  };
  if (conversation) {
    // The conversation holds the session's messages: whatever replaces them (compaction, middleware) is kept there.
    conversation.messages = state.messages;
    Object.defineProperty(state, 'messages', {
      enumerable: true,
      get: () => conversation.messages,
      set: (messages: Message[]) => {
        conversation.messages = messages;
      },
    });
  }
  // Components get an append-only sink: their events cannot pose as the runtime's (component-trace.ts).
  const ctx: MiddlewareContext = {
    state,
    sandbox: options.sandbox,
    trace: componentTrace(trace),
    signal,
    limits: spec.limits,
  };
  const chain = new MiddlewareChain(harness.middleware, (f) =>
    trace.emit('middleware_error', { step: state.step, ...f }),
  );
  const session: Session = {
    options,
    ledger,
    spec,
    trace,
    signal,
    clock: options.clock ?? Date.now,
    state,
    ctx,
    chain,
    systemPrompt,
    definitions: tools.map((t) => t.definition),
    dispatch: {
      tools: new Map(tools.map((t) => [t.definition.name, t])),
      chain,
      ctx,
      truncation: harness.truncation,
      fullOutputDir: options.outputDir && join(options.outputDir, 'tool-outputs'),
      redact: options.redact ?? ((t: string) => t),
    },
    budgetTokens: Math.min(harness.model.contextBudgetTokens, options.model.contextWindow ?? Infinity),
    usage: ZERO_USAGE,
    costUsd: 0,
    finalMessage: '',
  };
  return session;
}

/** Why a cancelled session stopped: the tree's deadline, or the caller. */
export function stopStatus(session: Pick<Session, 'ledger'>): AgentStatus {
  return session.ledger.wallTimer.aborted ? 'timeout' : 'aborted';
}

export function reportProgress(
  session: Session,
  phase: AgentProgress['phase'],
  extra: Partial<AgentProgress> = {},
): void {
  session.options.onProgress?.({
    sessionId: session.state.sessionId,
    depth: session.spec.depth,
    step: session.state.step,
    phase,
    usage: session.ledger.usage,
    costUsd: session.ledger.costUsd,
    ...extra,
  });
}

export function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: 'Error', message: String(error) };
  return {
    type: error.name || 'Error',
    message: error.message,
    ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
  };
}

/** The end of a session that something threw in: status 'error', never 'completed'. */
export function crashEnd(error: unknown, where: string): SessionEnd {
  const d = describeError(error);
  return {
    status: 'error',
    error: `${d.type}: ${d.message}${where ? ` (${where})` : ''}`,
    errorType: d.type,
    ...(d.stack ? { errorStack: d.stack } : {}),
  };
}
