// Step 5: the gate rolls back harmful changes (and a significantly worse iteration) on the tests
// gate.json records, then chooses the best harness of the run so far by the estimate over every
// evaluation (best-estimate.ts) and exports it to RUN/best when the choice changed (it can move to an
// earlier iteration: later evaluations say more about the harnesses before them). With --review-kept,
// between the two, the review of kept changes (review-kept.ts) may roll back one change kept earlier.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import type { ManifestAttribution } from '../attribution.ts';
import { type BestChoice, chooseBest } from '../best-estimate.ts';
import { type AppliedRollback, applyGate, decideGate } from '../gate.ts';
import type { IterationStats } from '../iteration-stats.ts';
import { changesMade, evaluatedHarnesses, madeInByCommit, reviewRollbackAt } from '../policy-views.ts';
import { type Review, reviewable, reviewKept } from '../review-kept.ts';
import { iterationDir, type RunState, saveRunState } from '../run-state.ts';
import { type RunContext, readJson, stepDone } from './context.ts';

/** The state with the gate of iteration n's applied rollbacks recorded (one already recorded is not twice). */
function withRollbacks(state: RunState, n: number, applied: readonly AppliedRollback[]): RunState {
  const known = new Set(state.rollbacks.map((r) => r.commit));
  const records = applied
    .filter((a) => !known.has(a.commit))
    .map((a) => ({
      iteration: n,
      change_id: a.changeId,
      commit: a.commit,
      revert: a.revert,
      reason: a.reason,
      method: a.method,
    }));
  return { ...state, rollbacks: [...state.rollbacks, ...records] };
}

/** Applies the gate's decision on iteration n's attribution; returns the state with the new rollbacks. */
async function rollBack(ctx: RunContext, n: number, stats: IterationStats): Promise<RunState> {
  const dir = iterationDir(ctx.runDir, n);
  const attributionFile = join(dir, 'attribution.json');
  if (!existsSync(attributionFile)) {
    writeJsonAtomic(join(dir, 'gate.json'), {
      rollbacks: [],
      iterationRollback: false,
      reason: 'no changes to judge',
      kept: [],
      applied: [],
    });
    return ctx.state;
  }
  const attribution = readJson<ManifestAttribution>(attributionFile);
  const decision = decideGate({
    verdicts: attribution.changes
      .filter((c) => c.commit)
      .map((c) => ({
        id: c.id,
        verdict: c.verdict,
        commit: c.commit!,
        detail: c.reason,
        ...(c.harm_test ? { test: c.harm_test } : {}),
      })),
    paired: stats.vs_previous
      ? { meanDifference: stats.vs_previous.paired.meanDifference, pValue: stats.vs_previous.paired.pValue }
      : undefined,
  });
  await ctx.ws.discardUncommitted();
  const applied = await applyGate(ctx.ws, decision);
  writeJsonAtomic(join(dir, 'gate.json'), { ...decision, applied });
  if (applied.length)
    ctx.log(`iteration ${n}: rolled back ${applied.map((a) => a.changeId).join(', ')} — ${decision.reason}`);
  return withRollbacks(ctx.state, n, applied);
}

/**
 * With --review-kept: reviews the changes kept before this gate on every evaluation of iterations 0 … n,
 * rolls back the one the rule picks, and records the review in gate.json (`review`).
 */
async function reviewKeptChanges(ctx: RunContext, n: number): Promise<RunState> {
  if (!ctx.config.review_kept || n === 0) return ctx.state;
  const { runDir, ws } = ctx;
  // A gate step redone after a crash between saving its state and marking it done already holds this
  // review's rollback (of a change made before iteration n − 1: only the review undoes those at gate n).
  // The review is judged as before it, so it picks the same change and finds its revert, not a second one.
  const madeIn = madeInByCommit(runDir, n);
  const rollbacks = ctx.state.rollbacks.filter((r) => !reviewRollbackAt(r, n, madeIn));
  const made = changesMade(runDir, rollbacks, n);
  const active = made.filter((m) => m.from <= n && m.until > n);
  const files = new Map<string, string[]>();
  for (const m of active) files.set(m.key, await ws.changedFiles(`${m.commit}^`, m.commit));
  const judged = new Set(active.filter((m) => m.from === n).map((m) => m.key));
  const keys = active.map((m) => m.key);
  const review: Review = reviewKept(
    evaluatedHarnesses(runDir, rollbacks, n + 1),
    keys,
    reviewable(keys, judged, (key) => files.get(key) ?? []),
    ctx.train.map((t) => t.name),
  );
  const gateFile = join(iterationDir(runDir, n), 'gate.json');
  const gate = readJson<Record<string, unknown>>(gateFile);
  const points = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;
  const change = review.rollback ? active.find((m) => m.key === review.rollback!.change)! : undefined;
  if (!change || !review.rollback) {
    writeJsonAtomic(gateFile, { ...gate, review });
    return ctx.state;
  }
  const { rise, sd } = review.rollback;
  const reason = `review of kept changes: the harness without ${change.id} (made in iteration ${change.from - 1}) is estimated ${points(rise)} points higher (posterior sd ${(sd * 100).toFixed(1)}) over every evaluation so far (rule: at least ${(review.margin * 100).toFixed(1)} points and ${review.sd_factor} sd)`;
  await ws.discardUncommitted();
  const applied = await applyGate(ws, {
    rollbacks: [
      {
        changeId: change.id,
        commit: change.commit,
        reason,
        test: { rule: review.rule, rise, sd, margin: review.margin, sd_factor: review.sd_factor },
      },
    ],
    iterationRollback: false,
    reason,
    kept: [],
  });
  writeJsonAtomic(gateFile, { ...gate, review: { ...review, applied } });
  ctx.log(`iteration ${n}: rolled back ${change.id} — ${reason}`);
  return withRollbacks(ctx.state, n, applied);
}

/** The best harness of iterations 0 … n by the estimate over all their evaluations (best-estimate.ts). */
export function bestOfRun(runDir: string, rollbacks: RunState['rollbacks'], n: number) {
  const harnesses = evaluatedHarnesses(runDir, rollbacks, n + 1);
  if (harnesses.length === 0) return undefined;
  const tasks = [...new Set(harnesses.flatMap((h) => Object.keys(h.outcomes)))].sort();
  return chooseBest(harnesses, tasks);
}

/** Records the choice as the run's best, exporting its harness to RUN/best when the choice changed. */
export async function exportBest(ctx: RunContext, n: number, choice: BestChoice): Promise<RunState> {
  const { runDir, ws } = ctx;
  const state = ctx.state;
  const i = choice.iteration;
  if (i === state.best?.iteration) return { ...state, best: { ...state.best, estimate: choice.estimate } };
  const ref = await ws.resolveRef(`iter-${i}`);
  await ws.exportTo(ref, join(runDir, 'best'));
  const passAt1 = readJson<{ train: IterationStats }>(join(iterationDir(runDir, i), 'stats.json')).train.pass_at_1;
  ctx.log(
    `iteration ${n}: best harness is iteration ${i} (estimated train pass rate ${(choice.estimate * 100).toFixed(1)}% over every evaluation; its own train pass@1 ${(passAt1 * 100).toFixed(1)}%) → ${join(runDir, 'best')}`,
  );
  return { ...state, best: { iteration: i, pass_at_1: passAt1, ref, estimate: choice.estimate } };
}

export async function gateStep(ctx: RunContext, n: number): Promise<void> {
  const stats = readJson<{ train: IterationStats }>(join(iterationDir(ctx.runDir, n), 'stats.json')).train;
  ctx.state = await rollBack(ctx, n, stats);
  ctx.state = await reviewKeptChanges(ctx, n);
  const choice = bestOfRun(ctx.runDir, ctx.state.rollbacks, n);
  if (choice) ctx.state = await exportBest(ctx, n, choice);
  saveRunState(ctx.runDir, ctx.state);
  stepDone(ctx, 'gate');
}
