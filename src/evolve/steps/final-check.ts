// Adaptive's final check (final-check.ts), run by the debug step of the last iteration before the run
// ends: up to FINAL_CHECK_ROUNDS rounds, each planned from every evaluation so far (plan.json, written
// before its trials so that a resumed run runs the same ones) and run as one job per harness under
// RUN/iterations/N/final-check/round-<r>/iter-<i>/. The best harness is then chosen again with them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../../bench/job-summary.ts';
import { addSpend, ZERO_SPEND } from '../../model/usage.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import { adaptiveTrainBudget, measuredTrials } from '../eval-policy.ts';
import {
  FINAL_CHECK_ROUNDS,
  type FinalCheckRound,
  finalCheckBudget,
  finalCheckIteration,
  planFinalCheckRound,
} from '../final-check.ts';
import { recordIterationUsage } from '../iteration-usage.ts';
import { jobSpend } from '../job-spend.ts';
import { evaluatedHarnesses, finalCheckDir, finalCheckJobs, finalCheckTrials, trainHistory } from '../policy-views.ts';
import { iterationDir, saveRunState } from '../run-state.ts';
import { budgetExceeded, evaluateComplete, type RunContext, readJson } from './context.ts';
import { bestOfRun, exportBest } from './gate.ts';

export async function finalCheck(ctx: RunContext, n: number): Promise<void> {
  const { config, runDir } = ctx;
  if (config.eval_policy !== 'adaptive') return;
  // The run's own budgets (--budget-usd, --budget-tokens, --budget-minutes) come first.
  const over = budgetExceeded(ctx);
  if (over) {
    ctx.log(`iteration ${n}: no final check (${over})`);
    return;
  }
  const shape = {
    trainTasks: ctx.train.length,
    holdoutTasks: ctx.holdout.length,
    k: config.k,
    iterations: config.iterations,
    holdoutEvery: config.holdout_every,
  };
  const tasks = ctx.train.map((t) => t.name);
  // What the budget has left after every evaluation and every earlier final check (this one's included).
  const spentBefore = measuredTrials(trainHistory(runDir, n + 1)) + finalCheckTrials(runDir, n);
  const total = finalCheckBudget(adaptiveTrainBudget(shape) - spentBefore, shape);
  let left = total;
  let rounds = 0;
  for (let round = 0; round < FINAL_CHECK_ROUNDS; round++) {
    const dir = finalCheckDir(runDir, n, round);
    const planFile = join(dir, 'plan.json');
    let plan: FinalCheckRound | undefined;
    if (existsSync(planFile)) plan = readJson<FinalCheckRound>(planFile);
    else {
      plan = planFinalCheckRound(
        evaluatedHarnesses(runDir, ctx.state.rollbacks, n + 1),
        tasks,
        Math.floor(left / (FINAL_CHECK_ROUNDS - round)),
      );
      if (!plan) break;
      writeJsonAtomic(planFile, plan);
    }
    ctx.log(
      `iteration ${n}: final check ${round + 1}/${FINAL_CHECK_ROUNDS} (what adaptive's budget has left): iterations ${plan.iterations.join(' and ')} once more on ${plan.tasks.length} training tasks`,
    );
    for (const i of plan.iterations)
      await evaluateComplete(ctx, {
        split: 'train',
        jobDir: join(dir, `iter-${i}`),
        what: `iteration ${n}: final check, iteration ${i}'s harness`,
        harnessDir: join(iterationDir(runDir, i), 'harness'),
        iteration: finalCheckIteration(n, round),
        // Every training task named: one not in the plan runs 0 times (an absent one would run k times).
        attempts: Object.fromEntries(tasks.map((t) => [t, plan.tasks.includes(t) ? 1 : 0])),
      });
    left -= plan.iterations.length * plan.tasks.length;
    rounds++;
  }
  if (rounds === 0) {
    ctx.log(`iteration ${n}: no final check (${total < 2 ? 'nothing left of the budget' : 'one harness only'})`);
    return;
  }
  // Their spend is this iteration's coding spend, counted from the jobs each time (a resume adds nothing twice).
  const jobs = [
    { dir: join(iterationDir(runDir, n), 'job') },
    { dir: join(iterationDir(runDir, n), 'holdout-job') },
    ...finalCheckJobs(runDir, n).map((j) => ({ dir: j.jobDir })),
  ].filter((j) => existsSync(join(j.dir, 'result.json')));
  recordIterationUsage(
    runDir,
    n,
    'coding',
    jobs.reduce(
      (sum, j) => addSpend(sum, jobSpend(readJson<JobResult>(join(j.dir, 'result.json')), j.dir)),
      ZERO_SPEND,
    ),
  );
  const choice = bestOfRun(runDir, ctx.state.rollbacks, n);
  if (choice) {
    ctx.state = await exportBest(ctx, n, choice);
    saveRunState(runDir, ctx.state);
  }
}
