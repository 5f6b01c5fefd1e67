// The evidence the evolve agent reads through read_evidence(section): train-split numbers, per-task
// classification, history, the debugger's report and the verdicts on its own previous changes, each
// as a short text section under a token budget.
//
// The held-out split never reaches this file: the input holds train summaries only, every summary is
// cut down to the training tasks whatever it holds, task details are given for training tasks only,
// and the debugger's report is shown only when every task it covers is a training task.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { JobSummary, TaskSummary } from '../bench/job-summary.ts';
import { computePassStats } from '../bench/stats.ts';
import { detailPath } from '../debugger/report-file-names.ts';
import { readReport } from '../debugger/report-schema.ts';
import { countTokens } from '../model/count-tokens.ts';
import type { ManifestAttribution, PredictionQuality } from './attribution.ts';
import { type IterationStats, iterationStats, type JobDelta, jobDelta } from './iteration-stats.ts';
import type { ChangeManifest } from './manifest.ts';

export const EVIDENCE_SECTION_TOKENS = 6_000;

export interface EvidenceInput {
  /** The iteration the evolve agent is working on (its harness was just evaluated). */
  iteration: number;
  /** The training tasks: nothing about any other task is ever shown. */
  trainTasks: readonly string[];
  /** Training-split job summaries, one per evaluated iteration up to the current one (which must be there). */
  trainHistory: readonly { iteration: number; summary: JobSummary }[];
  /** The best iteration by the loop's rule; by default the highest train pass@1, the earliest on ties. */
  bestIteration?: number;
  /** This iteration's debugger output for the training job: overview.md, detail/<task>.md, report.json. */
  debugDir?: string;
  /** The verdicts on the previous iteration's changes. */
  attribution?: {
    attribution: ManifestAttribution;
    quality?: PredictionQuality;
    /** The manifest judged, for each change's description. */
    manifest?: ChangeManifest;
    /** Changes the gate rolled back, with why. */
    rolledBack?: { id: string; reason: string }[];
  };
  /**
   * Changes kept at earlier gates that the review of kept changes (--review-kept) rolled back in this
   * iteration: the iteration that made each, and why.
   */
  reviewRolledBack?: { id: string; iteration: number; reason: string }[];
  /** Token budget of each section (default 6 000). */
  tokenBudget?: number;
}

export const EVIDENCE_SECTIONS = [
  'overview',
  'classification',
  'cross_iteration',
  'trends',
  'best_ever',
  'attribution',
  'debugger_overview',
  'task_detail:<task>',
] as const;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const names = (xs: readonly string[]) => (xs.length ? xs.join(', ') : '–');
const byName = (a: string, b: string) => a.localeCompare(b);

/** A summary cut down to the training tasks: the only form any summary takes in here. */
function trainOnly(summary: JobSummary, train: ReadonlySet<string>): JobSummary {
  const tasks: Record<string, TaskSummary> = {};
  for (const [name, t] of Object.entries(summary.tasks)) if (train.has(name)) tasks[name] = t;
  const s = computePassStats(Object.values(tasks));
  return {
    ...summary,
    n_tasks: s.nTasks,
    pass_at_1: s.passAt1,
    pass_at_k: s.passAtK,
    stderr: s.stderr,
    ci95: s.ci95,
    tasks,
    k: Object.keys(tasks).length ? Math.min(...Object.values(tasks).map((t) => t.n)) : 0,
  };
}

interface Prepared {
  input: EvidenceInput;
  train: ReadonlySet<string>;
  history: { iteration: number; summary: JobSummary }[];
  current: { iteration: number; summary: JobSummary } | undefined;
  previous: { iteration: number; summary: JobSummary } | undefined;
  best: { iteration: number; summary: JobSummary } | undefined;
  bestEarlier: { iteration: number; summary: JobSummary } | undefined;
  stats: IterationStats | undefined;
}

function highest(items: readonly { iteration: number; summary: JobSummary }[]) {
  // Earliest on ties: a later iteration must beat the best, not equal it.
  return items.reduce<(typeof items)[number] | undefined>(
    (b, x) => (!b || x.summary.pass_at_1 > b.summary.pass_at_1 ? x : b),
    undefined,
  );
}

const prepared = new WeakMap<EvidenceInput, Prepared>();

function prepare(input: EvidenceInput): Prepared {
  const cached = prepared.get(input);
  if (cached) return cached;
  const train = new Set(input.trainTasks);
  const history = [...input.trainHistory]
    .filter((h) => h.iteration <= input.iteration)
    .sort((a, b) => a.iteration - b.iteration)
    .map((h) => ({ iteration: h.iteration, summary: trainOnly(h.summary, train) }));
  const current = history.find((h) => h.iteration === input.iteration);
  const earlier = history.filter((h) => h.iteration < input.iteration);
  const previous = earlier.at(-1);
  const named =
    input.bestIteration === undefined ? undefined : history.find((h) => h.iteration === input.bestIteration);
  const best = named ?? highest(history);
  const bestEarlier = named && named.iteration < input.iteration ? named : highest(earlier);
  const stats = current
    ? iterationStats({
        current: current.summary,
        previous: previous?.summary,
        best: bestEarlier,
        history: earlier.map((h) => h.summary),
      })
    : undefined;
  const p: Prepared = { input, train, history, current, previous, best, bestEarlier, stats };
  prepared.set(input, p);
  return p;
}

const NO_EVALUATION = (p: Prepared) => `No training evaluation of iteration ${p.input.iteration} is available.`;

function deltaLine(label: string, d: JobDelta): string {
  const sig = d.paired.pValue < 0.05 ? 'significant at 5%' : 'not significant';
  return [
    `${label}: ${points(d.paired.meanDifference)} points on the ${d.paired.nTasks} common tasks (paired 95% CI ${points(d.paired.ci95[0])}…${points(d.paired.ci95[1])}, p=${d.paired.pValue.toFixed(3)}, ${sig})`,
    `  fixed ${d.fixed.length}, regressed ${d.regressed.length}, improved ${d.improved.length}, worsened ${d.worsened.length}, unchanged ${d.unchanged.length}; net ${d.net > 0 ? '+' : d.net < 0 ? '−' : ''}${Math.abs(d.net)} tasks; retention ${d.retention === null ? '– (nothing passed before)' : pct(d.retention)}`,
  ].join('\n');
}

function overview(p: Prepared): string {
  const { stats, current } = p;
  if (!stats || !current) return NO_EVALUATION(p);
  const k = current.summary.k;
  const passK =
    k > 1 && stats.pass_at_k[String(k)] !== undefined ? `; pass@${k} ${pct(stats.pass_at_k[String(k)]!)}` : '';
  const stable = stats.stability;
  const a = p.input.attribution?.attribution;
  const verdicts = a
    ? Object.entries(
        a.changes.reduce<Record<string, number>>((m, c) => {
          m[c.verdict] = (m[c.verdict] ?? 0) + 1;
          return m;
        }, {}),
      )
        .map(([v, n]) => `${v} ${n}`)
        .join(', ')
    : '';
  return [
    `# Evidence — iteration ${p.input.iteration} (training split)`,
    `pass@1 ${pct(stats.pass_at_1)} (95% CI ${pct(stats.ci95[0])}–${pct(stats.ci95[1])}, standard error ${(stats.stderr * 100).toFixed(1)} points) over ${stats.n_tasks} tasks × ${k} attempts${passK}`,
    p.previous && stats.vs_previous
      ? deltaLine(`vs iteration ${p.previous.iteration} (${pct(p.previous.summary.pass_at_1)})`, stats.vs_previous)
      : 'First evaluation: nothing to compare with yet.',
    p.bestEarlier && stats.vs_best && p.bestEarlier.iteration !== p.previous?.iteration
      ? deltaLine(
          `vs best earlier iteration ${p.bestEarlier.iteration} (${pct(p.bestEarlier.summary.pass_at_1)})`,
          stats.vs_best,
        )
      : '',
    `partial-pass tasks (some attempts pass, some fail — the sharpest signal): ${stats.partial_tasks.length}${stats.partial_tasks.length ? ` — ${names(stats.partial_tasks)}` : ''}`,
    `over ${p.history.length} iteration(s): ${stable.filter((s) => s.stable_pass).length} always passed, ${stable.filter((s) => s.stable_fail).length} never passed, ${stable.filter((s) => s.flaky).length} mixed`,
    a ? `your changes of iteration ${a.iteration}: ${verdicts || 'none'} (section attribution)` : '',
    `sections: ${listEvidenceSections(p.input).join(', ')}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function classification(p: Prepared): string {
  const { stats } = p;
  if (!stats) return NO_EVALUATION(p);
  const v = stats.vs_previous;
  const line = (label: string, xs: readonly string[]) => `${label} [${xs.length}]: ${names(xs)}`;
  return [
    `# Task classification — iteration ${p.input.iteration}${p.previous ? ` vs iteration ${p.previous.iteration}` : ''}`,
    ...(v
      ? [
          line('fixed (no pass before, some now)', v.fixed),
          line('regressed (some passes before, none now)', v.regressed),
          line('improved (more attempts pass)', v.improved),
          line('worsened (fewer attempts pass)', v.worsened),
          ...(v.only_in_current.length ? [line('not run in the previous iteration', v.only_in_current)] : []),
        ]
      : []),
    line('partial now (0 < passes < attempts)', stats.partial_tasks),
    line(
      'every attempt passed in every iteration',
      stats.stability.filter((s) => s.stable_pass).map((s) => s.task),
    ),
    line(
      'no attempt passed in any iteration',
      stats.stability.filter((s) => s.stable_fail).map((s) => s.task),
    ),
    line(
      'mixed over the run',
      stats.stability.filter((s) => s.flaky).map((s) => s.task),
    ),
  ].join('\n');
}

function crossIteration(p: Prepared): string {
  const { stats } = p;
  if (!stats) return NO_EVALUATION(p);
  const iterations = [
    ...p.history.filter((h) => h.iteration < p.input.iteration).map((h) => h.iteration),
    p.input.iteration,
  ];
  const width = Math.max(4, ...stats.stability.map((s) => s.task.length));
  const rank = (s: (typeof stats.stability)[number]) => (s.flaky ? 0 : s.stable_fail ? 1 : 2);
  // Mixed tasks first, never-passing next, always-passing last: if the section is cut, the least informative rows go.
  const rows = [...stats.stability].sort((a, b) => rank(a) - rank(b) || byName(a.task, b.task));
  return [
    `# Passing attempts per task and iteration (c/n; - = not run). Mixed tasks first, then never passed, then always passed.`,
    `${'task'.padEnd(width)} | ${iterations.map((i) => `it${i}`.padStart(4)).join(' | ')}`,
    ...rows.map(
      (s) =>
        `${s.task.padEnd(width)} | ${s.passes.map((c, i) => (c === null ? '-' : `${c}/${s.attempts[i]}`).padStart(4)).join(' | ')}`,
    ),
  ].join('\n');
}

function trends(p: Prepared): string {
  if (!p.history.length) return NO_EVALUATION(p);
  return [
    `# Train pass@1 per iteration`,
    'iteration | pass@1 | 95% CI | vs previous',
    ...p.history.map((h, i) => {
      const prev = p.history[i - 1];
      const mark = [h.iteration === p.best?.iteration ? 'best' : '', h.iteration === p.input.iteration ? 'current' : '']
        .filter(Boolean)
        .join(', ');
      return `${h.iteration} | ${pct(h.summary.pass_at_1)} | ${pct(h.summary.ci95[0])}–${pct(h.summary.ci95[1])} | ${prev ? points(h.summary.pass_at_1 - prev.summary.pass_at_1) : '–'}${mark ? ` (${mark})` : ''}`;
    }),
  ].join('\n');
}

function bestEver(p: Prepared): string {
  const { current, best } = p;
  if (!current || !best) return NO_EVALUATION(p);
  if (best.iteration === current.iteration) {
    const runnerUp = p.bestEarlier;
    return [
      `# Best iteration so far: ${current.iteration} (this one) — pass@1 ${pct(current.summary.pass_at_1)} (95% CI ${pct(current.summary.ci95[0])}–${pct(current.summary.ci95[1])})`,
      runnerUp
        ? `The best before it was iteration ${runnerUp.iteration} at ${pct(runnerUp.summary.pass_at_1)}.`
        : 'No earlier iteration.',
    ].join('\n');
  }
  const d = jobDelta(best.summary.tasks, current.summary.tasks);
  return [
    `# Best iteration so far: ${best.iteration} — pass@1 ${pct(best.summary.pass_at_1)} (95% CI ${pct(best.summary.ci95[0])}–${pct(best.summary.ci95[1])})`,
    deltaLine(`this iteration (${current.iteration}, ${pct(current.summary.pass_at_1)}) vs it`, d),
    `passing at the best, failing every attempt now [${d.regressed.length}]: ${names(d.regressed)}`,
    `fewer attempts pass than at the best [${d.worsened.length}]: ${names(d.worsened)}`,
    `better now than at the best: fixed ${names(d.fixed)}; improved ${names(d.improved)}`,
  ].join('\n');
}

function attribution(p: Prepared): string {
  const reviewed = p.input.reviewRolledBack ?? [];
  const review = reviewed.length
    ? [
        '# Earlier changes rolled back by the review of kept changes',
        'Kept when first judged; the estimate over every evaluation since says the harness is better without them:',
        ...reviewed.map((r) => `- ${r.id} (made in iteration ${r.iteration}): ${r.reason}`),
      ].join('\n')
    : '';
  const judged = judgedChanges(p);
  return [judged, review].filter(Boolean).join('\n\n');
}

function judgedChanges(p: Prepared): string {
  const given = p.input.attribution;
  if (!given)
    return 'No previous changes to attribute (this is the first evaluation, or the previous iteration changed nothing).';
  const a = given.attribution;
  const onlyTrain = (xs: readonly string[]) => xs.filter((t) => p.train.has(t));
  const described = new Map(given.manifest?.changes.map((c) => [c.id, c.description]) ?? []);
  const rolled = new Map(given.rolledBack?.map((r) => [r.id, r.reason]) ?? []);
  const q = given.quality;
  const table = [
    `# Your changes of iteration ${a.iteration}, judged by this evaluation`,
    'change | component | verdict | predicted fixes | fixed as predicted | missed | risk realised',
    ...a.changes.map(
      (c) =>
        `${c.id} | ${c.component} | ${c.verdict} | ${onlyTrain(c.predicted_fixes).length} | ${names(onlyTrain(c.actually_fixed))} | ${names(onlyTrain(c.missed))} | ${names(onlyTrain(c.risk_realised))}`,
    ),
  ];
  const reasons = a.changes.map(
    (c) =>
      `- ${c.id}: ${c.verdict} — ${c.reason}.${described.has(c.id) ? ` Change: ${described.get(c.id)}` : ''}${rolled.has(c.id) ? ` ROLLED BACK: ${rolled.get(c.id)}` : ''}`,
  );
  // With one change these moves are still its effect (the sole-change rule judges it on them), only unpredicted.
  const sole = a.changes.length === 1 ? ` (unpredicted, but ${a.changes[0]!.id} was the only change: its effect)` : '';
  const unpredicted = (tasks: string[]) => `${names(onlyTrain(tasks))}${onlyTrain(tasks).length ? sole : ''}`;
  const rest = [
    `regressed or worsened, listed as a risk by no change: ${unpredicted(a.unattributed_regressions)}`,
    `fixed or improved, predicted by no change: ${unpredicted(a.unattributed_fixes)}`,
    ...(q
      ? [
          `your predictions over the run: precision ${q.precision === null ? '–' : pct(q.precision)} (${q.actually_fixed} of ${q.predicted} predicted fixes happened), recall ${q.recall === null ? '–' : pct(q.recall)} (${q.credited} of ${q.fixed_or_improved} fixes were predicted), over ${q.manifests} manifest(s)`,
        ]
      : []),
  ];
  return [table.join('\n'), reasons.join('\n'), rest.join('\n')].filter(Boolean).join('\n\n');
}

type DebugReading = { ok: true; dir: string; details: Map<string, string> } | { ok: false; why: string };

/** The debugger's report, if it covers training tasks only. */
function debugReport(p: Prepared): DebugReading {
  const dir = p.input.debugDir;
  if (!dir || !existsSync(join(dir, 'report.json')))
    return { ok: false, why: 'No debugger report for this iteration.' };
  const r = readReport(join(dir, 'report.json'));
  if (!r.ok) return { ok: false, why: `The debugger report cannot be read: ${r.error}` };
  const foreign = Object.keys(r.report.tasks).filter((t) => !p.train.has(t));
  // Defence in depth: a report of any other job (the held-out one) is never shown, not even in part.
  if (foreign.length)
    return {
      ok: false,
      why: `The debugger report covers ${foreign.length} task(s) outside the training split; it is not shown.`,
    };
  return { ok: true, dir, details: new Map(Object.entries(r.report.tasks).map(([t, x]) => [t, x.detail])) };
}

function debuggerOverview(p: Prepared): string {
  const d = debugReport(p);
  if (!d.ok) return d.why;
  const file = join(d.dir, 'overview.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : 'The debugger wrote no overview.md for this iteration.';
}

function taskDetail(p: Prepared, task: string): string {
  if (!p.train.has(task)) return `No task ${JSON.stringify(task)} among the training tasks.`;
  const d = debugReport(p);
  if (!d.ok) return d.why;
  const file = resolve(d.dir, d.details.get(task) ?? detailPath(task));
  if (!file.startsWith(resolve(d.dir) + sep) || !existsSync(file))
    return `No debugger detail for ${task} in this iteration.`;
  return readFileSync(file, 'utf8');
}

/** The sections available for this input (task_detail:<task> stands for one per training task). */
export function listEvidenceSections(input: EvidenceInput): string[] {
  const p = prepare(input);
  const out: string[] = ['overview', 'classification', 'cross_iteration', 'trends', 'best_ever'];
  if (input.attribution || input.reviewRolledBack?.length) out.push('attribution');
  if (debugReport(p).ok) out.push('debugger_overview', 'task_detail:<task>');
  return out;
}

/** A section's text cut to `budget` tokens at a line, with a note saying how many lines were left out. */
export function boundSection(text: string, budget: number): string {
  if (countTokens(text) <= budget) return text;
  const lines = text.split('\n');
  const note = (kept: number) =>
    `\n[… section cut to its ${budget}-token budget: ${lines.length - kept} more line(s) not shown]`;
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(lines.slice(0, mid).join('\n') + note(mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lines.slice(0, lo).join('\n') + note(lo);
}

/** One section of the evidence as text, at most `tokenBudget` tokens; an unknown section says which exist. */
export function renderEvidence(input: EvidenceInput, section: string): string {
  const p = prepare(input);
  const s = section.trim();
  const detail = /^task_detail:(.+)$/.exec(s);
  const renderers: Record<string, (p: Prepared) => string> = {
    overview,
    classification,
    cross_iteration: crossIteration,
    trends,
    best_ever: bestEver,
    attribution,
    debugger_overview: debuggerOverview,
  };
  const text = detail ? taskDetail(p, detail[1]!.trim()) : renderers[s]?.(p);
  if (text === undefined) return `No section ${JSON.stringify(section)}. Sections: ${EVIDENCE_SECTIONS.join(', ')}.`;
  return boundSection(text, input.tokenBudget ?? EVIDENCE_SECTION_TOKENS);
}
