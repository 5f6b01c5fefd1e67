// What the evolve agent's read_evidence tool reads for iteration N: sections rendered from the files
// the loop wrote (train stats, attribution, the debugger's report). Held-out results are never read
// here — they are kept out of everything the evolve agent can see.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detailPath } from '../debugger/report-file-names.ts';
import { countTokens } from '../model/count-tokens.ts';
import type { ManifestAttribution } from './attribution.ts';
import type { IterationStats } from './iteration-stats.ts';
import { iterationDir } from './run-state.ts';

const SECTION_TOKENS = 6_000;
const SECTIONS = ['overview', 'classification', 'cross_iteration', 'trends', 'best_ever', 'attribution', 'debugger_overview', 'task_detail:<task>'];

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : 'none');

/** Cuts a section to its token budget at a line, saying so. */
function bounded(text: string, budget = SECTION_TOKENS): string {
  if (countTokens(text) <= budget) return text;
  const lines = text.split('\n');
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countTokens(lines.slice(0, mid).join('\n')) <= budget - 40) lo = mid;
    else hi = mid - 1;
  }
  return `${lines.slice(0, lo).join('\n')}\n[… section cut to ${budget} tokens: ${lines.length - lo} more lines]`;
}

function trainStats(runDir: string, n: number): IterationStats | undefined {
  const file = join(iterationDir(runDir, n), 'stats.json');
  // Only `train` is read: the held-out split must never reach the evolve agent.
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { train: IterationStats }).train : undefined;
}

export function evidenceReader(runDir: string, n: number) {
  const dir = iterationDir(runDir, n);
  const stats = trainStats(runDir, n);
  const render: Record<string, () => string> = {
    overview: () => {
      if (!stats) return 'no statistics for this iteration';
      const v = stats.vs_previous;
      return [
        `# Iteration ${n} (training split)`,
        `pass@1 ${pct(stats.pass_at_1)} (95% CI ${pct(stats.ci95[0])}–${pct(stats.ci95[1])}) over ${stats.n_tasks} tasks`,
        v ? `vs previous: fixed ${v.fixed.length}, regressed ${v.regressed.length}, improved ${v.improved.length}, worsened ${v.worsened.length}, net ${v.net}, paired difference ${(v.paired.meanDifference * 100).toFixed(1)} points (p=${v.paired.pValue.toFixed(3)})` : 'first evaluation (the seed)',
        stats.vs_best ? `vs best (iteration ${stats.vs_best.iteration}): net ${stats.vs_best.net}` : '',
        `partial-pass tasks (best targets): ${list(stats.partial_tasks)}`,
        'More: classification, cross_iteration, trends, best_ever, attribution, debugger_overview, task_detail:<task>.',
      ].filter(Boolean).join('\n');
    },
    classification: () => {
      if (!stats) return 'no statistics';
      const v = stats.vs_previous;
      const stable = stats.stability;
      return [
        v ? `fixed: ${list(v.fixed)}\nregressed: ${list(v.regressed)}\nimproved: ${list(v.improved)}\nworsened: ${list(v.worsened)}` : '',
        `partial: ${list(stats.partial_tasks)}`,
        `always passing so far: ${list(stable.filter((s) => s.stable_pass).map((s) => s.task))}`,
        `never passed so far: ${list(stable.filter((s) => s.stable_fail).map((s) => s.task))}`,
        `flaky: ${list(stable.filter((s) => s.flaky).map((s) => s.task))}`,
      ].filter(Boolean).join('\n');
    },
    cross_iteration: () => (stats ? ['task · passes per iteration (c/n, oldest first)', ...stats.stability.map((s) => `${s.task}: ${s.passes.map((c, i) => (c === null ? '-' : `${c}/${s.attempts[i]}`)).join(' ')}`)].join('\n') : 'no statistics'),
    trends: () => Array.from({ length: n + 1 }, (_, i) => trainStats(runDir, i)).map((s, i) => `iteration ${i}: ${s ? pct(s.pass_at_1) : '-'}`).join('\n'),
    best_ever: () => (stats?.vs_best ? `best iteration so far: ${stats.vs_best.iteration}; this iteration vs it: fixed ${list(stats.vs_best.fixed)}; regressed ${list(stats.vs_best.regressed)}` : 'this is the best iteration so far (or the first)'),
    attribution: () => {
      const file = join(dir, 'attribution.json');
      if (!existsSync(file)) return 'no previous changes to attribute';
      const a = JSON.parse(readFileSync(file, 'utf8')) as ManifestAttribution & { run_prediction_quality?: { precision: number | null; recall: number | null } };
      const gate = existsSync(join(dir, 'gate.json')) ? (JSON.parse(readFileSync(join(dir, 'gate.json'), 'utf8')) as { reason?: string; rollbacks?: { changeId: string }[] }) : undefined;
      return [
        `# Your changes of iteration ${a.iteration}, judged on this evaluation`,
        ...a.changes.map((c) => `- ${c.id} (${c.component}): ${c.verdict} — fixed as predicted: ${list(c.actually_fixed)}; missed: ${list(c.missed)}; risk realised: ${list(c.risk_realised)}. ${c.reason}`),
        `unattributed regressions: ${list(a.unattributed_regressions)}`,
        `unattributed fixes: ${list(a.unattributed_fixes)}`,
        gate?.rollbacks?.length ? `rolled back automatically: ${gate.rollbacks.map((r) => r.changeId).join(', ')} (${gate.reason})` : 'nothing was rolled back',
        a.run_prediction_quality ? `your prediction precision over the run: ${a.run_prediction_quality.precision === null ? '-' : pct(a.run_prediction_quality.precision)}, recall ${a.run_prediction_quality.recall === null ? '-' : pct(a.run_prediction_quality.recall)}` : '',
      ].filter(Boolean).join('\n');
    },
    debugger_overview: () => {
      const file = join(dir, 'debug', 'overview.md');
      return existsSync(file) ? readFileSync(file, 'utf8') : 'no debugger report for this iteration';
    },
  };
  return {
    sections: () => SECTIONS,
    read: async (section: string): Promise<string> => {
      const detail = /^task_detail:(.+)$/.exec(section);
      if (detail) {
        const task = detail[1]!.trim();
        const file = join(dir, 'debug', detailPath(task));
        if (!existsSync(file)) throw new Error(`no detail for task ${task} (the debugger overview lists the tasks)`);
        return bounded(readFileSync(file, 'utf8'));
      }
      const fn = render[section];
      if (!fn) throw new Error(`no section ${section}; sections: ${SECTIONS.join(', ')}`);
      return bounded(fn());
    },
  };
}
