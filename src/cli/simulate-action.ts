// `ahe simulate` at work: loads the scenario and the seed harness, runs the evolutions of each policy,
// prints a table (or JSON lines) of what each policy cost and decided.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundledPath } from '../bundled-path.ts';
import { UserError } from '../errors.ts';
import type { EvalPolicy } from '../evolve/eval-policy.ts';
import { ADVICE_LOW_PRECISION } from '../evolve/policy-advice.ts';
import { REVIEW_RULE } from '../evolve/review-kept.ts';
import { readHarnessFiles } from '../sim/draw.ts';
import { loadScenario } from '../sim/scenario.ts';
import { type PolicySummary, simulatePolicy } from '../sim/simulate.ts';
import type { SimulateFlags } from './simulate-command.ts';
import { table } from './table.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

export async function simulateCommand(file: string, flags: SimulateFlags): Promise<void> {
  const scenario = loadScenario(file);
  if (flags.harness && !existsSync(join(flags.harness, 'harness.yaml')))
    throw new UserError(
      `--harness ${flags.harness}: not a harness (no harness.yaml); the effects are matched against its files`,
    );
  const seedHarness = readHarnessFiles(flags.harness ?? bundledPath('harnesses/seed'));
  const iterations = flags.iterations ?? Math.max(1, scenario.candidates.length);
  const summaries: PolicySummary[] = [];
  for (const policy of [...new Set(flags.policy)] as EvalPolicy[]) {
    const { details: _details, ...summary } = await simulatePolicy(
      {
        scenario,
        seedHarness,
        policy,
        iterations,
        k: flags.k,
        holdoutEvery: flags.holdoutEvery,
        seed: flags.seed,
        ...(flags.reviewKept ? { reviewKept: REVIEW_RULE } : {}),
      },
      flags.runs,
    );
    summaries.push(summary);
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  if (flags.json) return;
  const base = summaries.find((s) => s.policy === 'fixed');
  process.stdout.write(
    `${scenario.file}: ${Object.keys(scenario.tasks).length} training + ${Object.keys(scenario.holdout).length} held-out tasks, ${iterations} iterations, k=${flags.k}, ${flags.runs} runs from seed ${flags.seed ?? scenario.seed}${flags.reviewKept ? ', kept changes reviewed after each gate' : ''}\n\n`,
  );
  process.stdout.write(
    `${table([
      [
        'policy',
        'rollouts / evolution',
        'decision accuracy',
        'harmful kept (all runs)',
        'good rolled back (all runs)',
        'no-effect decisions',
        'final true train',
        'final true held-out',
        'prediction precision',
        ...(flags.reviewKept ? ['review rollbacks / run'] : []),
      ],
      ...summaries.map((s) => [
        s.policy,
        `${s.rollouts_mean.toFixed(1)}${base && s !== base ? ` (${((s.rollouts_mean / base.rollouts_mean) * 100).toFixed(0)}%)` : ''}`,
        `${pct(s.decision_accuracy)} of ${s.decisions}`,
        `${s.harmful_kept} (${(s.harmful_kept / s.runs).toFixed(2)} / run)`,
        `${s.beneficial_rolled_back} (${(s.beneficial_rolled_back / s.runs).toFixed(2)} / run)`,
        String(s.zero_effect_decisions),
        pct(s.final_true_train),
        pct(s.final_true_holdout),
        `${pct(s.prediction_precision)} (${s.low_precision_runs} of ${s.runs} runs below ${ADVICE_LOW_PRECISION * 100}%)`,
        ...(s.review_rollbacks === null ? [] : [s.review_rollbacks.toFixed(2)]),
      ]),
    ])}\n`,
  );
}
