// Step 6: the debugger distils the training job's traces into RUN/iterations/N/debug (digests and an
// overview for the evolve agent). After the last iteration, or once the target is reached, the run ends here
// (an adaptive run after its final check, ./final-check.ts).

import { join } from 'node:path';
import { debugJob } from '../../debugger/debug-job.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import { appendSpendLine, ledgerFromIterations, readSpendLog, recordIterationUsage } from '../iteration-usage.ts';
import { iterationDir } from '../run-state.ts';
import { modelFor, pct, type RunContext, reachedTarget, stepDone, stopAt, trainScore } from './context.ts';
import { finalCheck } from './final-check.ts';

/** RUN/iterations/N/debug-calls.jsonl: what each of the debugger's model calls spent (appendSpendLine). */
export const DEBUG_CALLS_FILE = 'debug-calls.jsonl';

export async function debugStep(ctx: RunContext, n: number): Promise<void> {
  const { config, runDir } = ctx;
  const dir = iterationDir(runDir, n);
  const model = config.debug_model ? await modelFor(ctx, config.debug_model, 'debugger') : undefined;
  // Each analyst call is logged as it returns: a step run again after an interruption finds the answers
  // of the interrupted run cached (free in its ledger), and the log still counts what they cost, once.
  const calls = join(dir, DEBUG_CALLS_FILE);
  const result = await debugJob({
    jobDir: join(dir, 'job'),
    outDir: join(dir, 'debug'),
    model,
    concurrency: config.concurrency,
    signal: ctx.options.signal,
    onSpend: (spend, task) => appendSpendLine(calls, spend, { task }),
  });
  recordIterationUsage(runDir, n, 'debugger', readSpendLog(calls));
  // How much the debugger distilled: raw trace bytes → digest bytes → overview tokens (the paper: ~10M → ~10K tokens).
  writeJsonAtomic(join(dir, 'debug-stats.json'), {
    trials: result.digests.length,
    raw_bytes: result.digests.reduce((a, d) => a + d.stats.rawBytes, 0),
    digest_bytes: result.digests.reduce((a, d) => a + d.stats.digestBytes, 0),
    overview_tokens: result.written.overviewTokens,
  });
  ctx.log(
    `iteration ${n}: debugger report ${join(dir, 'debug', 'overview.md')} (${result.written.overviewTokens} tokens)`,
  );
  if (n < config.iterations && !reachedTarget(ctx, n)) return stepDone(ctx, 'debug');
  // An adaptive run spends what its budget has left on the two best harnesses before it ends.
  await finalCheck(ctx, n);
  stopAt(
    ctx,
    n >= config.iterations
      ? `all ${config.iterations} iterations done`
      : `target reached: train pass@1 ${pct(trainScore(ctx, n)!)} ≥ --target-pass-rate ${pct(config.target_pass_rate!)}`,
    { ...ctx.state, ledger: ledgerFromIterations(runDir, n) },
  );
}
