// The analysts' general mechanisms, grouped across tasks and ranked by how many failed trials they
// would explain: the evolver should fix first what fails most. Analysts word the same lesson in
// different ways, so texts are compared as sets of content words — deterministic, no model:
//   1. lowercase, split on anything that is not a letter or digit, drop stopwords and 1–2 letter words;
//   2. light stemming: drop a final `ing`, `ed` or `s` when at least 4 letters remain (`tests` → `test`);
//   3. similarity = Dice coefficient of the two sets, 2|A∩B| / (|A| + |B|);
//   4. items sorted by failed trials (most first, then task name); each joins the first group whose
//      representative (its first, strongest member) is at least `threshold` similar, else starts a group.
// Comparing with the representative only (not any member) keeps groups from chaining into one blob.
import type { ComponentType, TaskAnalysis } from './analysis.ts';
import type { Mechanism } from './report-schema.ts';

export interface AnalysedTask {
  task: string;
  analysis: TaskAnalysis;
  /** Failed trials of the task: what this mechanism would explain. */
  failedTrials: number;
}

export const MECHANISM_SIMILARITY = 0.5;
const MAX_VARIANTS = 3;

const STOPWORDS = new Set(
  (
    'the and for with that this from into onto then than when where which while before after always never should must can could would will ' +
    'are was were been being has have had does did not its any all each every other some such only also just very more most less ' +
    'agent agents task tasks harness use using make sure one two what how why who about over under out your you they them their there ' +
    'instead rather like etc via per both either whether these those own same'
  ).split(/\s+/),
);

function stem(word: string): string {
  for (const suffix of ['ing', 'ed', 's'])
    if (word.endsWith(suffix) && word.length - suffix.length >= 4 && !word.endsWith('ss'))
      return word.slice(0, -suffix.length);
  return word;
}

export function contentWords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2 && !STOPWORDS.has(w))
      .map(stem),
  );
}

export function mechanismSimilarity(a: Set<string>, b: Set<string>): number {
  if (a.size + b.size === 0) return 1;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return (2 * shared) / (a.size + b.size);
}

export function groupMechanisms(items: readonly AnalysedTask[], threshold = MECHANISM_SIMILARITY): Mechanism[] {
  const ordered = items
    .filter((i) => i.failedTrials > 0)
    .sort((a, b) => b.failedTrials - a.failedTrials || a.task.localeCompare(b.task));
  const groups: Array<{ words: Set<string>; members: AnalysedTask[] }> = [];
  for (const item of ordered) {
    const words = contentWords(item.analysis.general_mechanism);
    const home = groups.find((g) => mechanismSimilarity(g.words, words) >= threshold);
    if (home) home.members.push(item);
    else groups.push({ words, members: [item] });
  }
  return groups
    .map(({ members }) => {
      const byComponent = new Map<ComponentType, number>();
      for (const m of members)
        byComponent.set(
          m.analysis.suggested_component,
          (byComponent.get(m.analysis.suggested_component) ?? 0) + m.failedTrials,
        );
      // Map order is insertion order, so a tie goes to the strongest member's component.
      const components = [...byComponent]
        .map(([component, n]) => ({ component, n_failed_trials: n }))
        .sort((a, b) => b.n_failed_trials - a.n_failed_trials);
      const texts = [...new Set(members.map((m) => m.analysis.general_mechanism.trim()))];
      return {
        mechanism: texts[0]!,
        suggested_component: components[0]!.component,
        n_failed_trials: members.reduce((sum, m) => sum + m.failedTrials, 0),
        n_tasks: members.length,
        tasks: members.map((m) => m.task).sort(),
        components,
        variants: texts.slice(1, 1 + MAX_VARIANTS),
      };
    })
    .sort(
      (a, b) =>
        b.n_failed_trials - a.n_failed_trials || b.n_tasks - a.n_tasks || a.mechanism.localeCompare(b.mechanism),
    );
}
