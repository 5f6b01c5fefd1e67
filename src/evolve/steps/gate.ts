// Step 5: the gate rolls back harmful changes (and a significantly worse iteration) on the tests
// gate.json records, then the best-ever harness is exported to RUN/best when this iteration beats it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import type { ManifestAttribution } from '../attribution.ts';
import { applyGate, beatsBest, decideGate } from '../gate.ts';
import type { IterationStats } from '../iteration-stats.ts';
import { iterationDir, type RunState, saveRunState } from '../run-state.ts';
import { type RunContext, readJson, stepDone } from './context.ts';

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
  const known = new Set(ctx.state.rollbacks.map((r) => r.commit));
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
  if (applied.length)
    ctx.log(`iteration ${n}: rolled back ${applied.map((a) => a.changeId).join(', ')} — ${decision.reason}`);
  return { ...ctx.state, rollbacks: [...ctx.state.rollbacks, ...records] };
}

export async function gateStep(ctx: RunContext, n: number): Promise<void> {
  const { runDir, ws } = ctx;
  const stats = readJson<{ train: IterationStats }>(join(iterationDir(runDir, n), 'stats.json')).train;
  let next = await rollBack(ctx, n, stats);
  if (beatsBest(stats, next.best, n)) {
    const ref = await ws.resolveRef(`iter-${n}`);
    await ws.exportTo(ref, join(runDir, 'best'));
    next = { ...next, best: { iteration: n, pass_at_1: stats.pass_at_1, ref } };
    ctx.log(
      `iteration ${n}: best so far (train pass@1 ${(stats.pass_at_1 * 100).toFixed(1)}%) → ${join(runDir, 'best')}`,
    );
  }
  saveRunState(runDir, next);
  ctx.state = next;
  stepDone(ctx, 'gate');
}
