// `ahe ablate` at the library level: evaluates an ablation's variants (plan-ablation.ts) on the same
// tasks, model and k, one job each under RUN/ablation/jobs/<variant>/, and writes RUN/ablation/
// ablation.json and ablation.md: per variant pass@1 with its 95% interval, the paired difference
// against the seed and against the best with Holm's correction within each of those two families,
// tokens per trial and per solved task, cost; the types the best did not change, and the variants
// that do not validate with the validator's reason. Written after every invocation, also one a
// budget or Ctrl-C stopped (then marked incomplete), so what was measured is always readable.
import { join } from 'node:path';
import type { JobResult } from '../bench/job-summary.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import type { AblationType } from './compose-harness.ts';
import { type ExperimentEvaluation, evaluateVariants, type VariantStatus } from './evaluate-variants.ts';
import { UNRECORDED_SPEND_FILE } from './experiment-spend.ts';
import type { ExperimentRun, Suite } from './open-run.ts';
import { type AblationPlan, evaluatedVariants, type PlannedVariant, variantJobDir } from './plan-ablation.ts';
import { renderAblation } from './render-ablation.ts';
import { holmFamily, type PairedResult, pairJobs, scoreJob, type VariantScore } from './variant-stats.ts';

export interface AblationVariant {
  name: string;
  label: string;
  kind: PlannedVariant['kind'];
  type: AblationType | null;
  harness: string;
  /** evaluated: measured completely; same: identical files to `same_as`, whose job it reads; invalid: not evaluated. */
  status: 'evaluated' | 'same' | 'invalid' | VariantStatus;
  invalid_reason?: string[];
  same_as?: string;
  job: string | null;
  score: VariantScore | null;
  vs_seed: PairedResult | null;
  vs_best: PairedResult | null;
}

export interface AblationReport {
  version: 1;
  run: string;
  best_iteration: number | null;
  tasks: { dir: string; source: Suite['source']; names: string[] };
  model: string;
  k: number;
  backend: string;
  /** Per type, what the best changed relative to the seed (files, and `harness.yaml components.<kind>`). */
  changed: Record<AblationType, string[]>;
  unchanged: AblationType[];
  untyped_changes: string[];
  variants: AblationVariant[];
  /** Which comparisons Holm's correction is applied over, per family. */
  holm_families: { vs_seed: string[]; vs_best: string[] };
  spent: { tokens: number; cost_usd: number | null };
  /** Every planned job measured completely. */
  complete: boolean;
  stopped: string | null;
}

export type AblateOptions = ExperimentEvaluation & {
  run: ExperimentRun;
  plan: AblationPlan;
  suite: Suite;
  /** False when the model's price is unknown: costs read `$?`. */
  costKnown: boolean;
};

export interface AblationOutcome {
  report: AblationReport;
  markdown: string;
  interrupted: boolean;
}

export async function runAblation(options: AblateOptions): Promise<AblationOutcome> {
  const { plan } = options;
  const dir = plan.dir;
  const jobs = evaluatedVariants(plan).map((v) => ({
    name: v.name,
    harnessDir: v.harnessDir,
    jobDir: variantJobDir(plan.dir, v.name),
  }));
  const outcome = await evaluateVariants({ ...options, jobs, spendFile: join(dir, UNRECORDED_SPEND_FILE) });
  const results = new Map<string, JobResult>();
  const status = new Map<string, VariantStatus>();
  for (const o of outcome.outcomes) {
    status.set(o.name, o.status);
    if (o.status === 'complete' && o.result) results.set(o.name, o.result);
  }
  const report = buildReport(options, results, status, outcome);
  const markdown = renderAblation(report);
  writeJsonAtomic(join(plan.dir, 'ablation.json'), report);
  writeFileAtomic(join(plan.dir, 'ablation.md'), markdown);
  return { report, markdown, interrupted: outcome.interrupted };
}

function buildReport(
  options: AblateOptions,
  results: Map<string, JobResult>,
  status: Map<string, VariantStatus>,
  outcome: Awaited<ReturnType<typeof evaluateVariants>>,
): AblationReport {
  const { plan, run, suite } = options;
  const own = (v: PlannedVariant) => v.sameAs ?? v.name;
  const seed = results.get('seed');
  const best = results.get(own(plan.variants.find((v) => v.name === 'best')!));
  const variants: AblationVariant[] = plan.variants.map((v) => {
    const result = v.invalid ? undefined : results.get(own(v));
    const compared = (against: string, base: JobResult | undefined) =>
      // A variant is not compared with itself, nor counted twice through a copy.
      result && base && !v.sameAs && v.name !== against && own(v) !== against ? pairJobs(against, base, result) : null;
    return {
      name: v.name,
      label: v.label,
      kind: v.kind,
      type: v.type ?? null,
      harness: v.harnessDir,
      status: v.invalid
        ? 'invalid'
        : v.sameAs
          ? 'same'
          : status.get(v.name) === 'complete'
            ? 'evaluated'
            : (status.get(v.name) ?? 'not run'),
      ...(v.invalid ? { invalid_reason: v.invalid } : {}),
      ...(v.sameAs ? { same_as: v.sameAs } : {}),
      job: v.invalid ? null : variantJobDir(plan.dir, own(v)),
      score: result ? scoreJob(result) : null,
      vs_seed: compared('seed', seed),
      vs_best: compared('best', best),
    };
  });
  const vsSeed = variants.flatMap((v) => (v.vs_seed ? [v.vs_seed] : []));
  const vsBest = variants.flatMap((v) => (v.vs_best ? [v.vs_best] : []));
  holmFamily(vsSeed);
  holmFamily(vsBest);
  const complete = evaluatedVariants(plan).every((v) => status.get(v.name) === 'complete');
  return {
    version: 1,
    run: run.runDir,
    best_iteration: run.state.best?.iteration ?? null,
    tasks: { dir: suite.dir, source: suite.source, names: options.tasks.map((t) => t.name).sort() },
    model: options.model,
    k: options.k,
    backend: options.backend,
    changed: plan.changed,
    unchanged: plan.unchanged,
    untyped_changes: plan.untyped,
    variants,
    holm_families: {
      vs_seed: variants.filter((v) => v.vs_seed).map((v) => v.name),
      vs_best: variants.filter((v) => v.vs_best).map((v) => v.name),
    },
    spent: {
      tokens: outcome.spent.promptTokens + outcome.spent.completionTokens,
      cost_usd: options.costKnown ? outcome.spent.costUsd : null,
    },
    complete,
    stopped: outcome.stopped ?? (outcome.interrupted ? 'interrupted' : null),
  };
}
