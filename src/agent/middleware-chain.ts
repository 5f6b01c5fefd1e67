// Runs the harness's middleware hooks in the order docs/harness.md gives: before-hooks first→last,
// after-hooks last→first, wrappers nested with the first middleware outermost.
// A hook that throws never crashes the session: the error is traced and reported to the caller.

import type { LoadedMiddleware, MiddlewareContext, ToolCallRequest, ToolResult } from '../harness/types.ts';
import type { Completion, CompletionRequest } from '../model/types.ts';

export interface HookFailure {
  middleware: string;
  hook: string;
  message: string;
}

export type HookFailureHandler = (failure: HookFailure) => void;

/** Marks errors that came from below a wrapper (the model or the tool), so they are not blamed on the wrapper. */
class InnerError extends Error {
  constructor(readonly inner: unknown) {
    super('inner call failed');
  }
}

/** What a replacement must look like to be used; anything else is a hook failure and is skipped. */
function isRequest(value: unknown): value is CompletionRequest {
  return !!value && typeof value === 'object' && Array.isArray((value as CompletionRequest).messages);
}

function isCompletion(value: unknown): value is Completion {
  const message = (value as Completion | undefined)?.message;
  return (
    !!message &&
    typeof message === 'object' &&
    message.role === 'assistant' &&
    typeof message.content === 'string' &&
    (message.toolCalls === undefined || Array.isArray(message.toolCalls))
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class MiddlewareChain {
  constructor(
    private readonly middleware: readonly LoadedMiddleware[],
    private readonly onFailure: HookFailureHandler,
  ) {}

  async beforeAgent(ctx: MiddlewareContext): Promise<void> {
    for (const m of this.middleware) {
      if (m.hooks.beforeAgent) await this.guard(m, 'beforeAgent', () => m.hooks.beforeAgent!(ctx));
    }
  }

  async afterAgent(
    outcome: Parameters<NonNullable<LoadedMiddleware['hooks']['afterAgent']>>[0],
    ctx: MiddlewareContext,
  ): Promise<void> {
    for (const m of [...this.middleware].reverse()) {
      if (m.hooks.afterAgent) await this.guard(m, 'afterAgent', () => m.hooks.afterAgent!(outcome, ctx));
    }
  }

  async beforeModel(request: CompletionRequest, ctx: MiddlewareContext): Promise<CompletionRequest> {
    let current = request;
    for (const m of this.middleware) {
      if (!m.hooks.beforeModel) continue;
      const replaced = await this.guard(m, 'beforeModel', () => m.hooks.beforeModel!(current, ctx));
      if (replaced && this.accept(m, 'beforeModel', replaced, isRequest, 'a request with a messages array'))
        current = replaced;
    }
    return current;
  }

  async afterModel(completion: Completion, ctx: MiddlewareContext): Promise<Completion> {
    let current = completion;
    for (const m of [...this.middleware].reverse()) {
      if (!m.hooks.afterModel) continue;
      const replaced = await this.guard(m, 'afterModel', () => m.hooks.afterModel!(current, ctx));
      if (replaced && this.accept(m, 'afterModel', replaced, isCompletion, 'a completion with an assistant message'))
        current = replaced;
    }
    return current;
  }

  /** Calls the model through every wrapModelCall. Errors of the model itself propagate unchanged. */
  wrapModelCall(
    request: CompletionRequest,
    call: (r: CompletionRequest) => Promise<Completion>,
    ctx: MiddlewareContext,
  ): Promise<Completion> {
    return this.wrap('wrapModelCall', request, call, (m) => m.hooks.wrapModelCall?.bind(m.hooks), ctx);
  }

  /** Returns a replacement call, a short-circuit result, or the call unchanged. */
  async beforeTool(call: ToolCallRequest, ctx: MiddlewareContext): Promise<ToolCallRequest | { result: ToolResult }> {
    let current = call;
    for (const m of this.middleware) {
      if (!m.hooks.beforeTool) continue;
      const out = await this.guard(m, 'beforeTool', () => m.hooks.beforeTool!(current, ctx), true);
      if (out && 'result' in out) return { result: out.result };
      if (out) current = out;
    }
    return current;
  }

  async afterTool(call: ToolCallRequest, result: ToolResult, ctx: MiddlewareContext): Promise<ToolResult> {
    let current = result;
    for (const m of [...this.middleware].reverse()) {
      if (!m.hooks.afterTool) continue;
      const replaced = await this.guard(m, 'afterTool', () => m.hooks.afterTool!(call, current, ctx), true);
      if (replaced) current = replaced;
    }
    return current;
  }

  wrapToolCall(
    call: ToolCallRequest,
    run: (c: ToolCallRequest) => Promise<ToolResult>,
    ctx: MiddlewareContext,
  ): Promise<ToolResult> {
    return this.wrap('wrapToolCall', call, run, (m) => m.hooks.wrapToolCall?.bind(m.hooks), ctx, true);
  }

  private async wrap<I, O>(
    hook: string,
    input: I,
    innermost: (input: I) => Promise<O>,
    pick: (
      m: LoadedMiddleware,
    ) => ((input: I, next: (input: I) => Promise<O>, ctx: MiddlewareContext) => Promise<O>) | undefined,
    ctx: MiddlewareContext,
    rethrow = false,
  ): Promise<O> {
    let next = async (i: I): Promise<O> => {
      try {
        return await innermost(i);
      } catch (error) {
        throw new InnerError(error);
      }
    };
    for (const m of [...this.middleware].reverse()) {
      const wrapper = pick(m);
      if (!wrapper) continue;
      const inner = next;
      next = async (i: I): Promise<O> => {
        // If the wrapper fails on its own, fall back to the layer below (or its result, if it already ran).
        let innerRun: Promise<O> | undefined;
        const tracked = (x: I) => (innerRun = inner(x));
        try {
          return await wrapper(i, tracked, ctx);
        } catch (error) {
          if (error instanceof InnerError) throw error;
          this.onFailure({ middleware: m.name, hook, message: describe(error) });
          if (rethrow) throw new MiddlewareError(m.name, hook, error);
          return innerRun ?? inner(i);
        }
      };
    }
    try {
      return await next(input);
    } catch (error) {
      throw error instanceof InnerError ? error.inner : error;
    }
  }

  private accept<T>(
    m: LoadedMiddleware,
    hook: string,
    value: unknown,
    check: (v: unknown) => v is T,
    expected: string,
  ): value is T {
    if (check(value)) return true;
    const got = Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object of another shape'
        : `a ${typeof value}`;
    this.onFailure({ middleware: m.name, hook, message: `returned ${got}, not ${expected}; ignored` });
    return false;
  }

  private async guard<T>(
    m: LoadedMiddleware,
    hook: string,
    fn: () => T | Promise<T>,
    rethrow = false,
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.onFailure({ middleware: m.name, hook, message: describe(error) });
      if (rethrow) throw new MiddlewareError(m.name, hook, error);
      return undefined;
    }
  }
}

/** A tool-phase hook failed: the dispatcher turns this into a tool error the model sees. */
export class MiddlewareError extends Error {
  override name = 'MiddlewareError';
  constructor(
    readonly middleware: string,
    readonly hook: string,
    cause: unknown,
  ) {
    super(`middleware '${middleware}' failed in ${hook}: ${describe(cause)}`);
  }
}
