// Step 4: iteration N−1's change manifest judged on this evaluation — each change's predicted fixes and
// risks against the tasks that moved (attribution.ts), and the run's prediction quality so far.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compareJobs } from '../../bench/compare-jobs.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import { attributeManifest, type ManifestAttribution, runPredictionQuality } from '../attribution.ts';
import { baselineOutcomes } from '../eval-policy.ts';
import { readManifest } from '../manifest.ts';
import { newEvalPolicyAdvice } from '../policy-advice.ts';
import { trainHistory, trainOutcomes } from '../policy-views.ts';
import { iterationDir } from '../run-state.ts';
import { type RunContext, readJson, stepDone } from './context.ts';

/** The attributions of iterations 1..upTo that have one. */
function collectAttributions(runDir: string, upTo: number): ManifestAttribution[] {
  const out: ManifestAttribution[] = [];
  for (let i = 1; i <= upTo; i++) {
    const file = join(iterationDir(runDir, i), 'attribution.json');
    if (existsSync(file)) out.push(readJson<ManifestAttribution>(file));
  }
  return out;
}

export async function attributionStep(ctx: RunContext, n: number): Promise<void> {
  const { runDir } = ctx;
  const manifestFile = join(iterationDir(runDir, n - 1), 'change_manifest.json');
  const reading = n > 0 && existsSync(manifestFile) ? readManifest(manifestFile) : undefined;
  if (reading?.ok && reading.manifest.changes.length) {
    // Each task against its baseline under the run's policy (the previous iteration under fixed).
    const comparison = compareJobs(
      baselineOutcomes(ctx.config.eval_policy, trainHistory(runDir, n)),
      trainOutcomes(runDir, n)!,
    );
    const attribution = attributeManifest(reading.manifest, comparison);
    const earlier = collectAttributions(runDir, n - 1);
    const quality = runPredictionQuality(earlier.concat(attribution));
    writeJsonAtomic(join(iterationDir(runDir, n), 'attribution.json'), {
      ...attribution,
      run_prediction_quality: quality,
    });
    ctx.log(
      `iteration ${n}: attribution of iteration ${n - 1}: ${attribution.changes.map((c) => `${c.id} ${c.verdict}`).join(', ')}`,
    );
    // Said once, when the run's predictions first turn out too poor for adaptive evaluation (policy-advice.ts).
    const advice = newEvalPolicyAdvice(ctx.config.eval_policy, runPredictionQuality(earlier), quality);
    if (advice) ctx.log(`iteration ${n}: note: ${advice}`);
  }
  stepDone(ctx, 'attribution');
}
