// Typed components of a loaded harness directory (the format: docs/harness.md).
// Component code (tools/*.ts, middleware/*.ts) is written against the types in this file.
import type {
  AssistantMessage,
  Completion,
  CompletionRequest,
  Message,
  ReasoningEffort,
  ToolDefinition,
} from '../model/types.ts';
import type { Sandbox } from '../sandbox/types.ts';
import type { TraceSink } from '../trace/types.ts';

export interface RunLimits {
  maxSteps: number;
  maxWallSec: number;
  /** Total prompt+completion tokens over the session; 0 = unlimited. */
  maxTotalTokens: number;
  /** USD the session tree may cost (as its models count it); absent or 0 = unlimited. Set by callers, not harness.yaml. */
  maxCostUsd?: number;
  /** Default time limit of one shell command. */
  commandTimeoutSec: number;
  /** How many sub-agents (`agent` calls of one reply) may run at once; absent or 1 = one after another. */
  maxParallelSubagents?: number;
}

/** What a tool implementation receives besides its arguments: capabilities, never ambient access. */
export interface ToolContext {
  sandbox: Sandbox;
  trace: TraceSink;
  signal: AbortSignal;
  limits: RunLimits;
  /** The id of the tool call being served. */
  callId: string;
}

export interface ToolResult {
  output: string;
  isError?: boolean;
  /** Small structured facts about the call (exit code, duration…), kept in the trace. */
  metadata?: Record<string, unknown>;
}

export type ToolImplementation = (args: Record<string, unknown>, ctx: ToolContext) => Promise<ToolResult | string>;

export interface LoadedTool {
  definition: ToolDefinition;
  run: ToolImplementation;
  /** Files the tool came from (relative to the harness dir), 'builtin', or the MCP server it is served by. */
  source: { yaml?: string; code?: string; builtin?: boolean; mcp?: string };
  /** Its YAML says `parallel: true`: its calls may run at the same time as a reply's other parallel-safe calls. */
  parallel?: boolean;
}

/** One pending tool call as middleware sees it. */
export interface ToolCallRequest {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** Mutable state of one agent session, shared by the runtime and middleware hooks. */
export interface AgentState {
  sessionId: string;
  instruction: string;
  messages: Message[];
  step: number;
  /** Free-form storage middleware may use to keep data across hooks within one session. */
  store: Record<string, unknown>;
}

export interface MiddlewareContext {
  state: AgentState;
  sandbox: Sandbox;
  trace: TraceSink;
  signal: AbortSignal;
  limits: RunLimits;
}

export interface AgentOutcome {
  status: AgentStatus;
  finalMessage: string;
}

/**
 * Why a session ended; `truncated`: the model's last reply was cut by its output-token limit (no tool call);
 * `content_filter`: the provider's content filter stopped it.
 */
export type AgentStatus =
  | 'completed'
  | 'truncated'
  | 'content_filter'
  | 'max_steps'
  | 'timeout'
  | 'token_budget'
  | 'cost_budget'
  | 'aborted'
  | 'error';

/**
 * Middleware hooks. Before-hooks run first→last, after-hooks last→first, wrappers nest with the
 * first middleware outermost. A hook may return a replacement value or nothing (keep as is).
 */
export interface Middleware {
  name?: string;
  beforeAgent?(ctx: MiddlewareContext): Promise<void> | void;
  afterAgent?(outcome: AgentOutcome, ctx: MiddlewareContext): Promise<void> | void;
  beforeModel?(
    request: CompletionRequest,
    ctx: MiddlewareContext,
  ): Promise<CompletionRequest | void> | CompletionRequest | void;
  afterModel?(completion: Completion, ctx: MiddlewareContext): Promise<Completion | void> | Completion | void;
  wrapModelCall?(
    request: CompletionRequest,
    next: (request: CompletionRequest) => Promise<Completion>,
    ctx: MiddlewareContext,
  ): Promise<Completion>;
  /** May return a replacement call, or `{ result }` to answer the call without running the tool. */
  beforeTool?(
    call: ToolCallRequest,
    ctx: MiddlewareContext,
  ): Promise<ToolCallRequest | { result: ToolResult } | void> | ToolCallRequest | { result: ToolResult } | void;
  afterTool?(
    call: ToolCallRequest,
    result: ToolResult,
    ctx: MiddlewareContext,
  ): Promise<ToolResult | void> | ToolResult | void;
  wrapToolCall?(
    call: ToolCallRequest,
    next: (call: ToolCallRequest) => Promise<ToolResult>,
    ctx: MiddlewareContext,
  ): Promise<ToolResult>;
}

export interface LoadedMiddleware {
  name: string;
  file: string;
  hooks: Middleware;
}

export interface Skill {
  name: string;
  description: string;
  body: string;
  file: string;
}

export interface SubagentConfig {
  name: string;
  description: string;
  prompt: string;
  /** Names of the parent's tools the sub-agent may use. */
  tools: string[];
  maxSteps: number;
  file: string;
}

export interface MemoryEntry {
  name: string;
  content: string;
  file: string;
}

export interface ModelSettings {
  temperature?: number;
  maxOutputTokens?: number;
  /** Reasoning effort asked of the model (harness.yaml `model.reasoning_effort`); a run's flag overrides it. */
  reasoningEffort?: ReasoningEffort;
  /** Compaction starts when the estimated prompt nears this many tokens. */
  contextBudgetTokens: number;
}

export interface TruncationSettings {
  /** Tool output longer than this (bytes) is cut to head + tail with a notice. */
  maxOutputBytes: number;
  headBytes: number;
  tailBytes: number;
}

/** How the conversation is compacted as it nears the context budget (harness.yaml `compaction`). */
export interface CompactionSettings {
  /** `deterministic`: older turns become a list of the actions taken; `summary`: the model summarises them. */
  strategy: 'deterministic' | 'summary';
  /** With `summary`: the last turns kept verbatim (a turn: a message and the tool results answering it). */
  keepLastTurns: number;
  /** With `summary`: the output-token limit of the summary call. */
  summaryMaxTokens: number;
}

/** A harness.yaml `mcp_servers` entry (src/agent/mcp-servers.ts connects it at session start). */
export type McpServerConfig =
  | { name: string; command: string; args: string[]; env: Record<string, string>; tools?: string[] }
  | { name: string; url: string; tools?: string[] };

export interface Harness {
  /** Absolute path of the harness directory. */
  dir: string;
  name: string;
  description: string;
  model: ModelSettings;
  limits: RunLimits;
  truncation: TruncationSettings;
  /** Absent: deterministic compaction (the default). */
  compaction?: CompactionSettings;
  systemPrompt: string;
  tools: LoadedTool[];
  /** MCP servers whose tools join `tools` for each session (absent or empty: none). */
  mcpServers?: McpServerConfig[];
  middleware: LoadedMiddleware[];
  skills: Skill[];
  subagents: SubagentConfig[];
  memory: MemoryEntry[];
  /** sha256 over every component file, so results can name the exact harness they came from. */
  contentHash: string;
}

export type { AssistantMessage };
