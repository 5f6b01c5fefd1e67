// The provider-neutral model interface. Providers (openai, anthropic, scripted, replay) map their
// wire formats onto these shapes; nothing above the model layer knows which provider it talks to.

import type { Usage } from './usage.ts';

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed (and, when needed, repaired) JSON arguments. Empty object when unparseable. */
  arguments: Record<string, unknown>;
  /** The arguments exactly as the model produced them. */
  rawArguments: string;
  /** Set when the arguments could not be parsed even after repair; the runtime returns it to the model as a tool error. */
  argumentsError?: string;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}
export interface UserMessage {
  role: 'user';
  content: string;
}
export interface AssistantMessage {
  role: 'assistant';
  content: string;
  /** Reasoning the provider showed (a summary or thinking text): traced, never sent back as text. */
  reasoning?: string;
  toolCalls?: ToolCall[];
  /**
   * What the provider needs back verbatim on later turns and no other provider can read: OpenAI
   * Responses reasoning items (with encrypted content), Anthropic thinking blocks (with signatures).
   * A provider sends back only items tagged with its own name.
   */
  providerItems?: { provider: string; items: unknown[] };
}
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  name: string;
  content: string;
  isError?: boolean;
}
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface ToolDefinition {
  name: string;
  description: string;
  /** A JSON Schema object describing the tool's arguments. */
  inputSchema: Record<string, unknown>;
}

// Token usage has one definition (src/model/usage.ts), shared with the ledgers of evolve and the debugger.
export type { Usage } from './usage.ts';
export { addUsage, ZERO_USAGE } from './usage.ts';

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'other';

/** A streaming delta, for live progress only; the Completion is the source of truth. */
export type CompletionDelta =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool_call'; index: number; id?: string; name?: string; argumentsDelta: string };

// The reasoning-effort levels live in a module that imports nothing (the CLI's options name them).
export { REASONING_EFFORTS, type ReasoningEffort } from './reasoning-levels.ts';

import type { ReasoningEffort } from './reasoning-levels.ts';

export interface CompletionRequest {
  messages: Message[];
  tools: ToolDefinition[];
  temperature?: number;
  maxOutputTokens?: number;
  /** Reasoning effort for this call (unset: the provider's default, no reasoning option sent). */
  reasoningEffort?: ReasoningEffort;
  /**
   * A stable key for the provider's prompt cache (OpenAI `prompt_cache_key`), e.g. the session's harness
   * hash, so calls that share a prefix land on the same cache.
   */
  promptCacheKey?: string;
  /** Called for each streamed delta when the provider streams. */
  onDelta?: (delta: CompletionDelta) => void;
}

export interface Completion {
  message: AssistantMessage;
  usage: Usage;
  costUsd: number;
  finishReason: FinishReason;
  /** The model name the provider reports having used. */
  model: string;
  /** Set when a fallback model served this call: both specs and why the primary was left (src/model/fallback-model.ts). */
  fallback?: { from: string; to: string; reason: string };
}

/**
 * What a model factory may know of the call site besides the spec: the trial a coding model serves (task,
 * attempt, harness) and the evolve iteration. Passed to `createModel(spec, { context })` and to a trial
 * agent's `newModel(context)`. Real providers ignore it; the simulator's `sim:` and `sim-evolver:` models
 * draw their behaviour from it (docs/evolution-cost.md) — never from the instruction text.
 */
export interface ModelContext {
  /** The task's name and directory (a coding trial). */
  task?: string;
  taskDir?: string;
  /** The attempt of the task in its job, from 1. */
  attempt?: number;
  /** The harness the agent runs: its content hash (as the job records it) and its directory. */
  harnessHash?: string;
  harnessDir?: string;
  /** The `ahe evolve` iteration (evaluations and the evolve step); absent outside a run. */
  iteration?: number;
}

export interface Model {
  /** The spec the model was created from, e.g. `openai:gpt-5.4`. Never contains a secret. */
  readonly spec: string;
  readonly provider: string;
  readonly name: string;
  /** Context window in tokens, when known (used for compaction when the harness sets no budget). */
  readonly contextWindow?: number;
  /** False when the price table does not know this model: costs then read 0 and are shown as unknown. */
  readonly priced?: boolean;
  /** The reasoning effort this model asks on every request, over the request's own (a run's --reasoning-effort). */
  readonly reasoningEffort?: ReasoningEffort;
  complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion>;
}
