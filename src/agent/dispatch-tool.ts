// The one central path every tool call takes: argument errors, unknown tools, middleware,
// schema validation, the tool itself, and truncation. Whatever fails becomes a tool error the
// model sees; nothing here throws for a failing tool or hook.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  LoadedTool,
  MiddlewareContext,
  ToolCallRequest,
  ToolResult,
  TruncationSettings,
} from '../harness/types.ts';
import type { ToolCall } from '../model/types.ts';
import type { MiddlewareChain } from './middleware-chain.ts';
import { truncateOutput } from './truncate-output.ts';
import { validateToolInput } from './validate-tool-input.ts';

export interface DispatchEnv {
  tools: ReadonlyMap<string, LoadedTool>;
  chain: MiddlewareChain;
  ctx: MiddlewareContext;
  truncation: TruncationSettings;
  /** Where full outputs of truncated results are kept (host path), if anywhere. */
  fullOutputDir?: string;
  redact: (text: string) => string;
}

export interface DispatchedResult {
  /** What the model sees (possibly truncated). */
  result: ToolResult;
  droppedBytes: number;
  fullOutputFile?: string;
  /** Why the full output could not be kept (the session goes on with the truncated output). */
  fullOutputError?: string;
  durationMs: number;
  /** When the call started and ended, by the session's clock (ms since the epoch). */
  startedAt?: number;
  endedAt?: number;
}

function errorResult(output: string): ToolResult {
  return { output, isError: true };
}

function normalise(value: unknown): ToolResult {
  if (typeof value === 'string') return { output: value };
  if (value && typeof value === 'object' && typeof (value as ToolResult).output === 'string') {
    const r = value as ToolResult;
    return { output: r.output, isError: r.isError === true, metadata: r.metadata };
  }
  return errorResult(
    `tool returned ${value === undefined ? 'nothing' : typeof value}; a tool must return a string or { output: string }`,
  );
}

async function invoke(env: DispatchEnv, call: ToolCallRequest): Promise<ToolResult> {
  const tool = env.tools.get(call.name);
  if (!tool) return errorResult(`unknown tool '${call.name}'. Available tools: ${[...env.tools.keys()].join(', ')}`);
  const invalid = validateToolInput(tool.definition, call.args);
  if (invalid) return errorResult(invalid);
  try {
    const value = await tool.run(call.args, {
      sandbox: env.ctx.sandbox,
      trace: env.ctx.trace,
      signal: env.ctx.signal,
      limits: env.ctx.limits,
      callId: call.id,
    });
    return normalise(value);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return errorResult(`tool '${call.name}' failed: ${message}`);
  }
}

async function runThroughMiddleware(env: DispatchEnv, modelCall: ToolCall): Promise<ToolResult> {
  if (modelCall.argumentsError) return errorResult(`tool '${modelCall.name}' was not run: ${modelCall.argumentsError}`);
  let call: ToolCallRequest = { id: modelCall.id, name: modelCall.name, args: modelCall.arguments };
  try {
    const before = await env.chain.beforeTool(call, env.ctx);
    if ('result' in before) return normalise(before.result);
    call = before;
    const result = await env.chain.wrapToolCall(call, (c) => invoke(env, c), env.ctx);
    return normalise(await env.chain.afterTool(call, normalise(result), env.ctx));
  } catch (error) {
    // MiddlewareError: the chain already traced it; the model sees what went wrong.
    return errorResult(error instanceof Error ? error.message : String(error));
  }
}

function timing(startedAt: number, endedAt: number): Pick<DispatchedResult, 'durationMs' | 'startedAt' | 'endedAt'> {
  return { durationMs: endedAt - startedAt, startedAt, endedAt };
}

export async function dispatchToolCall(
  env: DispatchEnv,
  modelCall: ToolCall,
  clock: () => number = Date.now,
): Promise<DispatchedResult> {
  const started = clock();
  const full = await runThroughMiddleware(env, modelCall);
  let fullOutputFile: string | undefined;
  let fullOutputError: string | undefined;
  const needsCut = Buffer.byteLength(full.output, 'utf8') > env.truncation.maxOutputBytes;
  if (needsCut && env.fullOutputDir) {
    const file = join(env.fullOutputDir, `${modelCall.id.replace(/[^\w.-]/g, '_')}.txt`);
    try {
      mkdirSync(env.fullOutputDir, { recursive: true });
      writeFileSync(file, env.redact(full.output));
      fullOutputFile = file;
    } catch (error) {
      // A full disk or a bad output directory loses the side file, not the session.
      fullOutputError = `could not keep the full output in ${file}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const cut = truncateOutput(
    full.output,
    env.truncation,
    fullOutputFile ? `tool-outputs/${fullOutputFile.split('/').pop()}` : undefined,
  );
  return {
    result: { ...full, output: cut.text },
    droppedBytes: cut.droppedBytes,
    fullOutputFile,
    ...(fullOutputError ? { fullOutputError } : {}),
    ...timing(started, clock()),
  };
}
