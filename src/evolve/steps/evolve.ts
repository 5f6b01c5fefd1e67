// Step 7: the evolve agent (or --method's) changes the harness from the training split's evidence and
// writes its manifest (../evolve-step.ts). Its spend, and that of best-of-N candidate evaluations, goes
// to the iteration's ledger; an unreachable model stops the run resumably, its spend kept.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../../bench/job-summary.ts';
import { RunStoppedError } from '../../errors.ts';
import { addSpend, type Spend, ZERO_SPEND } from '../../model/usage.ts';
import { writeFileAtomic } from '../../trace/write-atomic.ts';
import { type ReadEvidenceOptions, readEvidenceInput } from '../evidence-input.ts';
import { runEvolveStep } from '../evolve-step.ts';
import { readSpendFile, recordIterationUsage, writeSpendFile } from '../iteration-usage.ts';
import { jobSpend } from '../job-spend.ts';
import { madeInByCommit, reviewRollbackAt } from '../policy-views.ts';
import { listEvidenceSections, renderEvidence } from '../render-evidence.ts';
import { iterationDir, type RunState } from '../run-state.ts';
import { budgetExceeded, evaluateComplete, modelFor, type RunContext, readJson, stepDone, stopAt } from './context.ts';

/** What iteration n's own evaluations (training, and held-out when it has one) spent, from their job files. */
function evaluationsSpend(runDir: string, n: number): Spend {
  return (['job', 'holdout-job'] as const).reduce((total, split) => {
    const file = join(iterationDir(runDir, n), split, 'result.json');
    return existsSync(file)
      ? addSpend(total, jobSpend(readJson<JobResult>(file), join(iterationDir(runDir, n), split)))
      : total;
  }, ZERO_SPEND);
}

/**
 * The rollbacks of iteration n's gate for the evidence: those of the changes iteration n − 1 made (or of
 * unknown origin), and (--review-kept) those of changes kept at earlier gates, with the iteration that made each.
 */
export function rollbacksForEvidence(
  runDir: string,
  rollbacks: RunState['rollbacks'],
  n: number,
): Pick<ReadEvidenceOptions, 'rolledBack' | 'reviewRolledBack'> {
  const madeIn = madeInByCommit(runDir, n);
  const now = rollbacks.filter((r) => r.iteration === n);
  return {
    rolledBack: now.filter((r) => !reviewRollbackAt(r, n, madeIn)).map((r) => ({ id: r.change_id, reason: r.reason })),
    reviewRolledBack: now
      .filter((r) => reviewRollbackAt(r, n, madeIn))
      .map((r) => ({ id: r.change_id, iteration: madeIn.get(r.commit)!, reason: r.reason })),
  };
}

export async function evolveStep(ctx: RunContext, n: number): Promise<void> {
  const { config, runDir, train, log } = ctx;
  const over = budgetExceeded(ctx);
  if (over) return stopAt(ctx, over);
  const dir = iterationDir(runDir, n);
  // The evidence of the training split only: held-out results never reach the evolve agent.
  const evidence = readEvidenceInput(runDir, n, {
    trainTasks: train.map((t) => t.name),
    bestIteration: ctx.state.best?.iteration,
    ...rollbacksForEvidence(runDir, ctx.state.rollbacks, n),
  });
  log(
    `iteration ${n}: ${config.method === 'ahe' ? `evolve agent${config.evolvers > 1 ? ` × ${config.evolvers}` : ''}` : config.method} (${config.evolve_model})`,
  );
  const result = await runEvolveStep({
    runDir,
    iteration: n,
    iterationDir: dir,
    workspace: ctx.ws,
    config,
    trainTasks: train,
    evidenceSections: listEvidenceSections(evidence),
    readEvidence: async (section) => renderEvidence(evidence, section),
    evolveModel: () => modelFor(ctx, config.evolve_model, 'evolver', { iteration: n }),
    evaluate: (harnessDir, jobDir, what) =>
      evaluateComplete(ctx, { split: 'train', jobDir, what, harnessDir, iteration: n }),
    signal: ctx.options.signal,
    log,
  });
  // Candidate evaluations (best-of-N) are coding spend: recomputed from the files, so a redone step never counts twice.
  if (result.evaluationUsage)
    recordIterationUsage(runDir, n, 'coding', addSpend(evaluationsSpend(runDir, n), result.evaluationUsage));
  // Earlier attempts of this step that stopped on an unreachable model spent tokens too: they are
  // kept apart (not in usage.json alone, which a crash after it would make count twice).
  const stoppedFile = join(dir, 'evolve', 'stopped-usage.json');
  // A method that keeps its own record of earlier attempts (the evolve agent's sessions, kept aside when
  // the step runs again) returns its whole spend.
  const spent = result.usageIsTotal ? result.usage : addSpend(readSpendFile(stoppedFile) ?? ZERO_SPEND, result.usage);
  if (result.unavailable && !result.usageIsTotal) writeSpendFile(stoppedFile, spent);
  recordIterationUsage(runDir, n, 'evolver', spent);
  if (result.unavailable)
    throw new RunStoppedError(
      `iteration ${n}: the evolve agent's model (${config.evolve_model}) could not be used: ${result.unavailable}; fix the model or provider, then continue with: ahe evolve --resume ${runDir}`,
    );
  writeFileAtomic(join(dir, 'diff.patch'), await ctx.ws.diff(`iter-${n}`, 'HEAD'));
  log(
    `iteration ${n}: ${result.skipped ? `skipped — ${result.skipped}` : `${result.manifest.changes.length} changes: ${result.manifest.changes.map((c) => `${c.id} (${c.component})`).join(', ') || 'none'}`}`,
  );
  stepDone(ctx, 'evolve');
}
