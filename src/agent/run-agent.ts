// The Coding Agent's loop: ask the model, run the tools it calls, repeat until it stops calling
// tools or a limit is hit. Everything is traced as it happens; nothing a model, tool or middleware
// does can crash the session — failures end it with a status, or become tool errors the model sees.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Harness, LoadedTool, MiddlewareContext, AgentState, AgentStatus, RunLimits, SubagentConfig } from '../harness/types.ts';
import type { Completion, CompletionRequest, Message, Model, Usage } from '../model/types.ts';
import { addUsage, ZERO_USAGE } from '../model/types.ts';
import type { Sandbox } from '../sandbox/types.ts';
import type { SessionTrace } from '../trace/types.ts';
import { AGENT_INFO } from './agent-info.ts';
import { collectTools } from './builtin-tools.ts';
import { compactMessages, DEFAULT_COMPACTION } from './compact-context.ts';
import { dispatchToolCall } from './dispatch-tool.ts';
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
  /** Overrides of the harness's limits (e.g. a task's agent timeout). */
  limits?: Partial<RunLimits>;
  clock?: () => number;
  onProgress?: (progress: AgentProgress) => void;
  /** Applied to side files; the trace redacts its own lines. */
  redact?: (text: string) => string;
  /** Token count of one message, used for compaction decisions. */
  countTokens: (message: Message) => number;
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
}

/** Usage shared by a session and its sub-agents, so budgets and progress cover the whole tree. */
interface Ledger {
  usage: Usage;
  costUsd: number;
}

interface SessionSpec {
  harness: Harness;
  instruction: string;
  trace: SessionTrace;
  limits: RunLimits;
  depth: number;
  subagentName?: string;
  /** Cancellation from outside this session: the caller's signal, or the parent session's. */
  outerSignal?: AbortSignal;
}

export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const limits = { ...options.harness.limits, ...options.limits };
  const ledger: Ledger = { usage: ZERO_USAGE, costUsd: 0 };
  return runSession(options, ledger, { harness: options.harness, instruction: options.instruction, trace: options.trace, limits, depth: 0, outerSignal: options.signal });
}

function subagentHarness(parent: Harness, config: SubagentConfig): Harness {
  const allowed = new Set(config.tools);
  return {
    ...parent,
    name: `${parent.name}/${config.name}`,
    systemPrompt: config.prompt,
    tools: parent.tools.filter((t) => allowed.has(t.definition.name)),
    skills: [],
    subagents: [], // sub-agents do not spawn sub-agents
    memory: [],
    limits: { ...parent.limits, maxSteps: config.maxSteps },
  };
}

function summariseArguments(args: Record<string, unknown>): string {
  const values = Object.values(args);
  const text = values.length === 1 && typeof values[0] === 'string' ? values[0] : JSON.stringify(args);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}

function describeError(error: unknown): { type: string; message: string } {
  return error instanceof Error ? { type: error.name, message: error.message } : { type: 'Error', message: String(error) };
}

async function runSession(options: RunAgentOptions, ledger: Ledger, spec: SessionSpec): Promise<AgentRunResult> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const { harness, trace, limits } = spec;
  const sessionId = trace.sessionId;
  const wallTimer = AbortSignal.timeout(Math.max(1, limits.maxWallSec * 1000));
  const signal = spec.outerSignal ? AbortSignal.any([spec.outerSignal, wallTimer]) : wallTimer;
  const stopStatus = (): AgentStatus => (wallTimer.aborted ? 'timeout' : 'aborted');
  const redact = options.redact ?? ((t: string) => t);

  // This session's own usage plus its sub-agents'; the ledger holds the whole tree's for budgets.
  let sessionUsage: Usage = ZERO_USAGE;
  let sessionCost = 0;
  const runSubagent = async (config: SubagentConfig, task: string, callId: string) => {
    const childTrace = trace.child(randomUUID());
    const child = subagentHarness(harness, config);
    trace.emit('subagent_start', { step: state.step, call_id: callId, subagent: config.name, child_session_id: childTrace.sessionId });
    const result = await runSession(options, ledger, {
      harness: child, instruction: task, trace: childTrace, limits: child.limits, depth: spec.depth + 1, subagentName: config.name, outerSignal: signal,
    });
    sessionUsage = addUsage(sessionUsage, result.usage);
    sessionCost += result.costUsd;
    trace.emit('subagent_end', { step: state.step, call_id: callId, child_session_id: result.sessionId, status: result.status, steps: result.steps });
    const note = result.status === 'completed' ? '' : `\n[sub-agent '${config.name}' ended with status ${result.status}${result.error ? `: ${result.error}` : ''}]`;
    return { output: `${result.finalMessage}${note}`, isError: result.status === 'error', metadata: { subagent: config.name, status: result.status, steps: result.steps } };
  };

  const tools: LoadedTool[] = collectTools(harness, runSubagent);
  const toolMap = new Map(tools.map((t) => [t.definition.name, t]));
  const definitions = tools.map((t) => t.definition);
  const systemPrompt = renderSystemPrompt(harness);
  const state: AgentState = {
    sessionId,
    instruction: spec.instruction,
    messages: [{ role: 'system', content: systemPrompt }, { role: 'user', content: spec.instruction }],
    step: 0,
    store: {},
  };
  const ctx: MiddlewareContext = { state, sandbox: options.sandbox, trace, signal, limits };
  const chain = new MiddlewareChain(harness.middleware, (f) => trace.emit('middleware_error', { step: state.step, ...f }));
  const progress = (phase: AgentProgress['phase'], extra: Partial<AgentProgress> = {}) =>
    options.onProgress?.({ sessionId, depth: spec.depth, step: state.step, phase, usage: ledger.usage, costUsd: ledger.costUsd, ...extra });

  trace.emit('session_start', {
    agent: AGENT_INFO,
    ...(spec.subagentName ? { subagent: spec.subagentName } : {}),
    model: options.model.spec,
    model_name: options.model.name,
    harness: { name: harness.name, dir: harness.dir, content_hash: harness.contentHash },
    instruction: spec.instruction,
    system_prompt: systemPrompt,
    tools: definitions,
    limits,
  });
  trace.emit('user_message', { content: spec.instruction });

  let status: AgentStatus = 'completed';
  let finalMessage = '';
  let errorMessage: string | undefined;
  let errorType: string | undefined;
  // The harness's budget, but never more than the model's window when the model's is known.
  const budgetTokens = Math.min(harness.model.contextBudgetTokens, options.model.contextWindow ?? Infinity);

  await chain.beforeAgent(ctx);
  try {
    for (;;) {
      if (signal.aborted) {
        status = stopStatus();
        break;
      }
      if (state.step >= limits.maxSteps) {
        status = 'max_steps';
        break;
      }
      if (limits.maxTotalTokens > 0 && ledger.usage.promptTokens + ledger.usage.completionTokens >= limits.maxTotalTokens) {
        status = 'token_budget';
        break;
      }
      state.step += 1;

      const compacted = compactMessages(state.messages, { budgetTokens, ...DEFAULT_COMPACTION }, options.countTokens);
      if (compacted) {
        state.messages = compacted.messages;
        trace.emit('compaction', { step: state.step, tokens_before: compacted.tokensBefore, tokens_after: compacted.tokensAfter, messages_removed: compacted.messagesRemoved });
      }

      progress('model');
      const callStarted = clock();
      let completion: Completion;
      try {
        let request: CompletionRequest = { messages: [...state.messages], tools: definitions, temperature: harness.model.temperature, maxOutputTokens: harness.model.maxOutputTokens };
        request = await chain.beforeModel(request, ctx);
        completion = await chain.wrapModelCall(request, (r) => options.model.complete(r, signal), ctx);
        completion = await chain.afterModel(completion, ctx);
      } catch (error) {
        if (signal.aborted) {
          status = stopStatus();
          break;
        }
        const { type, message } = describeError(error);
        trace.emit('model_error', { step: state.step, error_type: type, message });
        status = 'error';
        errorMessage = `${type}: ${message}`;
        errorType = type;
        break;
      }

      ledger.usage = addUsage(ledger.usage, completion.usage);
      ledger.costUsd += completion.costUsd;
      sessionUsage = addUsage(sessionUsage, completion.usage);
      sessionCost += completion.costUsd;
      const message = completion.message;
      state.messages.push(message);
      trace.emit('model_call', {
        step: state.step,
        message: {
          content: message.content,
          ...(message.reasoning ? { reasoning: message.reasoning } : {}),
          ...(message.toolCalls?.length
            ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments, raw_arguments: c.rawArguments, ...(c.argumentsError ? { arguments_error: c.argumentsError } : {}) })) }
            : {}),
        },
        usage: { prompt_tokens: completion.usage.promptTokens, completion_tokens: completion.usage.completionTokens, cached_tokens: completion.usage.cachedTokens },
        cost_usd: completion.costUsd,
        finish_reason: completion.finishReason,
        duration_ms: clock() - callStarted,
        model: completion.model,
      });

      const calls = message.toolCalls ?? [];
      if (message.content) finalMessage = message.content;
      if (calls.length === 0) {
        status = 'completed';
        break;
      }
      for (const call of calls) {
        progress('tool', { tool: call.name, detail: redact(summariseArguments(call.arguments)) });
        const dispatched = await dispatchToolCall(
          { tools: toolMap, chain, ctx, truncation: harness.truncation, fullOutputDir: options.outputDir && join(options.outputDir, 'tool-outputs'), redact },
          call,
          clock,
        );
        state.messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: dispatched.result.output, ...(dispatched.result.isError ? { isError: true } : {}) });
        trace.emit('tool_result', {
          step: state.step,
          call_id: call.id,
          name: call.name,
          output: dispatched.result.output,
          is_error: dispatched.result.isError === true,
          duration_ms: dispatched.durationMs,
          ...(dispatched.droppedBytes ? { dropped_bytes: dispatched.droppedBytes } : {}),
          ...(dispatched.fullOutputFile ? { full_output_file: dispatched.fullOutputFile } : {}),
          ...(dispatched.result.metadata ? { metadata: dispatched.result.metadata } : {}),
        });
      }
    }
  } finally {
    await chain.afterAgent({ status, finalMessage }, ctx);
    const durationMs = clock() - started;
    trace.emit('session_end', {
      status,
      final_message: finalMessage,
      steps: state.step,
      usage: { prompt_tokens: sessionUsage.promptTokens, completion_tokens: sessionUsage.completionTokens, cached_tokens: sessionUsage.cachedTokens },
      cost_usd: sessionCost,
      duration_ms: durationMs,
      ...(errorMessage ? { error: errorMessage } : {}),
      ...(errorType ? { error_type: errorType } : {}),
    });
    progress('done', { status });
  }
  return { sessionId, status, finalMessage, steps: state.step, usage: sessionUsage, costUsd: sessionCost, durationMs: clock() - started, ...(errorMessage ? { error: errorMessage } : {}), ...(errorType ? { errorType } : {}) };
}
