// The Coding Agent's loop: ask the model, run the tools it calls, repeat until it stops calling
// tools or a limit is hit. Everything is traced as it happens; nothing a model, tool or middleware
// does can crash the session — failures end it with a status, or become tool errors the model sees.
// The status is only 'completed' when the model finished; anything that throws ends the session with
// 'error' and the error (type, message, stack) in session_end and in the result. One ledger and one set
// of limits (the caller's) govern the whole session tree: sub-agents spend from the same budget.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type {
  AgentState,
  AgentStatus,
  Harness,
  LoadedTool,
  MiddlewareContext,
  RunLimits,
  SubagentConfig,
} from '../harness/types.ts';
import type { Completion, CompletionRequest, Message, Model, Usage } from '../model/types.ts';
import { addUsage, ZERO_USAGE } from '../model/types.ts';
import type { Sandbox } from '../sandbox/types.ts';
import type { SessionTrace } from '../trace/types.ts';
import { AGENT_INFO } from './agent-info.ts';
import { collectTools } from './builtin-tools.ts';
import { compactMessages, DEFAULT_COMPACTION } from './compact-context.ts';
import { componentTrace } from './component-trace.ts';
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
  /** The stack of an error thrown inside the session (not of a model error, which is an expected failure). */
  errorStack?: string;
}

/**
 * What the whole session tree shares: usage so far, model calls so far, the caller's limits and one
 * wall-time deadline. Every session checks its budgets against this, so sub-agents cannot overspend.
 */
interface Ledger {
  usage: Usage;
  costUsd: number;
  /** Model calls over the tree. */
  steps: number;
  limits: RunLimits;
  wallTimer: AbortSignal;
}

interface SessionSpec {
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

export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const limits = { ...options.harness.limits, ...options.limits };
  const wallTimer = AbortSignal.timeout(Math.max(1, limits.maxWallSec * 1000));
  const ledger: Ledger = { usage: ZERO_USAGE, costUsd: 0, steps: 0, limits, wallTimer };
  return runSession(options, ledger, {
    harness: options.harness,
    instruction: options.instruction,
    trace: options.trace,
    limits,
    depth: 0,
    outerSignal: options.signal,
  });
}

function subagentHarness(parent: Harness, config: SubagentConfig, limits: RunLimits): Harness {
  const allowed = new Set(config.tools);
  return {
    ...parent,
    name: `${parent.name}/${config.name}`,
    systemPrompt: config.prompt,
    tools: parent.tools.filter((t) => allowed.has(t.definition.name)),
    skills: [],
    subagents: [], // sub-agents do not spawn sub-agents
    memory: [],
    limits,
  };
}

function summariseArguments(args: Record<string, unknown>): string {
  const values = Object.values(args);
  const text = values.length === 1 && typeof values[0] === 'string' ? values[0] : JSON.stringify(args);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}

function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: 'Error', message: String(error) };
  return {
    type: error.name || 'Error',
    message: error.message,
    ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
  };
}

async function runSession(options: RunAgentOptions, ledger: Ledger, spec: SessionSpec): Promise<AgentRunResult> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const { harness, trace, limits } = spec;
  const sessionId = trace.sessionId;
  // One deadline for the tree: a sub-agent that runs out of time says 'timeout', like its parent.
  const wallTimer = ledger.wallTimer;
  const signal = spec.outerSignal ? AbortSignal.any([spec.outerSignal, wallTimer]) : wallTimer;
  const stopStatus = (): AgentStatus => (wallTimer.aborted ? 'timeout' : 'aborted');
  const redact = options.redact ?? ((t: string) => t);

  // This session's own usage plus its sub-agents'; the ledger holds the whole tree's for budgets.
  let sessionUsage: Usage = ZERO_USAGE;
  let sessionCost = 0;
  const runSubagent = async (config: SubagentConfig, task: string, callId: string) => {
    const childTrace = trace.child(randomUUID());
    const child = subagentHarness(harness, config, {
      ...ledger.limits,
      maxSteps: Math.min(config.maxSteps, ledger.limits.maxSteps),
    });
    trace.emit('subagent_start', {
      step: state.step,
      call_id: callId,
      subagent: config.name,
      child_session_id: childTrace.sessionId,
    });
    const result = await runSession(options, ledger, {
      harness: child,
      instruction: task,
      trace: childTrace,
      limits: child.limits,
      depth: spec.depth + 1,
      subagentName: config.name,
      outerSignal: signal,
    });
    sessionUsage = addUsage(sessionUsage, result.usage);
    sessionCost += result.costUsd;
    trace.emit('subagent_end', {
      step: state.step,
      call_id: callId,
      child_session_id: result.sessionId,
      status: result.status,
      steps: result.steps,
    });
    const note =
      result.status === 'completed'
        ? ''
        : `\n[sub-agent '${config.name}' ended with status ${result.status}${result.error ? `: ${result.error}` : ''}]`;
    // A sub-agent that did not finish its task did not succeed: the model is told so.
    return {
      output: `${result.finalMessage}${note}`,
      isError: result.status !== 'completed',
      metadata: { subagent: config.name, status: result.status, steps: result.steps },
    };
  };

  const tools: LoadedTool[] = collectTools(harness, runSubagent);
  const toolMap = new Map(tools.map((t) => [t.definition.name, t]));
  const definitions = tools.map((t) => t.definition);
  const systemPrompt = renderSystemPrompt(harness);
  const state: AgentState = {
    sessionId,
    instruction: spec.instruction,
    messages: [
      { role: 'system', content: systemPrompt },
      { role: 'user', content: spec.instruction },
    ],
    step: 0,
    store: {},
  };
  // Components get an append-only sink: their events cannot pose as the runtime's (component-trace.ts).
  const ctx: MiddlewareContext = { state, sandbox: options.sandbox, trace: componentTrace(trace), signal, limits };
  const chain = new MiddlewareChain(harness.middleware, (f) =>
    trace.emit('middleware_error', { step: state.step, ...f }),
  );
  const progress = (phase: AgentProgress['phase'], extra: Partial<AgentProgress> = {}) =>
    options.onProgress?.({
      sessionId,
      depth: spec.depth,
      step: state.step,
      phase,
      usage: ledger.usage,
      costUsd: ledger.costUsd,
      ...extra,
    });

  // Set only where the session ends for a reason; a throw anywhere leaves it unset and becomes 'error'.
  let status: AgentStatus | undefined;
  let finalMessage = '';
  let errorMessage: string | undefined;
  let errorType: string | undefined;
  let errorStack: string | undefined;
  const recordCrash = (error: unknown, where: string) => {
    const d = describeError(error);
    status = 'error';
    errorMessage = `${d.type}: ${d.message}${where ? ` (${where})` : ''}`;
    errorType = d.type;
    errorStack = d.stack;
  };
  // The harness's budget, but never more than the model's window when the model's is known.
  const budgetTokens = Math.min(harness.model.contextBudgetTokens, options.model.contextWindow ?? Infinity);

  try {
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

    await chain.beforeAgent(ctx);
    for (;;) {
      if (signal.aborted) {
        status = stopStatus();
        break;
      }
      // This session's own step limit, and the tree's: every model call of every session counts.
      if (state.step >= limits.maxSteps || ledger.steps >= ledger.limits.maxSteps) {
        status = 'max_steps';
        break;
      }
      if (
        ledger.limits.maxTotalTokens > 0 &&
        ledger.usage.promptTokens + ledger.usage.completionTokens >= ledger.limits.maxTotalTokens
      ) {
        status = 'token_budget';
        break;
      }
      state.step += 1;
      ledger.steps += 1;

      const compacted = compactMessages(state.messages, { budgetTokens, ...DEFAULT_COMPACTION }, options.countTokens);
      if (compacted) {
        state.messages = compacted.messages;
        trace.emit('compaction', {
          step: state.step,
          tokens_before: compacted.tokensBefore,
          tokens_after: compacted.tokensAfter,
          messages_removed: compacted.messagesRemoved,
        });
      }

      progress('model');
      const callStarted = clock();
      let completion: Completion;
      // What the model itself returned, call by call: usage and cost are counted from these, never
      // from what middleware hands back, so a hook can neither hide spend nor fake it.
      const spent: Completion[] = [];
      let callUsage: Usage = ZERO_USAGE;
      let callCost = 0;
      let modelCalls = 0;
      const charge = () => {
        for (const c of spent.splice(0)) {
          ledger.usage = addUsage(ledger.usage, c.usage);
          ledger.costUsd += c.costUsd;
          sessionUsage = addUsage(sessionUsage, c.usage);
          sessionCost += c.costUsd;
          callUsage = addUsage(callUsage, c.usage);
          callCost += c.costUsd;
          modelCalls += 1;
        }
      };
      try {
        let request: CompletionRequest = {
          messages: [...state.messages],
          tools: definitions,
          temperature: harness.model.temperature,
          maxOutputTokens: harness.model.maxOutputTokens,
        };
        request = await chain.beforeModel(request, ctx);
        completion = await chain.wrapModelCall(
          request,
          async (r) => {
            const c = await options.model.complete(r, signal);
            spent.push(c);
            return c;
          },
          ctx,
        );
        completion = await chain.afterModel(completion, ctx);
      } catch (error) {
        charge();
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

      charge();
      const message = completion.message;
      state.messages.push(message);
      trace.emit('model_call', {
        step: state.step,
        message: {
          content: message.content,
          ...(message.reasoning ? { reasoning: message.reasoning } : {}),
          ...(message.toolCalls?.length
            ? {
                tool_calls: message.toolCalls.map((c) => ({
                  id: c.id,
                  name: c.name,
                  arguments: c.arguments,
                  raw_arguments: c.rawArguments,
                  ...(c.argumentsError ? { arguments_error: c.argumentsError } : {}),
                })),
              }
            : {}),
        },
        usage: {
          prompt_tokens: callUsage.promptTokens,
          completion_tokens: callUsage.completionTokens,
          cached_tokens: callUsage.cachedTokens,
        },
        cost_usd: callCost,
        ...(modelCalls !== 1 ? { model_calls: modelCalls } : {}),
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
          {
            tools: toolMap,
            chain,
            ctx,
            truncation: harness.truncation,
            fullOutputDir: options.outputDir && join(options.outputDir, 'tool-outputs'),
            redact,
          },
          call,
          clock,
        );
        state.messages.push({
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: dispatched.result.output,
          ...(dispatched.result.isError ? { isError: true } : {}),
        });
        trace.emit('tool_result', {
          step: state.step,
          call_id: call.id,
          name: call.name,
          output: dispatched.result.output,
          is_error: dispatched.result.isError === true,
          duration_ms: dispatched.durationMs,
          ...(dispatched.droppedBytes ? { dropped_bytes: dispatched.droppedBytes } : {}),
          ...(dispatched.fullOutputFile ? { full_output_file: dispatched.fullOutputFile } : {}),
          ...(dispatched.fullOutputError ? { full_output_error: dispatched.fullOutputError } : {}),
          ...(dispatched.result.metadata ? { metadata: dispatched.result.metadata } : {}),
        });
      }
    }
  } catch (error) {
    // Whatever threw, the session did not complete. An interruption keeps its own status.
    if (signal.aborted) status = stopStatus();
    else recordCrash(error, '');
  }
  // Every break of the loop sets a status; none set means the loop was left by a throw we did not see.
  if (status === undefined) recordCrash(new Error('the agent loop ended without a status'), '');
  try {
    await chain.afterAgent({ status: status!, finalMessage }, ctx);
  } catch (error) {
    if (status !== 'error') recordCrash(error, 'after the session, in afterAgent');
  }
  const durationMs = clock() - started;
  try {
    trace.emit('session_end', {
      status,
      final_message: finalMessage,
      steps: state.step,
      usage: {
        prompt_tokens: sessionUsage.promptTokens,
        completion_tokens: sessionUsage.completionTokens,
        cached_tokens: sessionUsage.cachedTokens,
      },
      cost_usd: sessionCost,
      duration_ms: durationMs,
      ...(errorMessage ? { error: errorMessage } : {}),
      ...(errorType ? { error_type: errorType } : {}),
      ...(errorStack ? { error_stack: errorStack } : {}),
    });
  } catch (error) {
    // The record of the session is incomplete: that is not a success either.
    if (status !== 'error') recordCrash(error, 'writing session_end');
  }
  try {
    progress('done', { status });
  } catch {
    // the caller's progress view failing at the very end changes nothing about the session
  }
  return {
    sessionId,
    status: status!,
    finalMessage,
    steps: state.step,
    usage: sessionUsage,
    costUsd: sessionCost,
    durationMs,
    ...(errorMessage ? { error: errorMessage } : {}),
    ...(errorType ? { errorType } : {}),
    ...(errorStack ? { errorStack } : {}),
  };
}
