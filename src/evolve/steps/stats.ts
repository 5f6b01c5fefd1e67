// Step 3: RUN/iterations/N/stats.json — the training score against the previous iteration and the best
// one (paired, over the tasks both measured), and the held-out score when this iteration has one.

import { join } from 'node:path';
import type { JobSummary } from '../../bench/job-summary.ts';
import type { TaskOutcome } from '../../bench/stats.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import { baselineOutcomes, bestComparand, carriedOutcomes } from '../eval-policy.ts';
import { type IterationStats, iterationStats, jobDelta } from '../iteration-stats.ts';
import { asSummaryTasks, trainHistory } from '../policy-views.ts';
import { iterationDir } from '../run-state.ts';
import { type RunContext, stepDone, summaryOf } from './context.ts';

/** The training statistics of iteration n under the run's evaluation policy. */
function trainStats(ctx: RunContext, n: number): IterationStats {
  const { runDir, state } = ctx;
  const measured = summaryOf(runDir, n, 'job')!;
  const history = Array.from({ length: n }, (_, i) => summaryOf(runDir, i, 'job')).filter(
    (s): s is JobSummary => s !== undefined,
  );
  const bestSummary =
    state.best && state.best.iteration < n ? summaryOf(runDir, state.best.iteration, 'job')! : undefined;
  if (ctx.config.eval_policy === 'fixed')
    return iterationStats({
      current: measured,
      previous: n > 0 ? summaryOf(runDir, n - 1, 'job') : undefined,
      best: bestSummary && { iteration: state.best!.iteration, summary: bestSummary },
      history,
    });
  // Adaptive: the score is over every training task (the tasks not run keep their last outcome),
  // the change against each task's pooled recent outcomes, the best against its own state then.
  const before = trainHistory(runDir, n);
  const now = trainHistory(runDir, n + 1);
  const withTasks = (tasks: Record<string, TaskOutcome>) => ({ ...measured, tasks: asSummaryTasks(tasks) });
  const stats = iterationStats({
    current: withTasks(bestComparand('adaptive', now, {})),
    best: bestSummary && {
      iteration: state.best!.iteration,
      summary: withTasks(carriedOutcomes(trainHistory(runDir, state.best!.iteration + 1))),
    },
    history,
  });
  if (n > 0) stats.vs_previous = jobDelta(asSummaryTasks(baselineOutcomes('adaptive', before)), measured.tasks);
  return stats;
}

export async function statsStep(ctx: RunContext, n: number): Promise<void> {
  const held = summaryOf(ctx.runDir, n, 'holdout-job');
  writeJsonAtomic(join(iterationDir(ctx.runDir, n), 'stats.json'), {
    iteration: n,
    train: trainStats(ctx, n),
    holdout: held ? { pass_at_1: held.pass_at_1, ci95: held.ci95, stderr: held.stderr, n_tasks: held.n_tasks } : null,
  });
  stepDone(ctx, 'stats');
}
