// The Coding Agent's loop: ask the model, run the tools it calls, repeat until it stops calling
// tools or a limit is hit. Everything is traced as it happens; nothing a model, tool or middleware
// does can crash the session — failures end it with a status, or become tool errors the model sees.
// The status is only 'completed' when the model finished; anything that throws ends the session with
// 'error' and the error (type, message, stack) in session_end and in the result. One ledger and one set
// of limits (the caller's) govern the whole session tree: sub-agents spend from the same budget.
//
// The steps: openSession (session.ts) → startSession → runTurns, each turn being limitReached and
// replyEnd (stop-checks.ts), compactContext (compact-session.ts), callModel (call-model.ts), runToolCalls
// (run-tool-calls.ts) → closeSession. A reply cut off while it calls tools does not run them (cutOffReason,
// refuseToolCalls). A model call the provider refuses as longer than the context window
// (ModelContextOverflowError) is retried once after a forced compaction instead of ending the session.
import { randomUUID } from 'node:crypto';
import { ModelContextOverflowError } from '../errors.ts';
import type { Harness, RunLimits, SubagentConfig, ToolResult } from '../harness/types.ts';
import { addUsage } from '../model/types.ts';
import { AGENT_INFO } from './agent-info.ts';
import { callModel, type ModelFailure, type ModelReply, modelCallEvent } from './call-model.ts';
import { compactContext } from './compact-session.ts';
import { withMcpTools } from './mcp-servers.ts';
import { refuseToolCalls, runToolCalls } from './run-tool-calls.ts';
import {
  type AgentRunResult,
  crashEnd,
  type Ledger,
  newLedger,
  openSession,
  type RunAgentOptions,
  reportProgress,
  type Session,
  type SessionEnd,
  type SessionSpec,
  stopStatus,
} from './session.ts';
import { costLimitEnforceable, cutOffReason, limitReached, replyEnd } from './stop-checks.ts';

export type { AgentProgress, AgentRunResult, RunAgentOptions } from './session.ts';

export async function runAgent(options: RunAgentOptions): Promise<AgentRunResult> {
  const limits = { ...options.harness.limits, ...options.limits };
  // MCP servers (harness.yaml mcp_servers) run for the whole run; one that cannot start throws McpServerError.
  return withMcpTools(options.harness, options.sandbox, options.signal, (harness) =>
    runSession({ ...options, harness }, newLedger(limits), {
      harness,
      instruction: options.instruction,
      trace: options.trace,
      limits,
      depth: 0,
      outerSignal: options.signal,
    }),
  );
}

async function runSession(options: RunAgentOptions, ledger: Ledger, spec: SessionSpec): Promise<AgentRunResult> {
  const started = (options.clock ?? Date.now)();
  const session = openSession(options, ledger, spec, runSubagent);
  let end: SessionEnd;
  try {
    startSession(session);
    await session.chain.beforeAgent(session.ctx);
    end = await runTurns(session);
  } catch (error) {
    // Whatever threw, the session did not complete. An interruption keeps its own status.
    end = session.signal.aborted ? { status: stopStatus(session) } : crashEnd(error, '');
  }
  return closeSession(session, end, started);
}

function startSession(session: Session): void {
  const { spec, options, trace } = session;
  const { harness } = spec;
  trace.emit('session_start', {
    agent: AGENT_INFO,
    ...(spec.subagentName ? { subagent: spec.subagentName } : {}),
    model: options.model.spec,
    model_name: options.model.name,
    // The effort asked of the model: the run's (the model applies it) over harness.yaml's.
    ...((options.model.reasoningEffort ?? harness.model.reasoningEffort)
      ? { reasoning_effort: options.model.reasoningEffort ?? harness.model.reasoningEffort }
      : {}),
    harness: { name: harness.name, dir: harness.dir, content_hash: harness.contentHash },
    instruction: spec.instruction,
    system_prompt: session.systemPrompt,
    tools: session.definitions,
    limits: spec.limits,
  });
  trace.emit('user_message', { content: spec.instruction });
}

/** Model call, tool calls, repeat: returns how the session ended. */
async function runTurns(session: Session): Promise<SessionEnd> {
  const { state, ledger } = session;
  for (;;) {
    const limit = limitReached({
      ledger,
      step: state.step,
      maxSteps: session.spec.limits.maxSteps,
      signal: session.signal,
      costKnown: costLimitEnforceable(session),
    });
    if (limit) return { status: limit };
    state.step += 1;
    ledger.steps += 1;
    await compactContext(session, 'context_budget');

    const reply = await callModelRecovering(session);
    if (!reply.ok) return reply.end;
    const { message } = reply.completion;
    state.messages.push(message);
    session.trace.emit('model_call', modelCallEvent(state.step, reply));
    if (message.content) session.finalMessage = message.content;

    const end = replyEnd(reply.completion);
    if (end) return { status: end };
    const cutOff = cutOffReason(reply.completion);
    if (cutOff) refuseToolCalls(session, message.toolCalls ?? [], cutOff);
    else await runToolCalls(session, message.toolCalls ?? []);
  }
}

/** The step's model call; refused as too long for the context window, it is retried once after compacting. */
async function callModelRecovering(session: Session): Promise<ModelReply | ModelFailure> {
  reportProgress(session, 'model');
  const reply = await callModel(session);
  if (reply.ok || reply.end.errorType !== ModelContextOverflowError.name || session.signal.aborted) return reply;
  if (!(await compactContext(session, 'context_overflow'))) return reply;
  reportProgress(session, 'model');
  return callModel(session);
}

/** afterAgent, session_end, the last progress report; a failure here is not a success either. */
async function closeSession(session: Session, ending: SessionEnd, started: number): Promise<AgentRunResult> {
  const { trace, state } = session;
  let end = ending;
  try {
    await session.chain.afterAgent({ status: end.status, finalMessage: session.finalMessage }, session.ctx);
  } catch (error) {
    if (end.status !== 'error') end = crashEnd(error, 'after the session, in afterAgent');
  }
  const durationMs = session.clock() - started;
  try {
    trace.emit('session_end', {
      status: end.status,
      final_message: session.finalMessage,
      steps: state.step,
      usage: {
        prompt_tokens: session.usage.promptTokens,
        completion_tokens: session.usage.completionTokens,
        cached_tokens: session.usage.cachedTokens,
      },
      cost_usd: session.costUsd,
      duration_ms: durationMs,
      ...(end.error ? { error: end.error } : {}),
      ...(end.errorType ? { error_type: end.errorType } : {}),
      ...(end.errorStack ? { error_stack: end.errorStack } : {}),
    });
  } catch (error) {
    // The record of the session is incomplete: that is not a success either.
    if (end.status !== 'error') end = crashEnd(error, 'writing session_end');
  }
  try {
    reportProgress(session, 'done', { status: end.status });
  } catch {
    // the caller's progress view failing at the very end changes nothing about the session
  }
  return {
    sessionId: state.sessionId,
    status: end.status,
    finalMessage: session.finalMessage,
    steps: state.step,
    usage: session.usage,
    costUsd: session.costUsd,
    durationMs,
    ...(end.error ? { error: end.error } : {}),
    ...(end.errorType ? { errorType: end.errorType } : {}),
    ...(end.errorStack ? { errorStack: end.errorStack } : {}),
  };
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

/** The `agent` tool: a child session on the same ledger, traced under the parent; its spend is the parent's too. */
async function runSubagent(parent: Session, config: SubagentConfig, task: string, callId: string): Promise<ToolResult> {
  const { ledger, trace, state } = parent;
  const childTrace = trace.child(randomUUID());
  const child = subagentHarness(parent.spec.harness, config, {
    ...ledger.limits,
    maxSteps: Math.min(config.maxSteps, ledger.limits.maxSteps),
  });
  trace.emit('subagent_start', {
    step: state.step,
    call_id: callId,
    subagent: config.name,
    child_session_id: childTrace.sessionId,
  });
  const result = await runSession(parent.options, ledger, {
    harness: child,
    instruction: task,
    trace: childTrace,
    limits: child.limits,
    depth: parent.spec.depth + 1,
    subagentName: config.name,
    outerSignal: parent.signal,
  });
  parent.usage = addUsage(parent.usage, result.usage);
  parent.costUsd += result.costUsd;
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
}
