// One trial: what went wrong (exception, reward), the debugger's digest and signatures when present, the
// task's instruction, the trajectory step by step — who spoke, the model's text, its reasoning (folded),
// each tool call with its arguments (pretty JSON) and its output (folded when long, cut at ~2000
// characters / 40 lines with a button that shows all), timestamps and tokens — a multi-step task's
// steps as sections, the verifier's output and what the loader left out. Everything is text: a trace
// holding HTML or script shows as the characters it holds.
import type { ReportPayload, TraceStep, TrialDetail, TrialRow } from '../report-data.ts';
import { append, clear, duration, h, pct, tokens, usd } from './dom.ts';
import { findTrial, jobsOf } from './router.ts';
import type { ViewContext } from './view-context.ts';
import { collapsible, cutText, factLine, lines, longText, markdownText, panel, statusLabel } from './view-parts.ts';

/** Steps drawn at once; more on demand (a trajectory may have thousands). */
const STEP_CHUNK = 100;

/** Tool arguments as indented JSON when they are JSON, else as given. */
export function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A tool output: open when short, folded when long, cut with a show-all button. */
function outputBlock(label: string, content: string): HTMLElement {
  const long = cutText(content) !== null;
  return collapsible(
    `${label} (${lines(content)}${long ? `, ${content.length.toLocaleString('en-US')} characters` : ''})`,
    !long,
    longText(content, 'tool-output'),
  );
}

function stepBlock(step: TraceStep): HTMLElement {
  const meta: string[] = [];
  if (step.timestamp) meta.push(step.timestamp);
  if (step.tokens && (step.tokens.prompt !== null || step.tokens.completion !== null))
    meta.push(`${tokens(step.tokens.prompt)} in · ${tokens(step.tokens.completion)} out`);
  const answered = new Set<number>();
  const calls = step.tool_calls.map((call, i) => {
    let index = call.id ? step.observations.findIndex((o) => o.call_id === call.id) : -1;
    // Without ids, outputs answer the calls in order.
    if (index < 0 && !call.id && i < step.observations.length && !step.observations[i]?.call_id) index = i;
    const output = index >= 0 ? step.observations[index] : undefined;
    if (index >= 0) answered.add(index);
    return h(
      'div',
      { class: 'tool-call' },
      h(
        'div',
        { class: 'tool-name' },
        'tool ',
        h('code', {}, call.name),
        call.id ? h('span', { class: 'muted' }, ` ${call.id}`) : null,
      ),
      longText(prettyArguments(call.arguments), 'tool-args'),
      output ? outputBlock('output', output.content) : h('p', { class: 'muted' }, 'no output recorded'),
    );
  });
  const loose = step.observations
    .map((o, i) =>
      answered.has(i) ? null : outputBlock(o.call_id ? `output of ${o.call_id}` : 'observation', o.content),
    )
    .filter((e): e is HTMLDetailsElement => e !== null);
  return h(
    'article',
    {
      class: `step source-${/^(system|user|agent)$/.test(step.source) ? step.source : 'other'}`,
      'data-step': step.index,
    },
    h(
      'header',
      { class: 'step-head' },
      h('span', { class: 'step-index' }, `#${step.index}`),
      h('span', { class: 'step-source' }, step.source),
      meta.length ? h('span', { class: 'muted' }, meta.join(' · ')) : null,
    ),
    step.reasoning
      ? collapsible(`reasoning (${lines(step.reasoning)})`, false, longText(step.reasoning, 'reasoning'))
      : null,
    step.text ? longText(step.text, 'step-text') : null,
    ...calls,
    ...loose,
  );
}

/** Steps in chunks, with a button for the next chunk. */
function stepList(steps: TraceStep[]): HTMLElement {
  const list = h('div', { class: 'steps' });
  if (steps.length === 0) {
    list.append(h('p', { class: 'empty' }, 'No trajectory steps were recorded.'));
    return list;
  }
  let shown = 0;
  const more = h('button', { type: 'button', class: 'more-steps' });
  const showMore = () => {
    const next = steps.slice(shown, shown + STEP_CHUNK);
    for (const step of next) list.insertBefore(stepBlock(step), more);
    shown += next.length;
    more.textContent = `show ${Math.min(STEP_CHUNK, steps.length - shown)} more of ${steps.length - shown} remaining steps`;
    if (shown >= steps.length) more.remove();
  };
  more.addEventListener('click', showMore);
  list.append(more);
  showMore();
  return list;
}

/** Opens or closes every fold of the trajectory under root. */
function foldButtons(root: HTMLElement): HTMLElement {
  const all = (open: boolean) => {
    for (const d of root.querySelectorAll<HTMLDetailsElement>('.steps details')) d.open = open;
  };
  const expand = h('button', { type: 'button' }, 'expand all');
  const collapse = h('button', { type: 'button' }, 'collapse all');
  expand.addEventListener('click', () => all(true));
  collapse.addEventListener('click', () => all(false));
  return h('span', { class: 'fold-buttons' }, expand, collapse);
}

function renderDetail(
  root: HTMLElement,
  detail: TrialDetail,
  row: TrialRow | undefined,
  nav: HTMLElement | null,
): void {
  const passed = detail.reward !== null && detail.reward >= 1 && !detail.exception;
  const trajectory = panel('Trajectory', { id: 'trial-trajectory' });
  if (detail.task_steps?.length) {
    for (const [i, part] of detail.task_steps.entries()) {
      trajectory.append(
        h(
          'section',
          { class: 'task-step' },
          h('h3', {}, `Step ${i + 1}: `, h('code', {}, part.name), ` · reward ${part.reward ?? '—'}`),
          stepList(part.steps),
        ),
      );
    }
  } else trajectory.append(stepList(detail.steps));
  trajectory.querySelector('h2')?.append(' ', foldButtons(trajectory));
  append(
    root,
    h(
      'div',
      { class: 'view-head' },
      h(
        'h2',
        {},
        h('code', {}, detail.task),
        ' ',
        h('span', { class: 'muted' }, detail.id),
        ' ',
        statusLabel(passed ? 'passed' : detail.exception ? 'error' : 'failed'),
      ),
      factLine([
        ['reward', detail.reward === null ? '—' : String(detail.reward)],
        [
          'steps',
          detail.task_steps?.length ? detail.task_steps.reduce((n, s) => n + s.steps.length, 0) : detail.steps.length,
        ],
        ['prompt tokens', row ? tokens(row.spend.prompt_tokens) : null],
        ['completion tokens', row ? tokens(row.spend.completion_tokens) : null],
        ['cached', row?.spend.cached_tokens ? tokens(row.spend.cached_tokens) : null],
        ['cost', row ? usd(row.spend.cost_usd) : null],
        ['time', row ? duration(row.duration_sec) : null],
      ]),
      nav,
    ),
    detail.exception
      ? panel(
          'Exception',
          { id: 'trial-exception' },
          h('p', {}, h('code', {}, detail.exception.type)),
          longText(detail.exception.message, 'exception'),
        )
      : null,
    detail.digest || detail.signatures.length
      ? panel(
          "Debugger's digest",
          { id: 'trial-digest' },
          detail.signatures.length
            ? h('ul', { class: 'signatures' }, ...detail.signatures.map((s) => h('li', {}, h('code', {}, s))))
            : null,
          detail.digest ? markdownText(detail.digest, 'digest') : null,
        )
      : null,
    detail.instruction ? collapsible('Instruction', false, longText(detail.instruction, 'instruction')) : null,
    trajectory,
    panel(
      'Verifier output',
      { id: 'trial-verifier' },
      detail.verifier_output
        ? longText(detail.verifier_output, 'verifier')
        : h('p', { class: 'empty' }, 'None recorded.'),
    ),
    detail.notes.length
      ? panel('Notes', { id: 'trial-notes' }, h('ul', {}, ...detail.notes.map((n) => h('li', {}, n))))
      : null,
  );
}

/** Loads a trial's detail from the source and shows it (or says why it cannot). */
/** Buttons to the previous and next trial of the same job (in the job's order), when there are some. */
function neighbours(payload: ReportPayload, ref: string, ctx: ViewContext): HTMLElement | null {
  const found = findTrial(payload.report, ref);
  const trials = found ? jobsOf(payload.report).find((e) => e.key === found.key)?.job.trials : undefined;
  if (!found || !trials || trials.length < 2) return null;
  const at = trials.findIndex((t) => t.detail_ref === ref);
  const step = (to: TrialRow | undefined, text: string) => {
    if (!to) return h('button', { type: 'button', disabled: true }, text);
    const button = h('button', { type: 'button', title: `${to.task} · ${to.id}` }, text);
    button.addEventListener('click', () => ctx.openTrial(to.detail_ref, `${to.task} · ${to.id}`));
    return button;
  };
  return h(
    'p',
    { class: 'trial-nav' },
    step(trials[at - 1], '‹ previous trial'),
    h('span', { class: 'muted' }, ` ${at + 1} of ${trials.length} `),
    step(trials[at + 1], 'next trial ›'),
  );
}

/** Which load a view root is waiting for: a detail that arrives after the reader moved on is dropped. */
const pending = new WeakMap<HTMLElement, object>();

export function renderTrialView(root: HTMLElement, ref: string, ctx: ViewContext, payload: ReportPayload): void {
  clear(root);
  root.append(h('p', { class: 'loading' }, 'Loading the trial…'));
  const row = findTrial(payload.report, ref)?.row;
  const token = {};
  pending.set(root, token);
  const current = () => pending.get(root) === token && root.querySelector(':scope > .loading') !== null;
  ctx.source.trial(ref).then(
    (detail) => {
      if (!current()) return;
      clear(root);
      if (detail) {
        renderDetail(root, detail, row, neighbours(payload, ref, ctx));
        return;
      }
      append(
        root,
        h(
          'div',
          { class: 'view-head' },
          h('h2', {}, h('code', {}, row?.task ?? ref), ' ', h('span', { class: 'muted' }, row?.id ?? '')),
        ),
        row
          ? factLine([
              ['reward', row.reward === null ? '—' : String(row.reward)],
              ['exception', row.exception],
              ['pass', pct(row.passed ? 1 : 0)],
            ])
          : null,
        h(
          'p',
          { class: 'notice' },
          "This trial's trajectory is not in this file",
          payload.embedded_trials?.reason ? ` (${payload.embedded_trials.reason})` : '',
          ". Open the job's directory with `ahe serve` to see it.",
        ),
      );
    },
    (error: unknown) => {
      if (!current()) return;
      clear(root);
      root.append(h('p', { class: 'error' }, `The trial could not be loaded: ${String(error)}`));
    },
  );
}
