// Step 1 of an iteration: the harness tagged iter-N on the training split, under the run's evaluation
// policy (eval-policy.ts), phase by phase. Each phase brings the same job directory up to its plan, so a
// resumed step never runs a finished trial again. Writes RUN/iterations/N/evaluation.json: the tasks ×
// attempts the iteration's decisions rest on.

import { join } from 'node:path';
import type { JobResult } from '../../bench/job-summary.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import { type BudgetLeft, budgetLeft, evaluateWithPolicy } from '../eval-policy.ts';
import { refuseMixedFallbackShares } from '../fallback-shares.ts';
import { recordIterationUsage } from '../iteration-usage.ts';
import { jobSpend } from '../job-spend.ts';
import { readManifest } from '../manifest.ts';
import { finalCheckTrials, focusOf, trainHistory } from '../policy-views.ts';
import { iterationDir } from '../run-state.ts';
import {
  budgetExceeded,
  evaluateComplete,
  type RunContext,
  stepDone,
  stopAt,
  summaryOf,
  trainScore,
} from './context.ts';

const withoutFinalChecks = (budget: BudgetLeft, trials: number): BudgetLeft => ({
  ...budget,
  remaining: budget.remaining - trials,
});

export async function evaluateStep(ctx: RunContext, n: number): Promise<void> {
  const { config, runDir, train, log } = ctx;
  const over = budgetExceeded(ctx);
  if (over) return stopAt(ctx, over);
  const dir = iterationDir(runDir, n);
  await ctx.ws.discardUncommitted();
  await ctx.ws.tag(`iter-${n}`);
  log(
    `iteration ${n}: evaluating ${train.length} training tasks × ${config.k}${config.eval_policy === 'adaptive' ? ' (adaptive: only where a decision can turn on them)' : ''}`,
  );
  let result: JobResult | undefined;
  const previousManifest = n > 0 ? readManifest(join(iterationDir(runDir, n - 1), 'change_manifest.json')) : undefined;
  const history = trainHistory(runDir, n);
  let phase = 0;
  let planned = 0;
  const evaluation = await evaluateWithPolicy(
    {
      policy: config.eval_policy,
      iteration: n,
      tasks: train.map((t) => t.name),
      k: config.k,
      history,
      focus: focusOf(previousManifest?.ok ? previousManifest.manifest : undefined),
      // Adaptive's budget: half of what fixed would run over the run, less what earlier evaluations ran
      // (and the final check of a run that was extended after it).
      budget: withoutFinalChecks(
        budgetLeft(
          {
            trainTasks: train.length,
            holdoutTasks: ctx.holdout.length,
            k: config.k,
            iterations: config.iterations,
            holdoutEvery: config.holdout_every,
          },
          history,
          n,
        ),
        finalCheckTrials(runDir, n),
      ),
    },
    async (attempts) => {
      // A later phase: a task stable so far came out against its history (eval-policy.ts, step 4).
      const wanted = Object.values(attempts).reduce((sum, a) => sum + a, 0);
      if (phase++ > 0)
        log(
          `iteration ${n}: phase ${phase} (a task stable so far came out against its history): ${wanted - planned} more trials`,
        );
      planned = wanted;
      result = await evaluateComplete(ctx, {
        split: 'train',
        jobDir: join(dir, 'job'),
        what: `iteration ${n}: training evaluation`,
        iteration: n,
        attempts,
      });
      return Object.fromEntries(Object.entries(result.tasks).map(([t, s]) => [t, { n: s.n, c: s.c }]));
    },
  );
  writeJsonAtomic(join(dir, 'evaluation.json'), {
    policy: config.eval_policy,
    rollouts: evaluation.rollouts,
    attempts: Object.fromEntries(Object.entries(evaluation.outcomes).map(([t, o]) => [t, o.n])),
    phases: evaluation.phases,
  });
  if (!result) throw new Error(`iteration ${n}: the evaluation policy ran no phase`);
  // Never compared with an evaluation whose share of fallback-model trials differs (fallback-shares.ts).
  refuseMixedFallbackShares({
    jobDir: join(dir, 'job'),
    current: result,
    others: [...new Set([n - 1, ctx.state.best?.iteration ?? -1])].flatMap((i) => {
      const summary = i >= 0 && i < n ? summaryOf(runDir, i, 'job') : undefined;
      return summary ? [{ label: `iteration ${i}`, summary }] : [];
    }),
    what: `iteration ${n}: training evaluation`,
    runDir,
  });
  recordIterationUsage(runDir, n, 'coding', jobSpend(result, join(dir, 'job')));
  await ctx.ws.exportTo(`iter-${n}`, join(dir, 'harness'));
  if (config.eval_policy === 'fixed' || n === 0)
    log(
      `iteration ${n}: train pass@1 ${(result.pass_at_1 * 100).toFixed(1)}% (95% CI ${(result.ci95[0] * 100).toFixed(1)}–${(result.ci95[1] * 100).toFixed(1)}%)`,
    );
  else
    log(
      `iteration ${n}: train pass@1 ${((trainScore(ctx, n) ?? 0) * 100).toFixed(1)}% over all ${train.length} tasks (${result.n_tasks} run this iteration, ${(result.pass_at_1 * 100).toFixed(1)}% of them; the others carry their last outcome)`,
    );
  stepDone(ctx, 'evaluate');
}
