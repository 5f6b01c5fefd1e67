// One evolve-model call whose reply must be a JSON object of a given shape (the ace and tf-grpo
// methods' reflector, curator, advantage and update calls). A reply that is not such an object is sent
// back once with the problems; a second bad reply is a typed failure the method turns into a skipped
// iteration, never a crash. A model that cannot be reached at all (isInfrastructureError) is reported
// as `unavailable`, so the run stops resumably as it does for the evolve agent.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { InterruptedError, isInfrastructureError } from '../../errors.ts';
import type { Message, Model } from '../../model/types.ts';
import { addSpend, type Spend, spendOf, ZERO_SPEND } from '../../model/usage.ts';

export interface JsonCallOptions<T> {
  /** Makes the evolve model (a fresh one per call, as EvolveStepInput.evolveModel does). */
  model: () => Promise<Model>;
  /** Names the call in records and reasons, e.g. `reflector`. */
  role: string;
  system: string;
  user: string;
  schema: z.ZodType<T>;
  /** Every attempt is appended here (JSON lines: role, attempt, reply, problems). */
  recordFile: string;
  signal?: AbortSignal;
}

export type JsonCallResult<T> =
  | { ok: true; value: T; usage: Spend }
  | { ok: false; reason: string; usage: Spend; unavailable?: string };

/** The JSON object in a reply: the whole text, a fenced block, or the outermost braces. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  const candidates = [text.trim(), fenced?.[1]?.trim(), text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
  let error = 'the reply contains no JSON object';
  for (const c of candidates) {
    if (!c) continue;
    try {
      return JSON.parse(c);
    } catch (e) {
      error = `not valid JSON: ${(e as Error).message}`;
    }
  }
  throw new Error(error);
}

/** The reply's value, or the problems naming each field (`operations.0.content: …`). */
export function parseReply<T>(
  text: string,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; problems: string } {
  let raw: unknown;
  try {
    raw = extractJson(text);
  } catch (e) {
    return { ok: false, problems: (e as Error).message };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; '),
  };
}

const MAX_ATTEMPTS = 2;

export async function callForJson<T>(o: JsonCallOptions<T>): Promise<JsonCallResult<T>> {
  mkdirSync(dirname(o.recordFile), { recursive: true });
  const record = (entry: Record<string, unknown>) =>
    appendFileSync(o.recordFile, `${JSON.stringify({ ts: new Date().toISOString(), role: o.role, ...entry })}\n`);
  const messages: Message[] = [
    { role: 'system', content: o.system },
    { role: 'user', content: o.user },
  ];
  let usage = ZERO_SPEND;
  let problems = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let reply: string;
    try {
      const completion = await (await o.model()).complete({ messages, tools: [] }, o.signal);
      usage = addSpend(usage, spendOf(completion));
      reply = completion.message.content;
    } catch (error) {
      if (o.signal?.aborted) throw new InterruptedError(`the ${o.role} call`);
      const message = (error as Error).message ?? String(error);
      record({ attempt, error: message });
      if (isInfrastructureError(error)) return { ok: false, reason: message, usage, unavailable: message };
      problems = `the call failed: ${message}`;
      continue;
    }
    const parsed = parseReply(reply, o.schema);
    record({ attempt, reply, ...(parsed.ok ? {} : { problems: parsed.problems }) });
    if (parsed.ok) return { ok: true, value: parsed.value, usage };
    problems = parsed.problems;
    messages.push(
      { role: 'assistant', content: reply },
      {
        role: 'user',
        content: `Your reply could not be used: ${problems}. Reply again with only the JSON object described, nothing else.`,
      },
    );
  }
  return {
    ok: false,
    reason: `the ${o.role}'s reply was unusable after ${MAX_ATTEMPTS} attempts (${problems})`,
    usage,
  };
}
