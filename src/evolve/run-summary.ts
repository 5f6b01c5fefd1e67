// RUN/summary.md and RUN/summary.json: the run at a glance — the evaluation policy, per iteration the
// train score with its interval (under --eval-policy adaptive, which tasks and rollouts the iteration ran
// and whether its score carries earlier outcomes), the held-out score with its interval, the changes with
// their verdicts, rollbacks, and tokens and cost per role (coding, debugger, evolver) — plus the
// prediction quality of the evolve agent and, per component type, how many changes were proposed,
// validated, committed, kept and rolled back.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSummary } from '../bench/job-summary.ts';
import { formatUsd, formatUsdSum } from '../model/prices.ts';
import type { Spend } from '../model/usage.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import type { ManifestAttribution, PredictionQuality } from './attribution.ts';
import { componentOutcomes, outcomeTable } from './component-outcomes.ts';
import type { EvalPolicyName } from './eval-policy-names.ts';
import type { IterationStats } from './iteration-stats.ts';
import { encodeIterationUsage, type IterationUsage, readIterationUsage } from './iteration-usage.ts';
import type { ChangeManifest } from './manifest.ts';
import { evalPolicyAdvice } from './policy-advice.ts';
import { iterationDir, type Role, type RunState } from './run-state.ts';

type Interval = [number, number];

export interface IterationRow {
  iteration: number;
  /**
   * stats.json's train score, over every training task (`n_tasks`). Under --eval-policy adaptive,
   * `carried_tasks` of them were not run this iteration and keep their last measured outcome; `ci95` is
   * then over all `n_tasks` as if each were measured here, which is why summary.md does not show it.
   */
  train: { pass_at_1: number; ci95: Interval; n_tasks: number; carried_tasks: number } | null;
  holdout: { pass_at_1: number; ci95: Interval } | null;
  /**
   * What this iteration's training evaluation measured (evaluation.json, else its job's result.json): the
   * tasks with a measured attempt, the attempts (rollouts), and their own pass@1 over those tasks.
   */
  evaluation: { policy: EvalPolicyName; tasks_run: number; rollouts: number; pass_at_1: number } | null;
  changes: { id: string; component: string; predicted_fixes: string[] }[];
  verdicts: { id: string; verdict: string }[];
  rollbacks: string[];
  skipped?: string;
  usage: IterationUsage;
  /** Debugger compression of this iteration: raw trace bytes → digest bytes → overview tokens. */
  debugger?: { raw_bytes: number; digest_bytes: number; overview_tokens: number };
}

const readJson = <T>(file: string): T | undefined =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const withInterval = (s: { pass_at_1: number; ci95: Interval }) =>
  `${pct(s.pass_at_1)} (${pct(s.ci95[0])}–${pct(s.ci95[1])})`;
const tokens = (u?: Spend) => (u ? u.promptTokens + u.completionTokens : 0);

/** Iteration n's training evaluation as it ran: from evaluation.json (tasks × attempts), its job for the pass rate. */
function evaluationOf(dir: string, state: RunState): IterationRow['evaluation'] {
  const job = readJson<JobSummary>(join(dir, 'job', 'result.json'));
  if (!job) return null;
  const recorded = readJson<{ policy?: EvalPolicyName; rollouts?: number; attempts?: Record<string, number> }>(
    join(dir, 'evaluation.json'),
  );
  const attempts = recorded?.attempts ?? Object.fromEntries(Object.entries(job.tasks).map(([t, s]) => [t, s.n]));
  return {
    policy: recorded?.policy ?? state.config.eval_policy,
    tasks_run: Object.values(attempts).filter((a) => a > 0).length,
    rollouts: recorded?.rollouts ?? Object.values(attempts).reduce((sum, a) => sum + a, 0),
    pass_at_1: job.pass_at_1,
  };
}

export function collectRows(runDir: string, state: RunState): IterationRow[] {
  const rows: IterationRow[] = [];
  for (let n = 0; n <= state.iteration; n++) {
    const dir = iterationDir(runDir, n);
    if (!existsSync(dir)) continue;
    const stats = readJson<{ train: IterationStats; holdout: { pass_at_1: number; ci95: [number, number] } | null }>(
      join(dir, 'stats.json'),
    );
    const manifest = readJson<ChangeManifest & { skipped?: string }>(join(dir, 'change_manifest.json'));
    const attribution = readJson<ManifestAttribution>(join(dir, 'attribution.json'));
    const debugStats = readJson<{ raw_bytes: number; digest_bytes: number; overview_tokens: number }>(
      join(dir, 'debug-stats.json'),
    );
    const evaluation = evaluationOf(dir, state);
    rows.push({
      iteration: n,
      train: stats
        ? {
            pass_at_1: stats.train.pass_at_1,
            ci95: stats.train.ci95,
            n_tasks: stats.train.n_tasks,
            // Under adaptive the score is over every training task, those this iteration did not run
            // keeping their last outcome (steps/stats.ts); under fixed it is the iteration's own job.
            carried_tasks:
              evaluation?.policy === 'adaptive' ? Math.max(0, stats.train.n_tasks - evaluation.tasks_run) : 0,
          }
        : null,
      evaluation,
      holdout: stats?.holdout ? { pass_at_1: stats.holdout.pass_at_1, ci95: stats.holdout.ci95 } : null,
      changes: (manifest?.changes ?? []).map((c) => ({
        id: c.id,
        component: c.component,
        predicted_fixes: c.predicted_fixes,
      })),
      verdicts: (attribution?.changes ?? []).map((c) => ({ id: c.id, verdict: c.verdict })),
      rollbacks: state.rollbacks.filter((r) => r.iteration === n).map((r) => r.change_id),
      ...(manifest?.skipped ? { skipped: manifest.skipped } : {}),
      usage: readIterationUsage(runDir, n),
      ...(debugStats
        ? {
            debugger: {
              raw_bytes: debugStats.raw_bytes,
              digest_bytes: debugStats.digest_bytes,
              overview_tokens: debugStats.overview_tokens,
            },
          }
        : {}),
    });
  }
  return rows;
}

/**
 * `costKnown` says which roles' model prices are known (default: all); an unknown one reads `$?` and
 * is never added as $0 into a total shown as known.
 */
export function writeRunSummary(
  runDir: string,
  state: RunState,
  costKnown: Partial<Record<Role, boolean>> = {},
): { rows: IterationRow[]; markdown: string } {
  const costOf = (role: Role, u?: Spend) => (!u || u.calls === 0 ? 0 : costKnown[role] === false ? null : u.costUsd);
  const rows = collectRows(runDir, state);
  const last = [...rows].reverse().find((r) => existsSync(join(iterationDir(runDir, r.iteration), 'attribution.json')));
  const quality = last
    ? readJson<{ run_prediction_quality?: PredictionQuality }>(
        join(iterationDir(runDir, last.iteration), 'attribution.json'),
      )?.run_prediction_quality
    : undefined;
  // How the harness was changed (--method); runs written before the key existed were evolved by ahe.
  const method = state.config.method ?? 'ahe';
  const policy = state.config.eval_policy;
  const adaptive = policy === 'adaptive';
  const lines = [
    `# ahe evolve — ${runDir}`,
    '',
    `Method: ${method}`,
    adaptive
      ? `Evaluation: --eval-policy adaptive, k = ${state.config.k}: an iteration runs only the training tasks a decision can turn on, and a task it does not run keeps its last measured outcome in the train score.`
      : `Evaluation: --eval-policy fixed, k = ${state.config.k}: every training task ${state.config.k === 1 ? 'once' : `${state.config.k} times`} in every iteration.`,
    state.stopped
      ? `Stopped: ${state.stopped.reason}.`
      : `In progress: iteration ${state.iteration}, step ${state.step}.`,
    state.best
      ? `Best: iteration ${state.best.iteration}, train pass@1 ${pct(state.best.pass_at_1)}${state.best.estimate === undefined ? '' : ` (chosen by its training pass rate estimated over every evaluation of the run: ${pct(state.best.estimate)})`} → \`best/\`.`
      : '',
    '',
    `| iter | train pass@1 (95% CI) |${adaptive ? ' run this iteration |' : ''} held-out pass@1 (95% CI) | changes made here | verdicts of the previous changes | rolled back | coding tok | debugger tok | evolver tok | cost |`,
    `|---|---|${adaptive ? '---|' : ''}---|---|---|---|---|---|---|---|`,
  ];
  // A score that carries earlier outcomes is not this iteration's measurement: no interval (footnote below).
  const trainCell = (t: IterationRow['train']) =>
    !t
      ? '-'
      : t.carried_tasks > 0
        ? `${pct(t.pass_at_1)}* (${t.carried_tasks} of ${t.n_tasks} tasks carried)`
        : withInterval(t);
  const runCell = (r: IterationRow) =>
    !r.evaluation
      ? '-'
      : `${r.evaluation.tasks_run}${r.train ? ` of ${r.train.n_tasks}` : ''} tasks, ${r.evaluation.rollouts} rollouts${r.train?.carried_tasks ? `: pass@1 ${pct(r.evaluation.pass_at_1)}` : ''}`;
  for (const r of rows) {
    const cost = formatUsdSum((['coding', 'debugger', 'evolver'] as const).map((role) => costOf(role, r.usage[role])));
    lines.push(
      `| ${r.iteration} | ${trainCell(r.train)} |${adaptive ? ` ${runCell(r)} |` : ''} ${r.holdout ? withInterval(r.holdout) : '-'} | ${r.skipped ? 'skipped' : r.changes.map((c) => `${c.id} (${c.component})`).join(', ') || '-'} | ${r.verdicts.map((v) => `${v.id} ${v.verdict}`).join(', ') || '-'} | ${r.rollbacks.join(', ') || '-'} | ${tokens(r.usage.coding)} | ${tokens(r.usage.debugger)} | ${tokens(r.usage.evolver)} | ${cost} |`,
    );
  }
  if (rows.some((r) => r.train?.carried_tasks))
    lines.push(
      '',
      '\\* Includes carried outcomes: the tasks this iteration did not run count in its train score with their last measured outcome, so the score is partly earlier iterations\' measurements and no 95% interval is shown (a Wilson interval over all the tasks would count the carried ones as measured here). "run this iteration" is what it measured: the tasks, the rollouts and their own pass@1, over tasks the policy chose rather than a sample of the suite.',
    );
  const kb = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} KB`);
  const distilled = rows
    .filter((r) => r.debugger)
    .map(
      (r) =>
        `${r.iteration}: ${kb(r.debugger!.raw_bytes)} raw → ${kb(r.debugger!.digest_bytes)} digests → ${r.debugger!.overview_tokens}-token overview`,
    );
  if (distilled.length)
    lines.push('', `Debugger input per iteration (raw traces → what the evolve agent reads): ${distilled.join('; ')}.`);
  const l = state.ledger;
  const total = formatUsdSum((['coding', 'debugger', 'evolver'] as const).map((role) => costOf(role, l[role])));
  lines.push(
    '',
    `Totals: coding ${tokens(l.coding)} tokens (${formatUsd(costOf('coding', l.coding))}), debugger ${tokens(l.debugger)} (${formatUsd(costOf('debugger', l.debugger))}), evolver ${tokens(l.evolver)} (${formatUsd(costOf('evolver', l.evolver))}), cost ${total}.`,
  );
  const outcomes = componentOutcomes(runDir, state);
  lines.push('', ...outcomeTable(outcomes), '');
  if (quality)
    lines.push(
      `Prediction quality of the evolve agent over the run: precision ${quality.precision === null ? '-' : pct(quality.precision)}, recall ${quality.recall === null ? '-' : pct(quality.recall)}.`,
    );
  const advice = evalPolicyAdvice(state.config.eval_policy, quality);
  if (advice) lines.push('', `Evaluation policy: ${advice}`);
  const markdown = `${lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n')}\n`;
  writeFileAtomic(join(runDir, 'summary.md'), markdown);
  writeJsonAtomic(join(runDir, 'summary.json'), {
    method,
    eval_policy: policy,
    stopped: state.stopped ?? null,
    best: state.best,
    // Spend is written as every file records it (snake_case), the same as in state.json and usage.json.
    ledger: encodeIterationUsage(state.ledger),
    prediction_quality: quality ?? null,
    eval_policy_advice: advice ?? null,
    component_outcomes: outcomes,
    iterations: rows.map((r) => ({ ...r, usage: encodeIterationUsage(r.usage) })),
  });
  return { rows, markdown };
}
