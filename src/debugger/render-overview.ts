// overview.md: the page the evolver reads first, under a hard token budget whatever the job size.
// Order is priority: the job's numbers, partial-pass tasks (the best targets: a passing attempt shows
// what works), failure patterns across tasks, the analysts' mechanisms ranked by failures explained,
// the failing tasks, the passing ones in one line, the ledger. Bigger jobs get fewer rows, examples
// and names per section ("…and N more"); report.json always has everything.
import { basename } from 'node:path';
import { type FittedText, fitToTokenBudget } from './fit-token-budget.ts';
import { cell, listSome, percent } from './render-markdown.ts';
import type { Report, ReportTask } from './report-schema.ts';

export const OVERVIEW_TOKENS = 10_000;

interface OverviewLevel {
  /** Task names as links to their detail files; when false, only names whose file name differs say so. */
  links: boolean;
  partialRows: number;
  failingRows: number;
  /** Names of further failing tasks listed after the table rows. */
  moreNames: number;
  passingNames: number;
  clusters: number;
  labelsPerCluster: number;
  tasksPerLabel: number;
  examples: number;
  mechanisms: number;
  tasksPerMechanism: number;
  variants: boolean;
}

const LEVELS: OverviewLevel[] = [
  {
    links: true,
    partialRows: 200,
    failingRows: 200,
    moreNames: 0,
    passingNames: 60,
    clusters: 20,
    labelsPerCluster: 6,
    tasksPerLabel: 8,
    examples: 3,
    mechanisms: 12,
    tasksPerMechanism: 10,
    variants: true,
  },
  {
    links: true,
    partialRows: 60,
    failingRows: 60,
    moreNames: 100,
    passingNames: 30,
    clusters: 15,
    labelsPerCluster: 5,
    tasksPerLabel: 5,
    examples: 2,
    mechanisms: 10,
    tasksPerMechanism: 6,
    variants: true,
  },
  {
    links: false,
    partialRows: 60,
    failingRows: 60,
    moreNames: 80,
    passingNames: 20,
    clusters: 12,
    labelsPerCluster: 4,
    tasksPerLabel: 4,
    examples: 2,
    mechanisms: 8,
    tasksPerMechanism: 5,
    variants: true,
  },
  {
    links: false,
    partialRows: 40,
    failingRows: 30,
    moreNames: 40,
    passingNames: 10,
    clusters: 10,
    labelsPerCluster: 3,
    tasksPerLabel: 3,
    examples: 1,
    mechanisms: 6,
    tasksPerMechanism: 4,
    variants: false,
  },
  {
    links: false,
    partialRows: 25,
    failingRows: 15,
    moreNames: 20,
    passingNames: 5,
    clusters: 8,
    labelsPerCluster: 2,
    tasksPerLabel: 2,
    examples: 1,
    mechanisms: 5,
    tasksPerMechanism: 3,
    variants: false,
  },
  {
    links: false,
    partialRows: 10,
    failingRows: 0,
    moreNames: 0,
    passingNames: 0,
    clusters: 6,
    labelsPerCluster: 1,
    tasksPerLabel: 0,
    examples: 0,
    mechanisms: 3,
    tasksPerMechanism: 0,
    variants: false,
  },
];

function link(name: string, task: ReportTask, level: OverviewLevel): string {
  if (level.links) return `[${cell(name, 80)}](${task.detail})`;
  // Tighter budgets drop the links: the header says where detail files are, so only renamed ones need saying.
  return task.detail === `detail/${name}.md` ? cell(name, 80) : `${cell(name, 80)} (${task.detail})`;
}

/** The first signature label of a task's failed trials, and how many other labels there are. */
function firstSignatures(task: ReportTask): string {
  const [first, ...rest] = task.signatures;
  if (!first) return '—';
  return `${cell(first.label, 70)}${rest.length ? ` (+${rest.length})` : ''}`;
}

function renderHeader(r: Report): string {
  const ks = [...new Set(Object.values(r.tasks).map((t) => t.n))].sort((a, b) => a - b);
  const k = ks.length === 1 ? `${ks[0]}` : `${ks[0]}–${ks[ks.length - 1]}`;
  const passAtK = Object.entries(r.job.pass_at_k)
    .filter(([key]) => key !== '1')
    .map(([key, v]) => `pass@${key} ${percent(v)}`);
  return [
    `# Agent Debugger — ${r.job.id ?? basename(r.job.dir)}`,
    `${r.job.n_tasks} tasks × k=${k} = ${r.job.n_trials} trials · ${r.job.n_failed_trials} failed · pass@1 ${percent(r.job.pass_at_1)} (95% CI ${percent(r.job.ci95[0])}–${percent(r.job.ci95[1])})${passAtK.length ? ` · ${passAtK.join(' · ')}` : ''}`,
    `Analysis: ${r.model ? `per-task analyst (${r.model})` : 'heuristic signatures only (no LLM)'} · job: \`${r.job.dir}\` · per task: \`detail/<task>.md\``,
  ].join('\n\n');
}

function renderPartial(r: Report, level: OverviewLevel): string {
  const names = r.job.partial_tasks;
  if (!names.length)
    return '## Best targets: partial-pass tasks\n\nNone: every task either always passed or always failed.';
  const rows = names.slice(0, level.partialRows).map((name) => {
    const t = r.tasks[name]!;
    return `| ${link(name, t, level)} | ${t.c}/${t.n} | ${firstSignatures(t)} |`;
  });
  const more =
    names.length > rows.length
      ? `\n\n…and ${names.length - rows.length} more: ${listSome(names.slice(rows.length), level.moreNames)}`
      : '';
  return `## Best targets: partial-pass tasks (${names.length})\n\nSome attempts passed, some failed: the passing attempt shows what works. Compare them in the detail files.\n\n| task | passed | failing attempts show |\n|---|---|---|\n${rows.join('\n')}${more}`;
}

function renderClusters(r: Report, level: OverviewLevel): string {
  if (!r.clusters.length) return '## Failure patterns\n\nNo failed trials.';
  const items = r.clusters.slice(0, level.clusters).map((c, i) => {
    const lines = [
      `${i + 1}. **${c.id}** — ${c.n_trials} failed trial${c.n_trials === 1 ? '' : 's'} in ${c.n_tasks} task${c.n_tasks === 1 ? '' : 's'}${c.not_the_agent ? ' · *not the agent: check the setup*' : ''}`,
    ];
    for (const l of c.labels.slice(0, level.labelsPerCluster)) {
      const tasks = level.tasksPerLabel > 0 ? `: ${listSome(l.tasks, level.tasksPerLabel)}` : '';
      lines.push(`   - ${cell(l.label, 90)} ×${l.n_trials}${tasks}`);
    }
    if (c.labels.length > level.labelsPerCluster)
      lines.push(`   - …and ${c.labels.length - level.labelsPerCluster} more labels`);
    const examples = c.examples
      .slice(0, level.examples)
      .map(
        (e) =>
          `${level.links ? `[${e.trial}](${r.tasks[e.task]?.detail ?? 'report.json'})` : e.trial}${e.steps.length ? ` step ${e.steps[0]}` : ''}`,
      );
    if (examples.length) lines.push(`   - e.g. ${examples.join(', ')}`);
    return lines.join('\n');
  });
  const more =
    r.clusters.length > level.clusters
      ? `\n\n…and ${r.clusters.length - level.clusters} more patterns (${r.clusters
          .slice(level.clusters)
          .map((c) => `${c.id} ×${c.n_trials}`)
          .join(', ')})`
      : '';
  return `## Failure patterns across tasks (${r.clusters.length})\n\nSignatures of failed trials, most frequent cause first; failing tests (the symptom every failure shares) last.\n\n${items.join('\n')}${more}`;
}

function renderMechanisms(r: Report, level: OverviewLevel): string {
  if (!r.mechanisms.length) return r.model ? '## Mechanisms\n\nNo analysis produced a mechanism.' : '';
  const items = r.mechanisms.slice(0, level.mechanisms).map((m, i) => {
    const others = m.components.slice(1).map((c) => `${c.component} ×${c.n_failed_trials}`);
    const lines = [
      `${i + 1}. ${cell(m.mechanism, 300)} — explains ${m.n_failed_trials} failed trials in ${m.n_tasks} task${m.n_tasks === 1 ? '' : 's'} → \`${m.suggested_component}\`${others.length ? ` (also ${others.join(', ')})` : ''}`,
    ];
    if (level.tasksPerMechanism > 0) lines.push(`   - tasks: ${listSome(m.tasks, level.tasksPerMechanism)}`);
    if (level.variants && m.variants.length)
      lines.push(`   - also worded: ${m.variants.map((v) => `“${cell(v, 160)}”`).join('; ')}`);
    return lines.join('\n');
  });
  const more =
    r.mechanisms.length > level.mechanisms
      ? `\n\n…and ${r.mechanisms.length - level.mechanisms} more mechanisms in report.json`
      : '';
  return `## Mechanisms, ranked by failed trials explained (${r.mechanisms.length})\n\n${items.join('\n')}${more}`;
}

function renderTasks(r: Report, level: OverviewLevel): string {
  const names = Object.keys(r.tasks).sort();
  const failing = names.filter((n) => r.tasks[n]!.c === 0 && r.tasks[n]!.n > 0);
  const passing = names.filter((n) => r.tasks[n]!.c === r.tasks[n]!.n);
  const parts = [
    `## Tasks: ${passing.length} always passed, ${r.job.partial_tasks.length} partial, ${failing.length} always failed`,
  ];
  if (failing.length) {
    const rows = failing
      .slice(0, level.failingRows)
      .map((n) => `| ${link(n, r.tasks[n]!, level)} | 0/${r.tasks[n]!.n} | ${firstSignatures(r.tasks[n]!)} |`);
    if (rows.length) parts.push(`| always failed | passed | signatures |\n|---|---|---|\n${rows.join('\n')}`);
    const rest = failing.slice(rows.length);
    if (rest.length)
      parts.push(
        `${rows.length ? 'Also always failed' : 'Always failed'} (${rest.length}): ${listSome(rest, level.moreNames)}`,
      );
  }
  if (passing.length) parts.push(`Always passed (${passing.length}): ${listSome(passing, level.passingNames)}`);
  return parts.join('\n\n');
}

function renderLedger(r: Report): string {
  const l = r.ledger;
  if (!r.model && l.calls === 0 && l.cacheHits === 0) return '## Ledger\n\nNo model calls (heuristic report).';
  return `## Ledger\n\n${l.calls} analyst calls · ${l.cacheHits} cache hits · ${l.failures} failed analyses · tokens: ${l.promptTokens} prompt (${l.cachedTokens} cached), ${l.completionTokens} completion · $${l.costUsd.toFixed(4)}`;
}

export function renderOverview(report: Report, budgetTokens = OVERVIEW_TOKENS): FittedText {
  return fitToTokenBudget(
    LEVELS,
    (level) =>
      `${[
        renderHeader(report),
        renderPartial(report, level),
        renderClusters(report, level),
        renderMechanisms(report, level),
        renderTasks(report, level),
        renderLedger(report),
      ]
        .filter(Boolean)
        .join('\n\n')}\n`,
    budgetTokens,
  );
}
