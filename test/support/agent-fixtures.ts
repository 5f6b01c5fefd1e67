// In-memory building blocks for agent runtime tests: a harness built in code, a queue model,
// a recording sandbox and an in-memory trace.
import type { Harness, LoadedMiddleware, LoadedTool, Middleware } from '../../src/harness/types.ts';
import type { Completion, CompletionRequest, Model, ToolCall } from '../../src/model/types.ts';
import type { ExecResult, Sandbox } from '../../src/sandbox/types.ts';
import type { SessionTrace, TraceEvent } from '../../src/trace/types.ts';

export function makeHarness(overrides: Partial<Harness> = {}): Harness {
  return {
    dir: '/virtual/harness',
    name: 'test',
    description: '',
    model: { contextBudgetTokens: 100_000 },
    limits: { maxSteps: 20, maxWallSec: 60, maxTotalTokens: 0, commandTimeoutSec: 30 },
    truncation: { maxOutputBytes: 2000, headBytes: 500, tailBytes: 500 },
    systemPrompt: 'You are a test agent.',
    tools: [echoTool()],
    middleware: [],
    skills: [],
    subagents: [],
    memory: [],
    contentHash: 'test',
    ...overrides,
  };
}

export function echoTool(name = 'echo', run?: LoadedTool['run']): LoadedTool {
  return {
    definition: {
      name,
      description: 'Echo text back.',
      inputSchema: {
        type: 'object',
        properties: { text: { type: 'string' } },
        required: ['text'],
        additionalProperties: false,
      },
    },
    source: { builtin: false },
    run: run ?? (async (args) => ({ output: `echo: ${String(args.text)}` })),
  };
}

export function middleware(name: string, hooks: Middleware): LoadedMiddleware {
  return { name, file: `middleware/${name}.ts`, hooks };
}

let callCounter = 0;
export function toolCall(name: string, args: Record<string, unknown>, extra: Partial<ToolCall> = {}): ToolCall {
  callCounter += 1;
  return { id: `call_${callCounter}`, name, arguments: args, rawArguments: JSON.stringify(args), ...extra };
}

export type Reply = { content?: string; toolCalls?: ToolCall[]; promptTokens?: number } | Error;

/** A model that answers from a queue and records every request it saw. */
export class QueueModel implements Model {
  readonly spec = 'test:queue';
  readonly provider = 'test';
  readonly name = 'queue';
  readonly requests: CompletionRequest[] = [];
  /** `latencyMs` simulates a slow model; the wait is cancelled by the call's AbortSignal. */
  constructor(
    private readonly replies: Reply[] | ((request: CompletionRequest, index: number) => Reply),
    private readonly latencyMs = 0,
  ) {}

  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
    this.requests.push(structuredClone({ ...request, onDelta: undefined }));
    if (this.latencyMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.latencyMs);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    }
    const index = this.requests.length - 1;
    const reply = typeof this.replies === 'function' ? this.replies(request, index) : this.replies[index];
    if (!reply) throw new Error(`QueueModel: no reply for call ${index + 1}`);
    if (reply instanceof Error) throw reply;
    const toolCalls = reply.toolCalls ?? [];
    return {
      message: { role: 'assistant', content: reply.content ?? '', ...(toolCalls.length ? { toolCalls } : {}) },
      usage: { promptTokens: reply.promptTokens ?? 100, completionTokens: 10, cachedTokens: 0 },
      costUsd: 0.001,
      finishReason: toolCalls.length ? 'tool_calls' : 'stop',
      model: 'queue',
    };
  }
}

export class RecordingSandbox implements Sandbox {
  readonly kind = 'recording';
  readonly workdir = '/app';
  readonly commands: string[] = [];
  async exec(command: string): Promise<ExecResult> {
    this.commands.push(command);
    return { exitCode: 0, stdout: `ran ${command}\n`, stderr: '', timedOut: false, durationMs: 1, droppedBytes: 0 };
  }
  async readFile(): Promise<string> {
    return '';
  }
  async writeFile(): Promise<void> {}
  async upload(): Promise<void> {}
  async download(): Promise<void> {}
  async close(): Promise<void> {}
}

export class MemoryTrace implements SessionTrace {
  constructor(
    readonly sessionId = 'root',
    readonly events: TraceEvent[] = [],
    private readonly parent?: string,
  ) {}
  emit(type: string, data: Record<string, unknown> = {}): void {
    this.events.push({
      v: 1,
      ts: new Date().toISOString(),
      type,
      session_id: this.sessionId,
      ...(this.parent ? { parent_session_id: this.parent } : {}),
      ...data,
    });
  }
  child(sessionId: string): SessionTrace {
    return new MemoryTrace(sessionId, this.events, this.sessionId);
  }
  ofType(type: string): TraceEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** Rough token count for tests: one token per 4 characters. */
export const roughTokens = (m: { content: string }) => Math.ceil(m.content.length / 4) + 4;
