// Try before commit: the evolve agent exercises one code component of the working tree in isolation —
// a tool called with sample arguments, a middleware's hooks run on a sample context — compiled and
// evaluated exactly as evaluations do (compile-component.ts → component-sandbox.ts: the node:vm
// context, the capability checks). Its ctx.sandbox is a fake that never touches the host: commands,
// reads and writes are recorded and answered from what the caller scripted (default: empty success).
// Every failure — compile error, load error, a throw, a hang — becomes text in the report; nothing here
// throws, so a broken component cannot harm the evolve run. Also: renderContext, the coding agent's
// context as the model will see it (system prompt with skills and memory, tool list) with its tokens.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import vm from 'node:vm';
import { parse } from 'yaml';
import { collectTools } from '../agent/builtin-tools.ts';
import { renderSystemPrompt } from '../agent/render-context.ts';
import { validateToolInput } from '../agent/validate-tool-input.ts';
import { instantiateComponent } from '../harness/compile-component.ts';
import { formatDiagnostic } from '../harness/harness-error.ts';
import { loadHarnessReport } from '../harness/load-harness.ts';
import { MIDDLEWARE_HOOKS } from '../harness/schemas.ts';
import type {
  Middleware,
  MiddlewareContext,
  ToolCallRequest,
  ToolContext,
  ToolImplementation,
  ToolResult,
} from '../harness/types.ts';
import { countTokens } from '../model/count-tokens.ts';
import type { Completion, CompletionRequest, Message } from '../model/types.ts';
import { ZERO_USAGE } from '../model/usage.ts';
import type { ExecResult, Sandbox } from '../sandbox/types.ts';

/** One scripted answer of the fake sandbox: the first whose `match` is in the command answers it. */
export interface ScriptedExec {
  match?: string;
  stdout?: string;
  stderr?: string;
  exit_code?: number;
}

export interface TryComponentRequest {
  kind: 'tool' | 'middleware';
  name: string;
  /** Tool: its arguments. */
  args?: Record<string, unknown>;
  /** Middleware: which hooks to run (default: every hook it defines). */
  hooks?: string[];
  /** Middleware: the sample tool call and result the tool-phase hooks get. */
  tool_call?: { name?: string; args?: Record<string, unknown> };
  tool_result?: { output?: string; is_error?: boolean };
  /** Middleware: the sample assistant reply (model-phase hooks) and task instruction. */
  assistant_text?: string;
  instruction?: string;
  /** Middleware: run the hooks this many times on one context (state.store persists), default 1, at most 20. */
  repeat?: number;
  /** The fake sandbox's answers to exec, and the files readFile finds. */
  exec?: ScriptedExec[];
  files?: Record<string, string>;
}

/** How long one call may take before it is reported as hanging. */
const CALL_TIMEOUT_MS = 5000;
const MAX_SHOWN = 4000;

const show = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value));
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}\n[… ${text.length - MAX_SHOWN} more characters]` : text;
};

/** The error of a component's realm as text (its `instanceof Error` is false here), with the component's own frames. */
function describeError(error: unknown): string {
  const e = error as { message?: unknown; stack?: unknown; name?: unknown };
  const message = typeof e?.message === 'string' ? `${String(e.name ?? 'Error')}: ${e.message}` : String(error);
  const frames =
    typeof e?.stack === 'string'
      ? e.stack
          .split('\n')
          .filter((l) => /(tools|middleware)\/[^:]+:\d+/.test(l))
          .slice(0, 3)
          .map((l) => l.trim())
      : [];
  return frames.length ? `${message}\n  ${frames.join('\n  ')}` : message;
}

interface Recorder {
  sandbox: Sandbox;
  lines: string[];
}

function fakeSandbox(request: TryComponentRequest): Recorder {
  const lines: string[] = [];
  const files = new Map(Object.entries(request.files ?? {}));
  const sandbox: Sandbox = {
    kind: 'try',
    workdir: '/app',
    exec: async (command, options) => {
      const scripted = (request.exec ?? []).find((e) => !e.match || command.includes(e.match));
      const result: ExecResult = {
        exitCode: scripted?.exit_code ?? 0,
        stdout: scripted?.stdout ?? '',
        stderr: scripted?.stderr ?? '',
        timedOut: false,
        durationMs: 0,
        droppedBytes: 0,
      };
      lines.push(
        `sandbox.exec(${JSON.stringify(command)}${options?.timeoutSec ? `, timeoutSec ${options.timeoutSec}` : ''}) → exit ${result.exitCode}${scripted ? '' : ' (unscripted: empty success)'}`,
      );
      return result;
    },
    readFile: async (path) => {
      lines.push(`sandbox.readFile(${JSON.stringify(path)})${files.has(path) ? '' : ' → not found'}`);
      const content = files.get(path);
      if (content === undefined) throw new Error(`ENOENT: ${path} (give it in try_component's files to script it)`);
      return content;
    },
    writeFile: async (path, content) => {
      lines.push(`sandbox.writeFile(${JSON.stringify(path)}, ${content.length} characters)`);
      files.set(path, content);
    },
    upload: async (from, to) => void lines.push(`sandbox.upload(${from}, ${to}) (not performed)`),
    download: async (from, to) => void lines.push(`sandbox.download(${from}, ${to}) (not performed)`),
    close: async () => {},
  };
  return { sandbox, lines };
}

/** Calls fn with a timeout on both a synchronous loop (vm) and a promise that never settles. */
async function guarded<T>(fn: () => T | Promise<T>): Promise<{ value?: T; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = vm.runInNewContext('fn()', { fn }, { timeout: CALL_TIMEOUT_MS }) as T | Promise<T>;
    const value = await Promise.race([
      Promise.resolve(started),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`did not finish within ${CALL_TIMEOUT_MS / 1000}s (a hang, or an unscripted wait)`)),
          CALL_TIMEOUT_MS,
        );
      }),
    ]);
    return { value };
  } catch (error) {
    return { error: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the request against the working tree's component; the report is text, never an exception. */
export async function tryComponent(
  harnessDir: string,
  request: TryComponentRequest,
): Promise<{ ok: boolean; text: string }> {
  if (request.kind !== 'tool' && request.kind !== 'middleware')
    return { ok: false, text: `kind must be "tool" or "middleware", not ${JSON.stringify(request.kind)}` };
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/.test(String(request.name)))
    return { ok: false, text: `name ${JSON.stringify(request.name)} is not a component name` };
  const file = `${request.kind === 'tool' ? 'tools' : 'middleware'}/${request.name}.ts`;
  const logs: string[] = [];
  let instance: Awaited<ReturnType<typeof instantiateComponent>>;
  try {
    instance = await instantiateComponent(harnessDir, file, (f, level, message) =>
      logs.push(`[${level}] ${f}: ${message}`),
    );
  } catch (error) {
    return { ok: false, text: `${file} could not be loaded: ${describeError(error)}` };
  }
  if (!instance.instance)
    return { ok: false, text: `${file} does not load:\n${instance.diagnostics.map(formatDiagnostic).join('\n')}` };
  const recorder = fakeSandbox(request);
  const controller = new AbortController();
  const trace = {
    emit: (type: string, data?: Record<string, unknown>) =>
      recorder.lines.push(`trace.emit(${type}${data ? `, ${show(data)}` : ''})`),
  };
  const limits = { maxSteps: 100, maxWallSec: 3600, maxTotalTokens: 0, commandTimeoutSec: 600 };
  const out: string[] = [];
  let ok = true;
  try {
    if (request.kind === 'tool') {
      const run = instance.instance.value;
      if (typeof run !== 'function')
        return { ok: false, text: `${file} must \`export default\` an async function (args, ctx)` };
      // The runtime checks every call against the tool's input_schema before the code runs: so does this.
      const invalid = argumentProblem(harnessDir, request.name, request.args ?? {});
      if (invalid) return { ok: false, text: `${file}: not called — ${invalid}` };
      const ctx: ToolContext = { sandbox: recorder.sandbox, trace, signal: controller.signal, limits, callId: 'try-1' };
      const r = await guarded(() => (run as ToolImplementation)(request.args ?? {}, ctx));
      if (r.error) {
        ok = false;
        out.push(`threw (the model would see a tool error): ${r.error}`);
      } else {
        const result: ToolResult = typeof r.value === 'string' ? { output: r.value } : (r.value as ToolResult);
        if (!result || typeof result.output !== 'string') {
          ok = false;
          out.push(
            `returned ${show(r.value)} — a tool must return a string or { output: string, isError?, metadata? }`,
          );
        } else
          out.push(
            `result${result.isError ? ' (isError)' : ''}:\n${show(result.output)}${result.metadata ? `\nmetadata: ${show(result.metadata)}` : ''}`,
          );
      }
    } else {
      const hooks = instance.instance.value as Middleware | undefined;
      if (!hooks || typeof hooks !== 'object')
        return {
          ok: false,
          text: `${file} must \`export default\` an object of hooks (${MIDDLEWARE_HOOKS.join(', ')})`,
        };
      ok = await runHooks(hooks, request, { sandbox: recorder.sandbox, trace, signal: controller.signal, limits }, out);
    }
  } finally {
    controller.abort();
    instance.instance.dispose();
  }
  const parts = [`${file}: ${ok ? 'ran' : 'FAILED'}`, ...out];
  if (recorder.lines.length) parts.push('', 'capability calls:', ...recorder.lines.map((l) => `  ${l}`));
  if (logs.length) parts.push('', 'console:', ...logs.map((l) => `  ${l}`));
  return { ok, text: parts.join('\n') };
}

/** What the runtime would answer a call with these arguments instead of running the tool (undefined: valid). */
function argumentProblem(harnessDir: string, name: string, args: Record<string, unknown>): string | undefined {
  const file = join(harnessDir, 'tools', `${name}.yaml`);
  if (!existsSync(file)) return `tools/${name}.yaml does not exist: a tool needs its description and input_schema`;
  try {
    const spec = parse(readFileSync(file, 'utf8')) as { input_schema?: Record<string, unknown> };
    if (!spec?.input_schema) return `tools/${name}.yaml has no input_schema (validate says more)`;
    return validateToolInput({ name, description: '', inputSchema: spec.input_schema }, args) ?? undefined;
  } catch (error) {
    return `tools/${name}.yaml cannot be read: ${(error as Error).message} (validate says more)`;
  }
}

async function runHooks(
  hooks: Middleware,
  request: TryComponentRequest,
  base: Omit<MiddlewareContext, 'state'>,
  out: string[],
): Promise<boolean> {
  const defined = MIDDLEWARE_HOOKS.filter((h) => typeof hooks[h] === 'function');
  const unknown = (request.hooks ?? []).filter((h) => !defined.includes(h as (typeof MIDDLEWARE_HOOKS)[number]));
  if (unknown.length) {
    out.push(`not hooks of this middleware: ${unknown.join(', ')} (it defines: ${defined.join(', ') || 'none'})`);
    return false;
  }
  const chosen = request.hooks?.length ? defined.filter((h) => request.hooks!.includes(h)) : defined;
  const instruction = request.instruction ?? 'Sample task: fix the failing test in /app.';
  const messages: Message[] = [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: instruction },
  ];
  const ctx: MiddlewareContext = { ...base, state: { sessionId: 'try', instruction, messages, step: 1, store: {} } };
  const call: ToolCallRequest = {
    id: 'call-1',
    name: request.tool_call?.name ?? 'run_shell_command',
    args: request.tool_call?.args ?? { command: 'ls' },
  };
  const result: ToolResult = {
    output: request.tool_result?.output ?? '',
    isError: request.tool_result?.is_error ?? false,
  };
  const completion: Completion = {
    message: {
      role: 'assistant',
      content: request.assistant_text ?? '',
      toolCalls: [{ id: call.id, name: call.name, arguments: call.args, rawArguments: JSON.stringify(call.args) }],
    },
    usage: { ...ZERO_USAGE },
    costUsd: 0,
    finishReason: 'tool_calls',
    model: 'try',
  };
  const modelRequest: CompletionRequest = { messages, tools: [] };
  const args: Record<(typeof MIDDLEWARE_HOOKS)[number], () => unknown> = {
    beforeAgent: () => hooks.beforeAgent!(ctx),
    afterAgent: () => hooks.afterAgent!({ status: 'completed', finalMessage: request.assistant_text ?? 'Done.' }, ctx),
    beforeModel: () => hooks.beforeModel!(modelRequest, ctx),
    afterModel: () => hooks.afterModel!(completion, ctx),
    wrapModelCall: () => hooks.wrapModelCall!(modelRequest, async () => completion, ctx),
    beforeTool: () => hooks.beforeTool!(call, ctx),
    afterTool: () => hooks.afterTool!(call, result, ctx),
    wrapToolCall: () => hooks.wrapToolCall!(call, async () => result, ctx),
  };
  const repeat = Math.min(20, Math.max(1, Math.floor(Number(request.repeat ?? 1)) || 1));
  let ok = true;
  for (let round = 1; round <= repeat; round++) {
    for (const hook of chosen) {
      ctx.state.step = round;
      const r = await guarded(args[hook]);
      const label = `${repeat > 1 ? `[${round}] ` : ''}${hook}`;
      if (r.error) {
        ok = false;
        out.push(
          `${label} threw: ${r.error}\n  (in a run: ${hook.includes('Tool') ? 'this tool call would become a tool error naming the middleware and hook' : 'recorded in the trace and skipped'})`,
        );
      } else out.push(`${label} → ${r.value === undefined ? 'nothing (keeps the value)' : show(r.value)}`);
    }
  }
  if (Object.keys(ctx.state.store).length) out.push(`state.store after: ${show(ctx.state.store)}`);
  return ok;
}

/** The coding agent's context as the model sees it at the start of a session, with its token counts. */
export async function renderContext(harnessDir: string): Promise<{ ok: boolean; text: string }> {
  const report = await loadHarnessReport(harnessDir, {
    onComponentLog: () => {},
  });
  if (!report.harness)
    return {
      ok: false,
      text: `the harness does not load, so there is no context to show:\n${report.diagnostics.map(formatDiagnostic).join('\n')}`,
    };
  const system = renderSystemPrompt(report.harness);
  // A runner that is never called: only the definitions are wanted, the `agent` tool's among them.
  const tools = collectTools(report.harness, async () => ({ output: '' })).map((t) => t.definition);
  const toolText = JSON.stringify(tools, null, 2);
  const systemTokens = countTokens(system);
  const toolTokens = countTokens(toolText);
  return {
    ok: true,
    text: [
      `context at the start of a session: ${systemTokens + toolTokens} tokens (system prompt ${systemTokens}, ${tools.length} tool definitions ${toolTokens}); skill bodies load on demand, the task instruction follows as the first user message`,
      '',
      '=== system prompt ===',
      system.trimEnd(),
      '',
      '=== tools ===',
      toolText,
    ].join('\n'),
  };
}

/** Console-style formatting for callers that print a report line by line. */
export const formatTryLine = (...args: unknown[]) => format(...args);
