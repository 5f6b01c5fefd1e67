// Step 2: the held-out split, every --holdout-every iterations, at the last one, and when the target
// was reached. Its numbers never reach the evolve agent; they are only read against each other.

import { join } from 'node:path';
import { addSpend, ZERO_SPEND } from '../../model/usage.ts';
import { refuseMixedFallbackShares } from '../fallback-shares.ts';
import { readIterationUsage, recordIterationUsage } from '../iteration-usage.ts';
import { jobSpend } from '../job-spend.ts';
import { iterationDir } from '../run-state.ts';
import { evaluateComplete, type RunContext, reachedTarget, stepDone, summaryOf } from './context.ts';

export async function holdoutStep(ctx: RunContext, n: number): Promise<void> {
  const { config, runDir, holdout } = ctx;
  if (holdout.length && (n % config.holdout_every === 0 || n === config.iterations || reachedTarget(ctx, n))) {
    const jobDir = join(iterationDir(runDir, n), 'holdout-job');
    ctx.log(`iteration ${n}: evaluating ${holdout.length} held-out tasks × ${config.k}`);
    const result = await evaluateComplete(ctx, {
      split: 'holdout',
      jobDir,
      what: `iteration ${n}: held-out evaluation`,
      iteration: n,
    });
    // The held-out numbers are read against each other (the baseline's and the previous one's):
    // never across differing shares of fallback-model trials, as for training (fallback-shares.ts).
    const earlier = Array.from({ length: n }, (_, i) => i).filter((i) => summaryOf(runDir, i, 'holdout-job'));
    refuseMixedFallbackShares({
      jobDir,
      current: result,
      others: [...new Set([earlier[0], earlier.at(-1)])].flatMap((i) =>
        i === undefined ? [] : [{ label: `iteration ${i}`, summary: summaryOf(runDir, i, 'holdout-job')! }],
      ),
      what: `iteration ${n}: held-out evaluation`,
      runDir,
    });
    const training = readIterationUsage(runDir, n).coding ?? ZERO_SPEND;
    recordIterationUsage(runDir, n, 'coding', addSpend(training, jobSpend(result, jobDir)));
    const pct = (x: number) => (x * 100).toFixed(1);
    ctx.log(
      `iteration ${n}: held-out pass@1 ${pct(result.pass_at_1)}% (95% CI ${pct(result.ci95[0])}–${pct(result.ci95[1])}%)`,
    );
  }
  stepDone(ctx, 'holdout');
}
