// The timeline of a run: per iteration, its scores against the previous one, what the gate decided, what
// the leak audit refused, the changes the evolve agent made then (with their predictions and, once the
// next iteration judged them, their verdicts and rollbacks) and the harness diff, drawn when opened.
import type { RunChange, RunIteration, RunReport, ScoreView } from '../report-data.ts';
import { carriedNote } from './chart-scores.ts';
import { renderDiff } from './diff-view.ts';
import { h, pct } from './dom.ts';
import { chip, facts, names } from './run-labels.ts';

/** "62.5% (95% CI 40.1–80.2%, 8 tasks)", "50.0% (4 of 6 tasks carried from earlier iterations, no interval)" or a dash. */
export function scoreText(score: ScoreView | null | undefined): string {
  if (!score) return '—';
  return `${pct(score.pass_at_1)} (${carriedNote(score) ?? `95% CI ${pct(score.ci95[0])}–${pct(score.ci95[1])}, ${score.n_tasks} tasks`})`;
}

/** "2 of 6 tasks, 4 rollouts (pass@1 0.0% over them)": what an adaptive iteration ran; null otherwise. */
export function evaluationText(it: Pick<RunIteration, 'evaluation' | 'train'>): string | null {
  const e = it.evaluation;
  if (e?.policy !== 'adaptive') return null;
  return `${e.tasks_run}${it.train ? ` of ${it.train.n_tasks}` : ''} tasks, ${e.rollouts} rollouts${e.pass_at_1 === null ? '' : ` (pass@1 ${pct(e.pass_at_1)} over them)`}`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${pct(Math.abs(x))}`;
}

/** One article per iteration, oldest first; each has the id iteration-<n> for links from the charts. */
export function renderRunTimeline(report: RunReport): HTMLElement {
  const iterations = [...report.iterations].sort((a, b) => a.iteration - b.iteration);
  const root = h('div', { class: 'run-timeline' });
  if (!iterations.length) root.append(h('p', { class: 'empty' }, 'No iteration has finished yet.'));
  const current = report.status.done ? null : report.status.iteration;
  for (const it of iterations) {
    const article = renderIteration(it, report.best?.iteration === it.iteration);
    if (it.iteration === current)
      article.querySelector('h4')?.append(chip(`in progress: ${report.status.step}`, 'running'));
    root.append(article);
  }
  return root;
}

function renderIteration(it: RunIteration, best: boolean): HTMLElement {
  const paired = it.paired_vs_previous;
  const article = h(
    'article',
    { class: 'iteration', id: `iteration-${it.iteration}`, 'data-iteration': it.iteration },
    h(
      'h4',
      {},
      `Iteration ${it.iteration} `,
      best ? chip('best', 'EFFECTIVE') : null,
      it.skipped !== null ? chip('skipped') : null,
      it.iteration_rollback ? chip('rolled back') : null,
    ),
    facts([
      ['train pass@1', scoreText(it.train)],
      ['run this iteration', evaluationText(it)],
      ['held-out pass@1', it.holdout ? scoreText(it.holdout) : null],
      [
        'vs previous',
        paired
          ? `${signed(paired.mean_difference)} (95% CI ${signed(paired.ci95[0])} to ${signed(paired.ci95[1])}, p = ${paired.p_value.toPrecision(2)})`
          : null,
      ],
      ['fixed', it.fixed.length ? flipList(it.fixed, 'fixed') : null],
      ['regressed', it.regressed.length ? flipList(it.regressed, 'regressed') : null],
      ['skipped', it.skipped],
      ['gate', it.gate_reason],
    ]),
  );
  if (it.rollbacks.length) {
    article.append(
      h('h5', {}, 'Rolled back by the gate'),
      h('ul', {}, ...it.rollbacks.map((r) => h('li', {}, h('code', {}, r.change_id), `: ${r.reason}`))),
    );
  }
  if (it.leak_rejections.length) {
    article.append(
      h('h5', {}, 'Refused by the leak audit'),
      h(
        'ul',
        {},
        ...it.leak_rejections.map((r) =>
          h(
            'li',
            {},
            chip('refused'),
            r.change_id ? h('code', {}, r.change_id) : 'a change',
            h('ul', {}, ...r.findings.map((f) => h('li', {}, f))),
          ),
        ),
      ),
    );
  }
  if (it.changes.length) {
    article.append(
      h('h5', {}, `Changes made in iteration ${it.iteration} (judged by iteration ${it.iteration + 1})`),
      h('ol', { class: 'changes' }, ...it.changes.map(renderChange)),
    );
  }
  if (it.diff) article.append(lazyDiff(it.diff));
  return article;
}

function flipList(tasks: string[], kind: string): HTMLElement {
  return h('span', {}, chip(String(tasks.length), kind), names(tasks));
}

function renderChange(change: RunChange): HTMLElement {
  return h(
    'li',
    { class: 'change', 'data-change': change.id },
    h(
      'div',
      {},
      h('code', {}, change.id),
      ' ',
      chip(change.component, 'component'),
      change.type ? chip(change.type, 'type') : null,
      change.verdict ? chip(change.verdict) : chip('not judged yet', 'pending'),
      change.rolled_back ? chip('rolled back') : null,
    ),
    h('p', { class: 'change-description' }, change.description),
    facts([
      ['files', change.files.length ? names(change.files) : null],
      ['predicted fixes', names(change.predicted_fixes)],
      ['risks', names(change.risk_tasks)],
      [
        'verdict',
        change.verdict ? `${change.verdict}${change.verdict_reason ? `: ${change.verdict_reason}` : ''}` : null,
      ],
      ['actually fixed', change.verdict ? names(change.actually_fixed) : null],
      ['risks realised', change.verdict ? names(change.risk_realised) : null],
      ['rolled back', change.rolled_back ? change.rollback_reason || 'yes' : null],
    ]),
  );
}

/** The diff is parsed and drawn the first time its block is opened (20 iterations of diffs stay cheap). */
function lazyDiff(diff: string): HTMLElement {
  const lines = diff.split('\n').length;
  const details = h('details', { class: 'iteration-diff' }, h('summary', {}, `Harness diff (${lines} lines)`));
  let drawn = false;
  details.addEventListener('toggle', () => {
    if (details.open && !drawn) {
      drawn = true;
      details.append(renderDiff(diff));
    }
  });
  return details;
}
