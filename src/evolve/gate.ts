// The gate: after an evaluation, which changes of the previous iteration are rolled back. A pure
// decision (decideGate) and its separate effect on the workspace (applyGate), so the rule is tested
// without git and the effect without statistics.
import type { HarmTest, Verdict } from './attribution.ts';
import type { RevertResult, Workspace } from './workspace.ts';

/** Attribution verdicts (docs/evolve.md, "Attribution and verdicts"), as attribution.ts gives them. */
export type GateVerdict = Verdict;

export interface ChangeVerdictInput {
  /** The change id of the manifest. */
  id: string;
  verdict: GateVerdict;
  /** The commit that made the change. */
  commit: string;
  /** Evidence for the verdict, e.g. `regressed: a, b; fixed: none`, copied into the rollback reason. */
  detail?: string;
  /** The harm test a HARMFUL verdict rests on (attribution.ts), copied into the rollback. */
  test?: HarmTest;
}

export interface GateInput {
  verdicts: readonly ChangeVerdictInput[];
  /** Paired difference of this evaluation minus the previous one on the training split; undefined when there is none. */
  paired: { meanDifference: number; pValue: number } | undefined;
  alpha?: number;
}

export interface GateRollback {
  changeId: string;
  commit: string;
  reason: string;
  /**
   * The test the rollback rests on: the change's harm test, the iteration's paired test, or (--review-kept,
   * review-kept.ts) the estimated rise in training pass rate without the change and its posterior sd.
   */
  test?:
    | HarmTest
    | { rule: string; mean_difference: number; p_value: number; alpha: number }
    | { rule: string; rise: number; sd: number; margin: number; sd_factor: number };
}

export interface GateDecision {
  rollbacks: GateRollback[];
  /** True when the whole iteration is rolled back because it is significantly worse. */
  iterationRollback: boolean;
  /** One sentence for the record: what was decided and why. */
  reason: string;
  /** Changes that stay, with their verdicts. */
  kept: { changeId: string; verdict: GateVerdict }[];
}

const fmt = (x: number) =>
  Number.isFinite(x) ? (Math.abs(x) < 0.001 && x !== 0 ? x.toExponential(2) : x.toFixed(3)) : String(x);
const signed = (x: number) => `${x > 0 ? '+' : ''}${fmt(x)}`;

/**
 * Rolls back every HARMFUL change; when the paired difference on the training split is negative with
 * p < alpha, rolls back every change of the iteration. MIXED, INEFFECTIVE and better verdicts stay
 * (a change that helped somewhere is kept unless the iteration as a whole is significantly worse).
 */
export function decideGate(input: GateInput): GateDecision {
  const alpha = input.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const { paired } = input;
  const significantDrop =
    paired !== undefined && paired.meanDifference < 0 && Number.isFinite(paired.pValue) && paired.pValue < alpha;
  const pairedText = paired
    ? `paired difference ${signed(paired.meanDifference)} (p = ${fmt(paired.pValue)} ${paired.pValue < alpha ? '<' : '≥'} α = ${alpha})`
    : 'no paired comparison';
  const harmfulReason = (v: ChangeVerdictInput) => `HARMFUL${v.detail ? `: ${v.detail}` : ''}`;
  const rollbacks: GateRollback[] = [];
  const kept: GateDecision['kept'] = [];
  for (const v of input.verdicts) {
    if (v.verdict === 'HARMFUL')
      rollbacks.push({
        changeId: v.id,
        commit: v.commit,
        reason: harmfulReason(v),
        ...(v.test ? { test: v.test } : {}),
      });
    else if (significantDrop)
      rollbacks.push({
        changeId: v.id,
        commit: v.commit,
        reason: `iteration rollback: ${pairedText} on the training split (verdict ${v.verdict})`,
        test: {
          rule: 'two-sided sign-flip permutation test of the paired difference on the training split',
          mean_difference: paired.meanDifference,
          p_value: paired.pValue,
          alpha,
        },
      });
    else kept.push({ changeId: v.id, verdict: v.verdict });
  }
  const harmful = input.verdicts.filter((v) => v.verdict === 'HARMFUL').map((v) => v.id);
  let reason: string;
  if (significantDrop) {
    reason = `the iteration is significantly worse on the training split: ${pairedText}; all ${input.verdicts.length} change(s) rolled back`;
  } else if (harmful.length) {
    reason = `${harmful.length} HARMFUL change(s) rolled back (${harmful.join(', ')}); ${pairedText}, not a significant drop`;
  } else {
    reason = `no HARMFUL change and no significant drop (${pairedText}): ${input.verdicts.length} change(s) kept`;
  }
  return { rollbacks, iterationRollback: significantDrop, reason, kept };
}

export interface AppliedRollback extends GateRollback {
  /** The commit that undid the change. */
  revert: string;
  method: RevertResult['method'];
  overwrittenCommits: string[];
  /** True when a revert of this commit was already in the history (a resumed gate), so none was made. */
  alreadyReverted: boolean;
}

/**
 * Reverts the decided changes, newest commit first (so older reverts apply onto the state they were
 * made on). Safe to re-run after a crash: a change already reverted is found by its revert commit's
 * `This reverts commit <sha>.` line and not reverted twice. The working tree must be clean.
 */
export async function applyGate(workspace: Workspace, decision: GateDecision): Promise<AppliedRollback[]> {
  const head = await workspace.head();
  const unique = [...new Map(decision.rollbacks.map((r) => [r.commit, r])).values()];
  const ordered = await Promise.all(
    unique.map(async (r) => ({
      r,
      sha: await workspace.resolveRef(r.commit),
      distance: await workspace.commitsBetween(r.commit, head),
    })),
  );
  ordered.sort((a, b) => a.distance - b.distance);
  const applied: AppliedRollback[] = [];
  for (const { r, sha } of ordered) {
    const existing = await workspace.findRevertOf(sha);
    if (existing) {
      applied.push({
        ...r,
        commit: sha,
        revert: existing,
        method: 'revert',
        overwrittenCommits: [],
        alreadyReverted: true,
      });
      continue;
    }
    const result = await workspace.revertCommit(sha, `rollback ${r.changeId}: ${r.reason}`);
    applied.push({
      ...r,
      commit: sha,
      revert: result.sha,
      method: result.method,
      overwrittenCommits: result.overwrittenCommits,
      alreadyReverted: false,
    });
  }
  return applied;
}
