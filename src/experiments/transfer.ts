// `ahe transfer` at the library level: does the evolved harness carry over? The run's seed and best
// harnesses evaluated on another model and/or task suite, one job each under RUN/transfer/<name>/jobs/
// {seed,best}/, and RUN/transfer/<name>/transfer.json + transfer.md: pass@1 of each with its 95%
// interval, the paired test of best against seed, tokens per trial and per solved task (the
// efficiency claim: the same score for fewer tokens is a gain too), and the per-task flips.
import { basename, join } from 'node:path';
import type { TaskChange } from '../bench/compare-jobs.ts';
import type { JobResult } from '../bench/job-summary.ts';
import { UserError } from '../errors.ts';
import { shownModel } from '../report/shown.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { type ExperimentEvaluation, evaluateVariants, type VariantStatus } from './evaluate-variants.ts';
import { UNRECORDED_SPEND_FILE } from './experiment-spend.ts';
import { type ExperimentRun, exportSeed, type Suite } from './open-run.ts';
import {
  formatCount,
  formatPaired,
  formatPass,
  formatUsd,
  type PairedResult,
  pairJobs,
  scoreJob,
  type VariantScore,
} from './variant-stats.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** RUN/transfer/<name>: the name given (checked), else one made of the model and, when given, the tasks' folder. */
export function transferName(given: string | undefined, model: string, tasksDir: string | undefined): string {
  if (given !== undefined) {
    if (!NAME.test(given))
      throw new UserError(`--name ${JSON.stringify(given)}: 1–100 letters, digits, '.', '_' or '-' (a directory name)`);
    return given;
  }
  const colon = model.indexOf(':');
  const provider = colon > 0 ? model.slice(0, colon) : '';
  const rest = colon > 0 ? model.slice(colon + 1) : model;
  // A scripted or replay model names a file: its base name says which.
  const what = rest.includes('/') ? basename(rest) : rest;
  const raw = [provider, what].filter(Boolean).join('-') + (tasksDir ? `__${basename(tasksDir)}` : '');
  return (
    raw
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 100) || 'transfer'
  );
}

export const transferDir = (runDir: string, name: string) => join(runDir, 'transfer', name);

export interface TransferSide {
  harness: string;
  job: string;
  status: VariantStatus;
  score: VariantScore | null;
}

export interface TransferReport {
  version: 1;
  run: string;
  name: string;
  best_iteration: number | null;
  /** The model the run evolved with, and its best training pass@1 there, for reference. */
  run_model: string;
  run_best_pass_at_1: number | null;
  model: string;
  tasks: { dir: string; source: Suite['source']; names: string[] };
  k: number;
  backend: string;
  seed: TransferSide;
  best: TransferSide;
  /** Best relative to seed, paired over the common tasks; flips listed per task. */
  best_vs_seed: PairedResult | null;
  /** Best's tokens per solved task ÷ seed's (below 1: the best solves tasks for fewer tokens). */
  tokens_per_solved_ratio: number | null;
  spent: { tokens: number; cost_usd: number | null };
  complete: boolean;
  stopped: string | null;
}

export type TransferOptions = ExperimentEvaluation & {
  run: ExperimentRun;
  name: string;
  suite: Suite;
  costKnown: boolean;
};

/** Exports the seed and returns the two jobs of a transfer (also what --estimate-only counts). */
export async function planTransfer(run: ExperimentRun, name: string) {
  const dir = transferDir(run.runDir, name);
  const seedDir = join(dir, 'harnesses', 'seed');
  await exportSeed(run, seedDir);
  return {
    dir,
    jobs: [
      { name: 'seed', harnessDir: seedDir, jobDir: join(dir, 'jobs', 'seed') },
      { name: 'best', harnessDir: run.bestDir, jobDir: join(dir, 'jobs', 'best') },
    ],
  };
}

export async function runTransfer(
  options: TransferOptions,
): Promise<{ report: TransferReport; markdown: string; interrupted: boolean }> {
  const { dir, jobs } = await planTransfer(options.run, options.name);
  const outcome = await evaluateVariants({ ...options, jobs, spendFile: join(dir, UNRECORDED_SPEND_FILE) });
  const side = (name: string): { side: TransferSide; result?: JobResult } => {
    const o = outcome.outcomes.find((x) => x.name === name)!;
    const result = o.status === 'complete' ? o.result : undefined;
    return {
      side: {
        harness: jobs.find((j) => j.name === name)!.harnessDir,
        job: o.jobDir,
        status: o.status,
        score: result ? scoreJob(result) : null,
      },
      result,
    };
  };
  const seed = side('seed');
  const best = side('best');
  const ratio =
    seed.side.score?.tokens_per_solved_task && best.side.score?.tokens_per_solved_task
      ? best.side.score.tokens_per_solved_task / seed.side.score.tokens_per_solved_task
      : null;
  const report: TransferReport = {
    version: 1,
    run: options.run.runDir,
    name: options.name,
    best_iteration: options.run.state.best?.iteration ?? null,
    run_model: options.run.config.model,
    run_best_pass_at_1: options.run.state.best?.pass_at_1 ?? null,
    model: options.model,
    tasks: { dir: options.suite.dir, source: options.suite.source, names: options.tasks.map((t) => t.name).sort() },
    k: options.k,
    backend: options.backend,
    seed: seed.side,
    best: best.side,
    best_vs_seed: seed.result && best.result ? pairJobs('seed', seed.result, best.result) : null,
    tokens_per_solved_ratio: ratio,
    spent: {
      tokens: outcome.spent.promptTokens + outcome.spent.completionTokens,
      cost_usd: options.costKnown ? outcome.spent.costUsd : null,
    },
    complete: outcome.outcomes.every((o) => o.status === 'complete'),
    stopped: outcome.stopped ?? (outcome.interrupted ? 'interrupted' : null),
  };
  const markdown = renderTransfer(report);
  writeJsonAtomic(join(dir, 'transfer.json'), report);
  writeFileAtomic(join(dir, 'transfer.md'), markdown);
  return { report, markdown, interrupted: outcome.interrupted };
}

const flipLine = (t: TaskChange) => `| ${t.task} | ${t.change} | ${t.a.c}/${t.a.n} | ${t.b.c}/${t.b.n} |`;

export function renderTransfer(r: TransferReport): string {
  const sideRow = (label: string, s: TransferSide) => {
    const x = s.score;
    return `| **${label}** | ${x ? formatPass(x) : `– (${s.status})`} | ${x ? formatCount(x.tokens_per_trial) : '–'} | ${x ? formatCount(x.tokens_per_solved_task) : '–'} | ${x ? formatUsd(x.cost_usd) : '–'} |`;
  };
  const p = r.best_vs_seed;
  const lines = [
    `# Transfer ${r.name} of ${r.run}`,
    '',
    `The run evolved its best harness (iteration ${r.best_iteration ?? '?'}) with ${shownModel(r.run_model)}${r.run_best_pass_at_1 === null ? '' : ` (training pass@1 ${(r.run_best_pass_at_1 * 100).toFixed(1)}%)`}. Here: model ${shownModel(r.model)}, ${r.tasks.names.length} tasks from ${r.tasks.dir} (${r.tasks.source}), k=${r.k}, backend ${r.backend}.`,
    '',
    r.complete
      ? 'Both harnesses were measured completely.'
      : `**Incomplete** (${r.stopped ?? 'some trials are missing'}): run the same command again to continue.`,
    '',
    '| harness | pass@1 [95% CI] | tokens/trial | tokens/solved task | cost |',
    '|---|---|---|---|---|',
    sideRow('seed', r.seed),
    sideRow('best', r.best),
    '',
  ];
  if (p) {
    lines.push(
      `**best − seed**: ${formatPaired(p)} over ${p.n_tasks} common tasks (paired sign-flip test; one comparison, no correction). ` +
        `${p.counts.fixed} fixed, ${p.counts.regressed} regressed, ${p.counts.improved} improved, ${p.counts.worsened} worsened, ${p.counts.unchanged} unchanged.`,
    );
    if (r.tokens_per_solved_ratio !== null)
      lines.push(
        '',
        `Tokens per solved task, best ÷ seed: ${r.tokens_per_solved_ratio.toFixed(2)} (${r.tokens_per_solved_ratio < 1 ? 'the best harness solves tasks for fewer tokens' : r.tokens_per_solved_ratio > 1 ? 'the best harness spends more per solved task' : 'the same'}).`,
      );
    if (p.flips.length)
      lines.push('', '| task | change | seed passed | best passed |', '|---|---|---|---|', ...p.flips.map(flipLine));
    else lines.push('', 'No task changed between seed and best.');
  }
  lines.push('', `Spent: ${formatCount(r.spent.tokens)} tokens, ${formatUsd(r.spent.cost_usd)}.`, '');
  return lines.join('\n');
}
