// `scripted:<file>` — a strict, deterministic test double: each model call consumes the next turn of
// the script, and any divergence from what the script expects fails loudly with a diff.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ModelResponseError, UserError } from '../errors.ts';
import { countMessageTokens, countTokens } from './count-tokens.ts';
import { ScriptDivergedError } from './errors.ts';
import { type Script, type ScriptExpect, ScriptSchema, type ScriptTurn, type ScriptWhen } from './script-schema.ts';
import { parseToolArguments } from './tool-arguments.ts';
import type { Completion, CompletionRequest, Message, Model, ToolCall } from './types.ts';

export function loadScript(file: string): Script {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : error instanceof Error
          ? error.message.split('\n')[0]
          : String(error);
    throw new UserError(`scripted model ${file}: ${reason}`);
  }
  const parsed = ScriptSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) =>
        `  ${file}: ${
          i.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '') || '(top level)'
        }: ${i.message}`,
    );
    throw new UserError(`invalid script:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

const lastOf = (messages: readonly Message[], role: Message['role']) =>
  [...messages].reverse().find((m) => m.role === role)?.content ?? '';

/** Shows where an expected fragment was looked for, trimmed to the end of the actual text (where new content is). */
function diff(check: string, expected: string, actual: string): string {
  const shown = actual.length > 600 ? `…${actual.slice(-600)}` : actual;
  return `${check}\n  - expected to contain: ${JSON.stringify(expected)}\n  + actual:              ${JSON.stringify(shown)}`;
}

function checkExpect(expect: ScriptExpect | undefined, request: CompletionRequest): string | undefined {
  if (!expect) return undefined;
  const checks: [keyof ScriptExpect, string | undefined, string][] = [
    ['last_user_contains', expect.last_user_contains, lastOf(request.messages, 'user')],
    ['last_tool_result_contains', expect.last_tool_result_contains, lastOf(request.messages, 'tool')],
    ['system_contains', expect.system_contains, lastOf(request.messages, 'system')],
  ];
  for (const [name, want, actual] of checks)
    if (want !== undefined && !actual.includes(want)) return diff(name, want, actual);
  const tools = request.tools.map((t) => t.name);
  const missing = (expect.tools_include ?? []).filter((t) => !tools.includes(t));
  if (missing.length)
    return `tools_include\n  - expected tools: ${JSON.stringify(expect.tools_include)}\n  + actual tools:   ${JSON.stringify(tools)}`;
  return undefined;
}

function matches(when: ScriptWhen, request: CompletionRequest): boolean {
  if (when.system_contains !== undefined && !lastOf(request.messages, 'system').includes(when.system_contains))
    return false;
  if (
    when.user_contains !== undefined &&
    !request.messages.some((m) => m.role === 'user' && m.content.includes(when.user_contains!))
  )
    return false;
  return true;
}

function summarise(messages: readonly Message[]): string {
  return messages
    .slice(-3)
    .map((m) => `${m.role}: ${m.content.replace(/\s+/g, ' ').slice(0, 160)}`)
    .join('\n  ');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    // The listener goes when the delay ends: many delayed turns on one signal must not pile up listeners.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A model over an already-parsed script; each instance keeps its own cursor. */
export function scriptedModel(script: Script, file: string): Model {
  let turns: ScriptTurn[] | undefined = script.turns;
  let cursor = 0;
  const name = script.name ?? file;
  return {
    spec: `scripted:${file}`,
    provider: 'scripted',
    name,
    contextWindow: script.context_window,
    priced: true,
    async complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
      if (!turns) {
        const variant = script.variants!.find((v) => matches(v.when, request));
        if (!variant)
          throw new ScriptDivergedError(
            `script ${file}: no variant's 'when' matches the first request:\n  ${summarise(request.messages)}`,
          );
        turns = variant.turns;
      }
      const index = cursor++;
      const turn = turns[index];
      if (!turn)
        throw new ScriptDivergedError(
          `script ${file} exhausted after ${turns.length} turns; the agent made another model call. Last messages:\n  ${summarise(request.messages)}`,
        );
      const mismatch = checkExpect(turn.expect, request);
      if (mismatch) throw new ScriptDivergedError(`script ${file} diverged at turn ${index} (expect.${mismatch})`);
      if (turn.delay_ms) await sleep(turn.delay_ms, signal);
      if (turn.error)
        throw new ModelResponseError(`scripted API error (HTTP ${turn.error.status}): ${turn.error.message}`);
      const reply = turn.reply!;
      const toolCalls: ToolCall[] = reply.tool_calls.map((c, i) => {
        const raw = typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments);
        return { id: `call_${index}_${i}`, name: c.name, rawArguments: raw, ...parseToolArguments(raw) };
      });
      if (reply.content) request.onDelta?.({ type: 'text', text: reply.content });
      const completionTokens =
        countTokens(reply.content) + toolCalls.reduce((n, c) => n + countTokens(c.rawArguments) + 4, 0);
      return {
        message: {
          role: 'assistant',
          content: reply.content,
          ...(reply.reasoning ? { reasoning: reply.reasoning } : {}),
          ...(toolCalls.length ? { toolCalls } : {}),
        },
        usage: reply.usage
          ? {
              promptTokens: reply.usage.prompt_tokens,
              completionTokens: reply.usage.completion_tokens,
              cachedTokens: reply.usage.cached_tokens,
            }
          : { promptTokens: countMessageTokens(request.messages), completionTokens, cachedTokens: 0 },
        costUsd: 0,
        finishReason: toolCalls.length ? 'tool_calls' : 'stop',
        model: name,
      };
    },
  };
}

export async function createScriptedModel(file: string): Promise<Model> {
  return scriptedModel(loadScript(file), file);
}

/** Parses the script once and returns a factory of fresh models (one cursor per trial). */
export function scriptedModelFactory(file: string): () => Model {
  const script = loadScript(file);
  return () => scriptedModel(script, file);
}
