// Dynamic half of the tool-schema check: call a fresh instance of the tool with arguments that
// record every name read, and a fake sandbox that only answers (empty, successful) and never
// touches the host. A tool that hangs or throws still tells us what it read before that.
import vm from 'node:vm';
import type { ExecResult, Sandbox } from '../sandbox/types.ts';
import { instantiateComponent } from './compile-component.ts';
import type { ToolContext, ToolImplementation } from './types.ts';

const PROBE_TIMEOUT_MS = 500;
/** Names runtimes and libraries ask any object for; not argument reads. */
const NOT_ARGUMENTS = new Set([
  'then',
  'toJSON',
  'constructor',
  'valueOf',
  'toString',
  'inspect',
  'asymmetricMatch',
  '$$typeof',
  '__proto__',
]);

type JsonSchema = { type?: unknown; enum?: unknown[]; const?: unknown; default?: unknown; examples?: unknown[] };

/** A plausible value for a property, so the tool gets past its own input checks. */
function sampleFor(schema: JsonSchema | undefined): unknown {
  if (schema?.const !== undefined) return schema.const;
  if (schema?.enum?.length) return schema.enum[0];
  if (schema?.default !== undefined) return schema.default;
  if (schema?.examples?.length) return schema.examples[0];
  switch (Array.isArray(schema?.type) ? schema.type[0] : schema?.type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
    case 'null':
      return null;
    default:
      return 'probe';
  }
}

function recordingArgs(properties: Record<string, JsonSchema>, reads: Set<string>): Record<string, unknown> {
  const declared = (key: string) => Object.hasOwn(properties, key);
  return new Proxy({} as Record<string, unknown>, {
    get(_target, key) {
      if (typeof key !== 'string' || NOT_ARGUMENTS.has(key)) return undefined;
      reads.add(key);
      return declared(key) ? sampleFor(properties[key]) : undefined;
    },
    has(_target, key) {
      if (typeof key === 'string') reads.add(key);
      return typeof key === 'string' && declared(key);
    },
    ownKeys: () => Object.keys(properties),
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === 'string' && declared(key)
        ? { configurable: true, enumerable: true, writable: true, value: sampleFor(properties[key]) }
        : undefined,
  });
}

function answeringSandbox(): Sandbox {
  const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 0, droppedBytes: 0 };
  return {
    kind: 'probe',
    workdir: '/app',
    exec: async () => ({ ...ok }),
    readFile: async () => '',
    writeFile: async () => {},
    upload: async () => {},
    download: async () => {},
    close: async () => {},
  };
}

/** The argument names `tools/<file>` reads when called with arguments shaped by `inputSchema`. */
export async function probeArgumentReads(
  harnessDir: string,
  file: string,
  inputSchema: Record<string, unknown>,
): Promise<Set<string>> {
  const reads = new Set<string>();
  const { instance } = await instantiateComponent(harnessDir, file);
  if (!instance || typeof instance.value !== 'function') return reads;
  const run = instance.value as ToolImplementation;
  const args = recordingArgs((inputSchema.properties ?? {}) as Record<string, JsonSchema>, reads);
  const controller = new AbortController();
  const ctx: ToolContext = {
    sandbox: answeringSandbox(),
    trace: { emit: () => {} },
    signal: controller.signal,
    callId: 'probe',
    limits: { maxSteps: 1, maxWallSec: 1, maxTotalTokens: 0, commandTimeoutSec: 1 },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    // Through vm with a timeout: a synchronous endless loop in the tool is cut off, not hung on.
    const call = vm.runInNewContext(
      'run(args, ctx)',
      { run, args, ctx },
      { timeout: PROBE_TIMEOUT_MS },
    ) as Promise<unknown>;
    await Promise.race([
      Promise.resolve(call).catch(() => undefined),
      new Promise((r) => (timer = setTimeout(r, PROBE_TIMEOUT_MS))),
    ]);
  } catch {
    // a tool that throws at once has still read what it read
  } finally {
    clearTimeout(timer);
    controller.abort();
    instance.dispose();
  }
  return reads;
}
