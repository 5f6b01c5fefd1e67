// The per-task analyst: one model call over all attempts of a task, answered as JSON and validated
// with zod. An invalid answer is sent back with its problems (up to maxAttempts calls in all), then
// rejected with a clear error; a model failure is a value, never a crash. Answers are cached by a
// hash of the model spec, the prompt version and the exact messages, so re-running a debug on the
// same job costs zero tokens. Every call is counted in the ledger.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonrepair } from 'jsonrepair';
import type { Message, Model } from '../model/types.ts';
import { addSpend, type Spend, spendOf } from '../model/usage.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { type TaskAnalysis, TaskAnalysisSchema } from './analysis.ts';
import { type AnalystInput, buildAnalystMessages, PROMPT_VERSION, repairMessage } from './analyst-prompt.ts';
import { type AnalystLedger, emptyAnalystLedger } from './report-schema.ts';

export type { AnalystLedger };

export const newLedger = emptyAnalystLedger;

export interface AnalyzeOptions {
  model: Model;
  /** Where answers are cached (default <AHE_CACHE_DIR or tmp>/ahe/analyst). */
  cacheDir?: string;
  /** Model calls per task, the first included, before an invalid answer is rejected (default 3). */
  maxAttempts?: number;
  signal?: AbortSignal;
  /** Told what each model call spent as it returns (a caller that must not lose it to a crash records it). */
  onSpend?: (spend: Spend) => void;
}

export type AnalyzeOutcome = { ok: true; analysis: TaskAnalysis; cached: boolean } | { ok: false; error: string };

export function analystCacheDir(): string {
  return join(process.env.AHE_CACHE_DIR || tmpdir(), 'ahe', 'analyst');
}

/** Parses and validates one answer; returns the problems a model can act on. */
export function parseAnalysis(
  content: string,
  trials: readonly string[],
): { analysis?: TaskAnalysis; problems: string[] } {
  const text = content.replace(/^\s*```(?:json)?\s*/i, '').replace(/\s*```\s*$/, '');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return { problems: ['the answer contains no JSON object'] };
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch {
    try {
      raw = JSON.parse(jsonrepair(text.slice(start, end + 1)));
    } catch (error) {
      return { problems: [`the JSON object does not parse: ${(error as Error).message}`] };
    }
  }
  const parsed = TaskAnalysisSchema.safeParse(raw);
  if (!parsed.success)
    return { problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  const unknown = parsed.data.evidence.filter((e) => !trials.includes(e.trial)).map((e) => e.trial);
  if (unknown.length)
    return {
      problems: [
        `evidence names trials that are not attempts of this task: ${[...new Set(unknown)].join(', ')} (attempts: ${trials.join(', ')})`,
      ],
    };
  return { analysis: parsed.data, problems: [] };
}

export async function analyzeTask(
  input: AnalystInput,
  options: AnalyzeOptions,
  /** Shared by the tasks analysed at once, so it is updated in place. */
  ledger: AnalystLedger,
): Promise<AnalyzeOutcome> {
  const messages: Message[] = buildAnalystMessages(input);
  const key = createHash('sha256')
    .update(JSON.stringify({ v: PROMPT_VERSION, model: options.model.spec, messages }))
    .digest('hex');
  const cacheDir = options.cacheDir ?? analystCacheDir();
  const cacheFile = join(cacheDir, `${key.slice(0, 40)}.json`);
  if (existsSync(cacheFile)) {
    try {
      const hit = TaskAnalysisSchema.parse(
        (JSON.parse(readFileSync(cacheFile, 'utf8')) as { analysis: unknown }).analysis,
      );
      ledger.cacheHits += 1;
      return { ok: true, analysis: hit, cached: true };
    } catch {
      // a damaged cache entry is ignored and replaced
    }
  }
  const trials = input.attempts.map((a) => a.trial);
  const maxAttempts = options.maxAttempts ?? 3;
  let problems: string[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let content: string;
    try {
      const completion = await options.model.complete({ messages, tools: [], temperature: 0 }, options.signal);
      const spent = spendOf(completion);
      Object.assign(ledger, addSpend(ledger, spent));
      options.onSpend?.(spent);
      content = completion.message.content;
    } catch (error) {
      ledger.failures += 1;
      return { ok: false, error: `the analyst model failed on task ${input.task}: ${(error as Error).message}` };
    }
    const result = parseAnalysis(content, trials);
    if (result.analysis) {
      mkdirSync(cacheDir, { recursive: true });
      writeJsonAtomic(cacheFile, {
        v: PROMPT_VERSION,
        model: options.model.spec,
        task: input.task,
        analysis: result.analysis,
      });
      return { ok: true, analysis: result.analysis, cached: false };
    }
    problems = result.problems;
    messages.push({ role: 'assistant', content }, { role: 'user', content: repairMessage(problems) });
  }
  ledger.failures += 1;
  return {
    ok: false,
    error: `the analyst's answer for task ${input.task} was invalid after ${maxAttempts} calls: ${problems.join('; ')}`,
  };
}
