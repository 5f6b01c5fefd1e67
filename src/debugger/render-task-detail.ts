// detail/<task>.md: everything about one task an evolver (or a person) needs before opening raw traces —
// the analysis, and per attempt how it ended, its signatures, where it went wrong (the first step a
// signature points at), a timeline, and the verifier's failing tests. Held under a token budget:
// outputs shrink first, then the timeline, the verifier excerpt and the failing tests.
import type { TrialDigest } from './digest.ts';
import { type FittedText, fitToTokenBudget } from './fit-token-budget.ts';
import { codeBlock, formatDuration } from './render-markdown.ts';
import { renderTimeline, type TimelineLevel } from './render-timeline.ts';
import type { ReportTask, ReportTrial } from './report-schema.ts';

export const DEFAULT_DETAIL_TOKENS = 6_000;

interface DetailLevel extends TimelineLevel {
  excerptLines: number;
  failingTests: number;
}

// Outputs shrink before anything else (the first two levels keep every step).
const LEVELS: DetailLevel[] = [
  { outputLines: 40, maxSteps: Infinity, textChars: 400, excerptLines: 60, failingTests: 30 },
  { outputLines: 16, maxSteps: Infinity, textChars: 300, excerptLines: 40, failingTests: 20 },
  { outputLines: 8, maxSteps: 80, textChars: 200, excerptLines: 25, failingTests: 12 },
  { outputLines: 4, maxSteps: 50, textChars: 160, excerptLines: 15, failingTests: 8 },
  { outputLines: 2, maxSteps: 30, textChars: 120, excerptLines: 8, failingTests: 5 },
  { outputLines: 0, maxSteps: 20, textChars: 100, excerptLines: 4, failingTests: 3 },
  { outputLines: 0, maxSteps: 10, textChars: 80, excerptLines: 0, failingTests: 2 },
];

const tail = (text: string, lines: number) => text.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function renderAttempt(trial: ReportTrial, digest: TrialDigest | undefined, level: DetailLevel): string {
  const out = [`## Attempt ${trial.trial} — ${trial.passed ? 'PASSED' : 'FAILED'} (reward ${trial.reward ?? 'none'})`];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const facts = [
    `stopped: ${trial.stop_reason ?? 'unknown'}`,
    plural(trial.steps, 'step'),
    plural(trial.commands, 'command'),
  ];
  if (trial.duration_sec !== null) facts.push(formatDuration(trial.duration_sec));
  if (digest?.exception)
    facts.push(
      `exception ${digest.exception.type}: ${cut(digest.exception.message.replace(/\s+/g, ' '), level.textChars)}`,
    );
  else if (trial.exception) facts.push(`exception ${trial.exception}`);
  out.push(facts.join(' · '));
  if (trial.signatures.length) {
    // Failing tests are listed under Verifier; here they are one item, so the causes stay readable.
    const tests = trial.signatures.filter((s) => s.id === 'test-assertion').length;
    const causes = trial.signatures
      .filter((s) => s.id !== 'test-assertion')
      .map(
        (s) =>
          `${s.label}${s.steps.length ? ` (step${s.steps.length > 1 ? 's' : ''} ${s.steps.slice(0, 6).join(', ')}${s.steps.length > 6 ? ', …' : ''})` : ''}`,
      );
    out.push(
      `Signatures: ${[...causes, ...(tests ? [`${tests} failing test${tests > 1 ? 's' : ''}`] : [])].join('; ')}`,
    );
    const first = trial.signatures
      .flatMap((s) => s.steps.map((step) => ({ step, label: s.label })))
      .sort((a, b) => a.step - b.step)[0];
    if (first) out.push(`Went wrong at step ${first.step}: ${first.label}`);
  }
  if (!digest) return out.join('\n\n');
  if (digest.steps.length)
    out.push(
      `### Timeline\n${renderTimeline(digest.steps, trial.signatures, trial.passed ? { ...level, outputLines: Math.min(level.outputLines, 2) } : level)}`,
    );
  const v = digest.verifier;
  const verifier = [`exit ${v.exitCode ?? 'unknown'}`];
  if (v.summary)
    verifier.push(
      `${v.summary.tests} tests: ${v.summary.passed} passed, ${v.summary.failed} failed${v.summary.skipped ? `, ${v.summary.skipped} skipped` : ''}`,
    );
  const parts = [`### Verifier\n${verifier.join(' · ')}`];
  if (v.failing.length) {
    const shown = v.failing
      .slice(0, level.failingTests)
      .map((t) => `- ${t.name} — ${cut(t.message.replace(/\s+/g, ' '), level.textChars)}`);
    if (v.failing.length > shown.length) shown.push(`- …and ${v.failing.length - shown.length} more failing tests`);
    parts.push(shown.join('\n'));
  }
  if (!trial.passed && level.excerptLines > 0 && v.excerpt.trim())
    parts.push(codeBlock(tail(v.excerpt, level.excerptLines)));
  out.push(parts.join('\n\n'));
  if (digest.finalMessage?.trim())
    out.push(`### Final message\n> ${cut(digest.finalMessage.replace(/\s+/g, ' ').trim(), level.textChars * 2)}`);
  return out.join('\n\n');
}

function renderAnalysis(task: ReportTask, model: string | null): string {
  const a = task.analysis;
  if (!a) return task.summary ? `## Summary\n${task.summary}` : '';
  const evidence = a.evidence
    .map((e) => `  - ${e.trial}${e.step !== undefined ? ` step ${e.step}` : ''}: ${e.note}`)
    .join('\n');
  return [
    `## Analysis${model ? ` (${model})` : ''}`,
    `- **Root cause:** ${a.root_cause}`,
    `- **Pass vs fail:** ${a.pass_vs_fail}`,
    `- **Critical mistake:** ${a.critical_mistake}`,
    `- **General mechanism:** ${a.general_mechanism} → \`${a.suggested_component}\``,
    `- **Evidence:**\n${evidence}`,
  ].join('\n');
}

export function renderTaskDetail(
  name: string,
  task: ReportTask,
  digests: readonly TrialDigest[],
  model: string | null,
  budgetTokens = DEFAULT_DETAIL_TOKENS,
): FittedText {
  const byTrial = new Map(digests.map((d) => [d.trial, d]));
  const header = [
    `# ${name}`,
    `${task.c}/${task.n} attempts passed · rewards ${task.rewards.map((r) => r ?? 'none').join(', ')}${task.partial ? ' · **partial pass**: compare the passing and failing attempts below' : ''}`,
    '[← overview](../overview.md)',
  ].join('\n\n');
  const analysis = renderAnalysis(task, model);
  return fitToTokenBudget(
    LEVELS,
    (level) =>
      `${[header, analysis, ...task.trials.map((t) => renderAttempt(t, byTrial.get(t.trial), level))]
        .filter(Boolean)
        .join('\n\n')}\n`,
    budgetTokens,
  );
}
