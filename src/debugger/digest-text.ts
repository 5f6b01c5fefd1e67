// A digest as compact text, at a level of detail: `full` renders every step and every kept output line;
// the shorter levels reduce the middle of the trial first — outputs cut, then steps reduced to their
// command line, then runs of uneventful steps collapsed — while the first and last steps, every error,
// the failing tests and the final message stay. render-digest.ts picks the level that fits a token
// budget; this file needs no tokenizer, so digestTrial (which only measures the full text) loads none.
import type { DigestStep, TrialDigest } from './digest.ts';
import { formatSize } from './head-tail.ts';

type Detail = 'full' | 'short' | 'line';
export interface Level {
  middle: Detail;
  collapse: boolean;
  ends: Detail;
  excerptLines: number;
}

/** From the full text to the most compact; render-digest.ts tries them in order. */
export const LEVELS: Level[] = [
  { middle: 'full', collapse: false, ends: 'full', excerptLines: Infinity },
  { middle: 'short', collapse: false, ends: 'full', excerptLines: Infinity },
  { middle: 'line', collapse: false, ends: 'full', excerptLines: 40 },
  { middle: 'line', collapse: true, ends: 'full', excerptLines: 25 },
  { middle: 'line', collapse: true, ends: 'short', excerptLines: 12 },
  { middle: 'line', collapse: true, ends: 'line', excerptLines: 6 },
];
const FIRST_STEPS = 3;
const LAST_STEPS = 5;

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max)}…`);
const indent = (text: string, prefix = '    ') =>
  text
    .split('\n')
    .map((l) => (l ? prefix + l : l))
    .join('\n');
const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

export const isEventful = (s: DigestStep) =>
  s.kind === 'error' ||
  s.isError === true ||
  s.timedOut === true ||
  (s.errors?.length ?? 0) > 0 ||
  s.kind === 'compaction';

function stepHead(s: DigestStep): string {
  const who = s.subagent ? `[${s.subagent}] ` : '';
  let what: string;
  if (s.kind === 'command') {
    const lines = (s.command ?? '').split('\n');
    what = `$ ${cut(lines[0]!, 200)}${lines.length > 1 ? ` …(+${lines.length - 1} lines)` : ''}`;
  } else if (s.kind === 'tool') what = `${s.tool ?? 'tool'}${s.args ? ` ${cut(s.args, 200)}` : ''}`;
  else if (s.kind === 'error') what = `ERROR ${cut(s.text ?? '', 300)}`;
  else if (s.kind === 'compaction') what = `compaction: ${s.text ?? ''}`;
  else if (s.kind === 'subagent') what = `sub-agent${s.args ? ` ${cut(s.args, 200)}` : ''}`;
  else what = `says: ${cut((s.text ?? '').replace(/\s+/g, ' '), 160)}`;
  const outcome: string[] = [];
  if (s.timedOut) outcome.push('TIMED OUT');
  else if (s.exitCode !== undefined) outcome.push(s.exitCode === null ? 'killed' : `exit ${s.exitCode}`);
  else if (s.isError && s.kind !== 'error') outcome.push('error');
  if (s.durationMs !== undefined) outcome.push(`(${seconds(s.durationMs)})`);
  const extras: string[] = [];
  if (s.outputBytes !== undefined && s.outputBytes > 4096) extras.push(formatSize(s.outputBytes));
  if (s.repeatOf !== undefined) extras.push(`output same as #${s.repeatOf}`);
  return `#${s.step} ${who}${what}${outcome.length ? ` → ${outcome.join(' ')}` : ''}${extras.length ? ` · ${extras.join(' · ')}` : ''}`;
}

function reduceOutput(output: string, head: number, tail: number): string {
  const lines = output.split('\n');
  if (lines.length <= head + tail + 1) return output;
  return [
    ...lines.slice(0, head),
    `⟨… ${lines.length - head - tail} more lines …⟩`,
    ...lines.slice(lines.length - tail),
  ].join('\n');
}

function renderStep(s: DigestStep, detail: Detail): string {
  const parts = [stepHead(s)];
  const saysInHead = s.kind === 'message' || s.kind === 'error' || s.kind === 'compaction';
  if (detail !== 'line' && s.text && !saysInHead)
    parts.push(indent(cut(s.text, detail === 'full' ? 600 : 160), '    > '));
  if (detail === 'full' && s.kind === 'message' && s.text && s.text.length > 160)
    parts.push(indent(cut(s.text, 600), '    > '));
  if (detail === 'full' && s.kind === 'command' && s.command?.includes('\n'))
    parts.push(indent(cut(s.command, 800), '    $ '));
  if (detail !== 'line' && s.output) parts.push(indent(detail === 'full' ? s.output : reduceOutput(s.output, 3, 5)));
  const errors = s.errors ?? [];
  const shown =
    s.repeatOf !== undefined ? [] : detail === 'full' ? errors : errors.slice(0, detail === 'short' ? 3 : 2);
  for (const e of shown) parts.push(indent(detail === 'full' ? e : cut(e, 240), '    ! '));
  if (shown.length < errors.length && s.repeatOf === undefined)
    parts.push(`    ! ⟨${errors.length - shown.length} more error lines⟩`);
  return parts.join('\n');
}

function renderSteps(steps: DigestStep[], level: Level): string[] {
  const out: string[] = [];
  let run: DigestStep[] = [];
  const flushRun = () => {
    if (run.length === 0) return;
    const commands = run.filter((s) => s.kind === 'command').length;
    out.push(
      `⟨#${run[0]!.step}–#${run[run.length - 1]!.step}: ${run.length} uneventful steps (${commands} commands) not shown⟩`,
    );
    run = [];
  };
  steps.forEach((s, i) => {
    const end = i < FIRST_STEPS || i >= steps.length - LAST_STEPS;
    if (!end && level.collapse && !isEventful(s)) {
      run.push(s);
      return;
    }
    flushRun();
    out.push(
      renderStep(s, end ? level.ends : isEventful(s) ? (level.middle === 'full' ? 'full' : 'short') : level.middle),
    );
  });
  flushRun();
  return out;
}

function header(d: TrialDigest): string[] {
  const outcome = d.passed ? 'PASS' : 'FAIL';
  const lines = [`# ${d.task} / ${d.trial} — ${outcome} (reward ${d.reward ?? 'none'})`];
  if (d.exception) lines.push(`exception: ${d.exception.type}: ${cut(d.exception.message, 300)}`);
  const facts = [
    `stop: ${d.stopReason ?? 'unknown'}`,
    `${d.stats.steps} agent steps`,
    `${d.stats.commands} commands`,
    `${d.stats.errors} errors`,
  ];
  if (d.stats.tokens) facts.push(`${d.stats.tokens.prompt} prompt + ${d.stats.tokens.completion} completion tokens`);
  if (d.stats.costUsd !== undefined) facts.push(`$${d.stats.costUsd.toFixed(4)}`);
  if (d.stats.durationSec !== undefined) facts.push(`${d.stats.durationSec.toFixed(1)}s`);
  lines.push(facts.join(' · '));
  lines.push(`source: ${d.source}${d.sourceFiles.length ? ` (${cut(d.sourceFiles.join(', '), 300)})` : ''}`);
  if (d.instruction) lines.push(`instruction: ${cut(d.instruction.trim().replace(/\s+/g, ' '), 400)}`);
  return lines;
}

function verifier(d: TrialDigest, excerptLines: number): string[] {
  const v = d.verifier;
  const lines = ['', '## Verifier'];
  const facts: string[] = [];
  if (v.exitCode !== undefined) facts.push(`exit ${v.exitCode}`);
  if (v.summary)
    facts.push(
      `${v.summary.tests} tests · ${v.summary.passed} passed · ${v.summary.failed} failed${v.summary.skipped ? ` · ${v.summary.skipped} skipped` : ''}`,
    );
  if (facts.length) lines.push(facts.join(' · '));
  for (const f of v.failing) lines.push(`FAILED ${f.name}${f.message ? ` — ${f.message}` : ''}`);
  // Error lines repeat the failing tests' messages; alone, they say why no test ran.
  if (v.failing.length === 0) for (const e of v.errors ?? []) lines.push(indent(cut(e, 400), '! '));
  if (v.excerpt)
    lines.push('excerpt:', indent(excerptLines === Infinity ? v.excerpt : reduceOutput(v.excerpt, 2, excerptLines)));
  if (lines.length === 2) lines.push('(no verifier output)');
  return lines;
}

export function renderAt(d: TrialDigest, level: Level = LEVELS[0]!): string {
  const lines = [...header(d), '', '## Steps'];
  lines.push(...(d.steps.length ? renderSteps(d.steps, level) : ['(no agent steps recorded)']));
  if (d.finalMessage) lines.push('', `final message: ${indent(cut(d.finalMessage, 1200), '  ').trimStart()}`);
  lines.push(...verifier(d, level.excerptLines));
  if (d.problems.length)
    lines.push('', '## Problems reading this trial', ...d.problems.slice(0, 20).map((p) => `- ${cut(p, 300)}`));
  return lines.join('\n');
}
