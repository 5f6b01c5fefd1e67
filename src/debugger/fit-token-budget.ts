// Reports have hard token budgets whatever the job size. A renderer describes how to say less at each
// level (fewer examples, shorter outputs, "…and N more"); the first level that fits wins. If even the
// tersest level is too long, the text is cut at a line boundary with a note, so the budget always holds.
import { countTokens } from '../model/count-tokens.ts';

export interface FittedText {
  text: string;
  tokens: number;
  /** Index of the level used; `levels.length` when the tersest level had to be cut. */
  level: number;
}

const CUT_NOTE = '\n\n… (cut to fit the token budget; everything is in report.json)\n';

/** The longest prefix of whole lines (plus a note) within `budget` tokens, found by bisection. */
export function cutToTokens(text: string, budget: number): string {
  if (countTokens(text) <= budget) return text;
  const lines = text.split('\n');
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(lines.slice(0, mid).join('\n') + CUT_NOTE) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lines.slice(0, lo).join('\n') + CUT_NOTE;
}

export function fitToTokenBudget<L>(levels: readonly L[], render: (level: L) => string, budget: number): FittedText {
  let text = '';
  for (let i = 0; i < levels.length; i++) {
    text = render(levels[i]!);
    const tokens = countTokens(text);
    if (tokens <= budget) return { text, tokens, level: i };
  }
  const cut = cutToTokens(text, budget);
  return { text: cut, tokens: countTokens(cut), level: levels.length };
}
