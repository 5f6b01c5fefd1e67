// Evaluates compiled component code in a node:vm context that has no require, process, Buffer or
// fetch: a component reaches the outside world only through the capabilities in ctx. The context
// refuses to build code from strings (eval, new Function). node:vm keeps honest code honest; it is
// not a wall against deliberately hostile code (host objects passed in still lead back to the host),
// which is why scan-component-source.ts also rejects the known ways around it.
import { SourceMap } from 'node:module';
import { format } from 'node:util';
import vm from 'node:vm';
import type { Diagnostic } from './harness-error.ts';

/** Receives console output of component code: the component's file, the console method, the text. */
export type ComponentLog = (file: string, level: string, message: string) => void;

export interface ComponentInstance {
  /** The module's default export (undefined when it has none). */
  value: unknown;
  /** Clears every timer the component started that is still pending. */
  dispose(): void;
}

const LOAD_TIMEOUT_MS = 5000;
/** Parsed scripts by source: every trial evaluates the same bundles, so V8 parses each once. */
const scripts = new Map<string, vm.Script>();

/** Timer functions that remember what is pending, so an instance can be disposed of cleanly. */
function trackedTimers(): { globals: Record<string, unknown>; dispose(): void } {
  const pending = new Set<NodeJS.Timeout>();
  return {
    globals: {
      setTimeout: (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          fn(...args);
        }, ms);
        pending.add(timer);
        return timer;
      },
      setInterval: (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
        const timer = setInterval(fn, ms, ...args);
        pending.add(timer);
        return timer;
      },
      clearTimeout: (timer: NodeJS.Timeout) => {
        pending.delete(timer);
        clearTimeout(timer);
      },
      clearInterval: (timer: NodeJS.Timeout) => {
        pending.delete(timer);
        clearInterval(timer);
      },
    },
    dispose: () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}

/** Maps a position in the bundle back to the component's own file through the inline source map. */
function originalPosition(
  code: string,
  line: number,
  column: number,
): { file: string; line: number; column: number } | undefined {
  const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!inline) return undefined;
  const map = new SourceMap(JSON.parse(Buffer.from(inline[1]!, 'base64').toString('utf8')));
  const entry = map.findEntry(line - 1, Math.max(0, column - 1)) as Partial<{
    originalSource: string;
    originalLine: number;
    originalColumn: number;
  }>;
  if (entry.originalSource === undefined || entry.originalLine === undefined) return undefined;
  return { file: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn ?? 0 };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A load-time failure as a diagnostic at the line of the component's source that threw. */
function loadFailure(error: unknown, code: string, file: string): Diagnostic {
  // Errors thrown inside the context come from its own realm: `instanceof Error` would be false.
  const e = error as { message?: unknown; stack?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const frame = typeof e?.stack === 'string' ? new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`).exec(e.stack) : null;
  const at = frame ? originalPosition(code, Number(frame[1]), Number(frame[2])) : undefined;
  return { file: at?.file ?? file, line: at?.line, column: at?.column, message: `failed while loading: ${message}` };
}

/** Runs a compiled CommonJS bundle in a fresh context and returns its default export. */
export function evaluateComponent(
  code: string,
  file: string,
  onLog: ComponentLog,
): { instance?: ComponentInstance; diagnostics: Diagnostic[] } {
  const log =
    (level: string) =>
    (...args: unknown[]) =>
      onLog(file, level, format(...args));
  const timers = trackedTimers();
  const module = { exports: {} as Record<string, unknown> };
  // A null-prototype global: `this.constructor` inside the context must not be the host's Object.
  const globals = Object.assign(Object.create(null) as Record<string, unknown>, {
    module,
    exports: module.exports,
    console: { log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
    ...timers.globals,
    queueMicrotask,
    AbortController,
    AbortSignal,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    structuredClone,
  });
  const context = vm.createContext(globals, { name: file, codeGeneration: { strings: false, wasm: false } });
  try {
    const key = `${file}\0${code}`;
    let script = scripts.get(key);
    if (!script) scripts.set(key, (script = new vm.Script(code, { filename: file })));
    script.runInContext(context, { timeout: LOAD_TIMEOUT_MS });
  } catch (error) {
    timers.dispose();
    return { diagnostics: [loadFailure(error, code, file)] };
  }
  const exported = module.exports as { default?: unknown };
  return {
    instance: { value: 'default' in exported ? exported.default : undefined, dispose: timers.dispose },
    diagnostics: [],
  };
}
