// A digest as compact text for the analyst prompt and the detail reports (digest-text.ts renders it).
// Over a token budget (o200k, src/model/count-tokens.ts), the most detailed level that fits is used: the
// middle of the trial shrinks first, while the first and last steps, every error, the failing tests and
// the final message stay.
import { countTokens } from '../model/count-tokens.ts';
import type { TrialDigest } from './digest.ts';
import { LEVELS, renderAt } from './digest-text.ts';

export interface RenderOptions {
  /** Token budget (o200k); without one the digest is rendered in full. */
  maxTokens?: number;
}

export function renderDigest(d: TrialDigest, options: RenderOptions = {}): string {
  if (options.maxTokens === undefined) return renderAt(d, LEVELS[0]!);
  let text = '';
  for (const level of LEVELS) {
    text = renderAt(d, level);
    if (countTokens(text) <= options.maxTokens) return text;
  }
  // Still over budget (a huge number of eventful steps): cut the text itself, keeping its end.
  const budgetChars = Math.max(200, options.maxTokens * 3);
  const head = Math.floor(budgetChars * 0.4);
  return `${text.slice(0, head)}\n⟨… digest cut to fit ${options.maxTokens} tokens …⟩\n${text.slice(text.length - (budgetChars - head))}`;
}
