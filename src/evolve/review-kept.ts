// The review of kept changes (`ahe evolve --review-kept`, `ahe simulate --review-kept`; off by default).
// The gate judges a change once, on the evaluation right after it was made; a change that hurts a few
// tasks seldom reaches significance there (the harm test at α = 0.1), and nothing looks at it again,
// although every later evaluation measures it. The review does: after each gate, every change still in
// the harness other than those the gate has just judged is re-judged by the estimate over every
// evaluation of the run (best-estimate.ts): the harness as it is against the same harness without that
// change. The change whose removal raises the estimated training pass rate the most is rolled back when
// the rise is at least REVIEW_RULE.margin and at least REVIEW_RULE.sd posterior standard deviations of
// that rise. At most one change per gate.
//
// The rule is a trade-off measured on the simulator (docs/evolution-cost.md, "The review of kept
// changes"): a lower margin rolls back more harmful changes and, on suites of many tasks with small
// effects, more good ones by noise.
import { type EvaluatedHarness, estimateDifference } from './best-estimate.ts';

export interface ReviewRule {
  /** The least estimated rise in training pass rate (0.015 = 1.5 points) that rolls a change back. */
  margin: number;
  /** The least rise in posterior standard deviations of the rise. */
  sd: number;
}

export const REVIEW_RULE: ReviewRule = { margin: 0.015, sd: 0.5 };

export interface ReviewedChange {
  /** The change (`<iteration made>/<id>`, best-estimate.ts's changeKey). */
  change: string;
  /** The estimated training pass rate of the harness without the change, less the harness's. */
  rise: number;
  /** The posterior standard deviation of that rise. */
  sd: number;
}

export interface Review {
  rule: string;
  margin: number;
  sd_factor: number;
  /** Every change reviewed, with its estimate (in the order given). */
  reviewed: ReviewedChange[];
  /** The change to roll back, if any: the largest rise that meets the rule. */
  rollback: ReviewedChange | null;
}

export const REVIEW_RULE_TEXT =
  'the harness without the change against the harness, by the change-attribution posterior over every evaluation of the run (best-estimate.ts): rolled back when the estimated rise in training pass rate is at least the margin and at least sd_factor posterior standard deviations';

/**
 * Reviews `candidates` (changes active in the harness `active`, each reviewable: not just judged, not
 * overwritten by a later change) on every evaluation so far; `tasks` are the training tasks.
 */
export function reviewKept(
  evaluated: readonly EvaluatedHarness[],
  active: readonly string[],
  candidates: readonly string[],
  tasks: readonly string[],
  rule: ReviewRule = REVIEW_RULE,
): Review {
  const base = { rule: REVIEW_RULE_TEXT, margin: rule.margin, sd_factor: rule.sd };
  if (candidates.length === 0 || evaluated.length === 0) return { ...base, reviewed: [], rollback: null };
  const now = evaluated.length;
  const harnesses: EvaluatedHarness[] = [
    ...evaluated,
    { iteration: -1, active, outcomes: {} },
    ...candidates.map((key) => ({ iteration: -1, active: active.filter((k) => k !== key), outcomes: {} })),
  ];
  const differences = estimateDifference(
    harnesses,
    tasks,
    candidates.map((_, i) => [now + 1 + i, now] as const),
  );
  const reviewed = candidates.map((change, i) => ({ change, rise: differences[i]!.mean, sd: differences[i]!.sd }));
  let rollback: ReviewedChange | null = null;
  for (const r of reviewed)
    if (r.rise >= rule.margin && r.rise >= rule.sd * r.sd && r.rise > (rollback?.rise ?? Number.NEGATIVE_INFINITY))
      rollback = r;
  return { ...base, reviewed, rollback };
}

/**
 * The changes of `active` (oldest first) the review may roll back: not among those the gate has just
 * judged, and none of whose files a later active change also wrote (reverting it would undo the later one).
 */
export function reviewable(
  active: readonly string[],
  judged: ReadonlySet<string>,
  filesOf: (change: string) => readonly string[],
): string[] {
  return active.filter((key, i) => {
    if (judged.has(key)) return false;
    const paths = filesOf(key);
    return active.slice(i + 1).every((later) => {
      const laterPaths = new Set(filesOf(later));
      return paths.every((p) => !laterPaths.has(p));
    });
  });
}
