// De-duplication of learned items (ace's bullets, tf-grpo's experiences). ACE prunes redundant bullets by
// comparing embeddings; offline and without an embedding model, two items are taken as the same lesson
// when their normalised words are equal or overlap almost entirely (Jaccard ≥ 0.9 over word sets of four
// words or more). Conservative on purpose: a near-miss stays as two items rather than losing one.

/** Lowercase words of letters and digits, in order. */
export const wordsOf = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** One line of text: whitespace runs become one space, at most `max` characters. */
export function oneLine(text: string, max = 600): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export const NEAR_DUPLICATE_JACCARD = 0.9;

export function isNearDuplicate(a: string, b: string): boolean {
  const wa = wordsOf(a);
  const wb = wordsOf(b);
  if (wa.join(' ') === wb.join(' ')) return true;
  const sa = new Set(wa);
  const sb = new Set(wb);
  if (sa.size < 4 || sb.size < 4) return false;
  const common = [...sa].filter((w) => sb.has(w)).length;
  return common / (sa.size + sb.size - common) >= NEAR_DUPLICATE_JACCARD;
}
