// Attribution: the evolve agent's predictions in change_manifest.json checked against what the next
// evaluation measured. Each change said which training tasks it should fix and which it might break;
// the per-task classification of the job before the changes against the job after them says what
// happened. Attribution is by prediction, not by causal proof: two changes predicting the same task
// both get the credit, and a regression nobody predicted is listed rather than pinned on a guess —
// except when one change is all the iteration changed (rule in verdictOf).
import type { JobComparison, TaskChange } from '../bench/compare-jobs.ts';
import { stratifiedLessPValue } from '../bench/stats.ts';
import type { Change, ChangeManifest } from './manifest.ts';

export const VERDICTS = ['EFFECTIVE', 'PARTIALLY_EFFECTIVE', 'INEFFECTIVE', 'MIXED', 'HARMFUL'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What attribution needs of a comparison: the per-task classification (compareJobs, before → after). */
export type TaskClassification = Pick<JobComparison, 'commonTasks' | 'tasks'>;

export interface ChangeAttribution {
  id: string;
  type: Change['type'];
  component: Change['component'];
  commit?: string;
  /** The change's predicted fixes that both jobs ran (deduplicated, sorted): the ones it can be judged on. */
  predicted_fixes: string[];
  /** Its risk tasks that both jobs ran. */
  risk_tasks: string[];
  /** predicted_fixes ∩ (fixed ∪ improved). */
  actually_fixed: string[];
  /** risk_tasks ∩ (regressed ∪ worsened). */
  risk_realised: string[];
  /** predicted_fixes − actually_fixed. */
  missed: string[];
  /** Predicted or risk tasks missing from either job: neither credited nor held against the change. */
  not_evaluated: string[];
  verdict: Verdict;
  /** The rule that gave the verdict, in words. */
  reason: string;
  /** The harm test a HARMFUL verdict (the one that rolls a change back) must pass; absent when no harm was in question. */
  harm_test?: HarmTest;
}

/**
 * A rollback rests on this test, not on raw counts: an exact one-sided test that the attempts after the
 * change succeeded less often than before, stratified by task (stats.ts stratifiedLessPValue: an exact
 * Cochran–Mantel–Haenszel test) over the tasks the change is judged on. One flipped attempt is never
 * significant (p = 0.5), so a good change is not reverted on noise; a task that went from 3 of 3 to 0 of 3,
 * or several tasks that each lost attempts, are.
 */
export interface HarmTest {
  rule: string;
  /** The tasks it was computed on (the change's predicted and risk tasks, or every task for a sole change). */
  tasks: string[];
  /** Tasks whose pass rate fell / rose. */
  worse: number;
  better: number;
  /** Mean over `tasks` of (rate after − rate before). */
  mean_difference: number;
  p_value: number;
  alpha: number;
  significant: boolean;
}

/** The significance level of the harm test (one-sided). */
export const HARM_ALPHA = 0.1;

/** The harm test over the given tasks of a comparison. */
export function harmTest(changes: readonly TaskChange[], rule: string, alpha = HARM_ALPHA): HarmTest {
  const rate = (o: { n: number; c: number }) => (o.n ? o.c / o.n : 0);
  const diffs = changes.map((t) => rate(t.b) - rate(t.a));
  const p = stratifiedLessPValue(
    changes.map((t) => t.a),
    changes.map((t) => t.b),
  );
  return {
    rule,
    tasks: changes.map((t) => t.task).sort(byName),
    worse: diffs.filter((d) => d < 0).length,
    better: diffs.filter((d) => d > 0).length,
    mean_difference: diffs.length ? diffs.reduce((a, b) => a + b, 0) / diffs.length : 0,
    p_value: p,
    alpha,
    significant: p < alpha,
  };
}

const fmtP = (t: HarmTest) =>
  `exact stratified test, one-sided p = ${t.p_value.toFixed(3)} ${t.significant ? '<' : '≥'} α = ${t.alpha}`;

export interface ManifestAttribution {
  /** The iteration whose manifest this is (its changes were evaluated by the next iteration). */
  iteration: number;
  changes: ChangeAttribution[];
  /** Every fixed or improved task of the comparison, sorted. */
  fixed_or_improved: string[];
  /** Every regressed or worsened task of the comparison, sorted. */
  regressed_or_worsened: string[];
  /** Fixed or improved tasks no change predicted. */
  unattributed_fixes: string[];
  /** Regressed or worsened tasks no change listed as a risk. */
  unattributed_regressions: string[];
}

const byName = (a: string, b: string) => a.localeCompare(b);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort(byName);

/**
 * The verdict of one change, from P = |predicted_fixes|, A = |actually_fixed|, R = |risk_realised|:
 * - R = 0: A = P > 0 → EFFECTIVE; 0 < A < P → PARTIALLY_EFFECTIVE; A = 0 (also when P = 0) → INEFFECTIVE.
 * - R > 0: A > 0 → MIXED; A = 0 → HARMFUL when the harm test over its predicted and risk tasks is
 *   significant, else INEFFECTIVE (the risk showed, but not beyond noise). This holds for a sole change too.
 * - Sole change: when the manifest has exactly one change, every per-task change of the iteration is
 *   taken as its effect: HARMFUL when the harm test over every task both evaluations ran is significant,
 *   whatever the rules above say; a sole change is never HARMFUL by the rules above alone.
 * HARMFUL is what the gate rolls back, so it always rests on a test (`harm_test`), never on counts.
 */
function verdictOf(
  a: { P: number; A: number; R: number },
  tests: { own?: HarmTest; sole?: HarmTest },
): { verdict: Verdict; reason: string; harm_test?: HarmTest } {
  const { sole, own } = tests;
  if (sole?.significant)
    return {
      verdict: 'HARMFUL',
      reason: `the only change of its iteration: ${sole.worse} task(s) worse against ${sole.better} better over ${sole.tasks.length} (${fmtP(sole)})`,
      harm_test: sole,
    };
  const { P, A, R } = a;
  if (R > 0 && A > 0)
    return {
      verdict: 'MIXED',
      reason: `${A} of ${P} predicted fix(es) happened and ${R} risk task(s) regressed or worsened`,
    };
  if (R > 0) {
    const test = own!;
    if (own?.significant)
      return {
        verdict: 'HARMFUL',
        reason: `none of ${P} predicted fix(es) happened and ${R} risk task(s) regressed or worsened (${fmtP(own)})`,
        harm_test: own,
      };
    return {
      verdict: 'INEFFECTIVE',
      reason: `none of ${P} predicted fix(es) happened; ${R} risk task(s) regressed or worsened, not beyond noise (${fmtP(test)}): kept`,
      harm_test: test,
    };
  }
  const withSole = (r: { verdict: Verdict; reason: string }) =>
    sole && sole.worse > sole.better
      ? {
          ...r,
          reason: `${r.reason}; as the only change, ${sole.worse} task(s) worse against ${sole.better} better, not beyond noise (${fmtP(sole)})`,
          harm_test: sole,
        }
      : r;
  if (P === 0) return withSole({ verdict: 'INEFFECTIVE', reason: 'no predicted fix to verify, and no risk realised' });
  if (A === P)
    return withSole({ verdict: 'EFFECTIVE', reason: `all ${P} predicted fix(es) happened, no risk realised` });
  if (A > 0)
    return withSole({
      verdict: 'PARTIALLY_EFFECTIVE',
      reason: `${A} of ${P} predicted fix(es) happened, no risk realised`,
    });
  return withSole({ verdict: 'INEFFECTIVE', reason: `none of ${P} predicted fix(es) happened, no risk realised` });
}

/** Checks each change of `manifest` against the classification of the job before it → the job after it. */
export function attributeManifest(manifest: ChangeManifest, comparison: TaskClassification): ManifestAttribution {
  const measured = new Set(comparison.commonTasks);
  const gained = new Set(
    comparison.tasks.filter((t) => t.change === 'fixed' || t.change === 'improved').map((t) => t.task),
  );
  const hurt = new Set(
    comparison.tasks.filter((t) => t.change === 'regressed' || t.change === 'worsened').map((t) => t.task),
  );
  const measuredChanges = comparison.tasks.filter((t) => measured.has(t.task));
  const sole =
    manifest.changes.length === 1
      ? harmTest(
          measuredChanges,
          'exact one-sided test over the attempts of every task both evaluations ran, stratified by task',
        )
      : undefined;

  const changes = manifest.changes.map((change): ChangeAttribution => {
    const predicted = sorted(change.predicted_fixes.filter((t) => measured.has(t)));
    const risk = sorted(change.risk_tasks.filter((t) => measured.has(t)));
    const actually_fixed = predicted.filter((t) => gained.has(t));
    const risk_realised = risk.filter((t) => hurt.has(t));
    const judged = new Set([...predicted, ...risk]);
    const own = risk_realised.length
      ? harmTest(
          measuredChanges.filter((t) => judged.has(t.task)),
          "exact one-sided test over the attempts of the change's predicted and risk tasks, stratified by task",
        )
      : undefined;
    const { verdict, reason, harm_test } = verdictOf(
      { P: predicted.length, A: actually_fixed.length, R: risk_realised.length },
      { own, sole },
    );
    return {
      id: change.id,
      type: change.type,
      component: change.component,
      ...(change.commit ? { commit: change.commit } : {}),
      predicted_fixes: predicted,
      risk_tasks: risk,
      actually_fixed,
      risk_realised,
      missed: predicted.filter((t) => !gained.has(t)),
      not_evaluated: sorted([...change.predicted_fixes, ...change.risk_tasks].filter((t) => !measured.has(t))),
      verdict,
      reason,
      ...(harm_test ? { harm_test } : {}),
    };
  });
  const predictedAny = new Set(manifest.changes.flatMap((c) => c.predicted_fixes));
  const riskAny = new Set(manifest.changes.flatMap((c) => c.risk_tasks));
  return {
    iteration: manifest.iteration,
    changes,
    fixed_or_improved: sorted(gained),
    regressed_or_worsened: sorted(hurt),
    unattributed_fixes: sorted([...gained].filter((t) => !predictedAny.has(t))),
    unattributed_regressions: sorted([...hurt].filter((t) => !riskAny.has(t))),
  };
}

export interface PredictionQuality {
  /** Σ|actually_fixed| / Σ|predicted_fixes| over every change; null when nothing was predicted. */
  precision: number | null;
  /**
   * Σ over manifests of |∪ actually_fixed of its changes| / Σ over manifests of |fixed ∪ improved|; null
   * when no task was fixed or improved. Manifests without changes are left out: what moved in an iteration
   * that changed nothing is noise, not a missed prediction.
   */
  recall: number | null;
  /** Σ|predicted_fixes| over changes (the precision denominator). */
  predicted: number;
  /** Σ|actually_fixed| over changes (the precision numerator). */
  actually_fixed: number;
  /** Σ over manifests of the fixed or improved tasks some change predicted (the recall numerator). */
  credited: number;
  /** Σ over manifests of |fixed ∪ improved| (the recall denominator). */
  fixed_or_improved: number;
  manifests: number;
  changes: number;
}

/** How well the evolve agent predicted its own effect over the run. */
export function runPredictionQuality(attributions: readonly ManifestAttribution[]): PredictionQuality {
  const withChanges = attributions.filter((a) => a.changes.length > 0);
  const all = withChanges.flatMap((a) => a.changes);
  const predicted = all.reduce((n, c) => n + c.predicted_fixes.length, 0);
  const actually_fixed = all.reduce((n, c) => n + c.actually_fixed.length, 0);
  const credited = withChanges.reduce((n, a) => n + new Set(a.changes.flatMap((c) => c.actually_fixed)).size, 0);
  const fixed_or_improved = withChanges.reduce((n, a) => n + a.fixed_or_improved.length, 0);
  return {
    precision: predicted ? actually_fixed / predicted : null,
    recall: fixed_or_improved ? credited / fixed_or_improved : null,
    predicted,
    actually_fixed,
    credited,
    fixed_or_improved,
    manifests: withChanges.length,
    changes: all.length,
  };
}
