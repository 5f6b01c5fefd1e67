// One attempt's steps as a readable timeline for detail/<task>.md: each command with its exit code and
// duration, errors, and the signatures found at that step. Under a tight budget outputs shrink first
// (head and tail lines), then steps far from any signature are left out — never a signature step.
import type { DigestStep, Signature } from './digest.ts';
import { codeBlock, formatDuration } from './render-markdown.ts';

export interface TimelineLevel {
  /** Output lines kept per step (head + tail); 0 shows only the first error line. */
  outputLines: number;
  /** Steps shown at most; signature steps are always among them. */
  maxSteps: number;
  /** Characters of agent text (messages, arguments) per step. */
  textChars: number;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function headTail(output: string, lines: number): string {
  const all = output.replace(/\n+$/, '').split('\n');
  if (all.length <= lines) return all.join('\n');
  const head = Math.ceil(lines / 2);
  const tail = lines - head;
  return [...all.slice(0, head), `… ${all.length - lines} lines …`, ...(tail ? all.slice(-tail) : [])].join('\n');
}

function outcome(s: DigestStep): string {
  const parts: string[] = [];
  if (s.timedOut) parts.push('TIMED OUT');
  else if (s.exitCode !== undefined) parts.push(s.exitCode === null ? 'no exit code' : `exit ${s.exitCode}`);
  else if (s.isError) parts.push('error');
  if (s.durationMs !== undefined) parts.push(formatDuration(s.durationMs / 1000));
  if (s.repeatOf !== undefined) parts.push(`same output as step ${s.repeatOf}`);
  return parts.length ? ` → ${parts.join(' · ')}` : '';
}

function headline(s: DigestStep, level: TimelineLevel): string {
  switch (s.kind) {
    case 'command':
      return `\`$ ${cut(oneLine(s.command ?? ''), level.textChars).replace(/`/g, "'")}\``;
    case 'tool':
    case 'subagent':
      return `${s.kind === 'subagent' ? 'sub-agent ' : ''}${s.tool ?? 'tool'}${s.args ? ` ${cut(oneLine(s.args), level.textChars)}` : ''}`;
    case 'message':
      return `says: ${cut(oneLine(s.text ?? ''), level.textChars)}`;
    case 'error':
      return `ERROR: ${cut(oneLine(s.text ?? ''), level.textChars)}`;
    case 'compaction':
      return `context compacted${s.text ? ` (${cut(oneLine(s.text), level.textChars)})` : ''}`;
  }
}

/** The steps to show: every signature step, then the first and last steps, then the rest in order. */
function chooseSteps(steps: readonly DigestStep[], marked: Set<number>, max: number): Set<number> {
  if (steps.length <= max) return new Set(steps.map((s) => s.step));
  const chosen = new Set<number>([...marked].slice(0, max));
  const edge = Math.max(1, Math.floor((max - chosen.size) / 2));
  for (const s of [...steps.slice(0, edge), ...steps.slice(-edge)]) if (chosen.size < max) chosen.add(s.step);
  return chosen;
}

export function renderTimeline(
  steps: readonly DigestStep[],
  signatures: readonly Signature[],
  level: TimelineLevel,
): string {
  const marks = new Map<number, string[]>();
  for (const sig of signatures) for (const n of sig.steps) marks.set(n, [...(marks.get(n) ?? []), sig.label]);
  const shown = chooseSteps(steps, new Set(marks.keys()), level.maxSteps);
  const lines: string[] = [];
  let skipped: number[] = [];
  const flushSkipped = () => {
    if (skipped.length)
      lines.push(
        `- … ${skipped.length} step${skipped.length > 1 ? 's' : ''} (${skipped[0]}–${skipped[skipped.length - 1]}) left out`,
      );
    skipped = [];
  };
  for (const s of steps) {
    if (!shown.has(s.step)) {
      skipped.push(s.step);
      continue;
    }
    flushSkipped();
    const mark = marks.get(s.step);
    lines.push(`- **${s.step}** ${headline(s, level)}${outcome(s)}${mark ? ` ⚠ ${mark.join('; ')}` : ''}`);
    if (s.kind !== 'command' && s.kind !== 'tool' && s.kind !== 'subagent') continue;
    if (level.outputLines > 0 && s.output?.trim()) lines.push(codeBlock(headTail(s.output, level.outputLines), '  '));
    else if (s.errors?.length) lines.push(`  ${cut(oneLine(s.errors[0]!), level.textChars)}`);
  }
  flushSkipped();
  return lines.join('\n');
}
