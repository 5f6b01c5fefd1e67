// What the per-task analyst is asked: all attempts of one task (passing ones as contrast), the
// heuristic signatures as a skeleton, and a strict JSON answer. PROMPT_VERSION is part of the cache
// key: change it whenever the wording changes, so stale analyses are not reused.
import type { Message } from '../model/types.ts';
import { COMPONENT_TYPES } from './analysis.ts';
import type { Signature } from './digest.ts';

export const PROMPT_VERSION = 1;

export interface AnalystAttempt {
  trial: string;
  passed: boolean;
  reward: number | null;
  /** The attempt's digest rendered as text (render-digest.ts), already within its token share. */
  text: string;
  signatures: Signature[];
}

export interface AnalystInput {
  task: string;
  instruction?: string;
  attempts: AnalystAttempt[];
}

const SYSTEM = `You are the Agent Debugger of a coding-agent harness. You read condensed traces (digests) of
every attempt an agent made at one terminal task and explain, with evidence, why attempts failed.
The agent is driven by a harness with seven component types: ${COMPONENT_TYPES.join(', ')}.
Your lesson must be about the harness (how the agent works), never about this task's specific answer:
a mechanism that would also help on other tasks (e.g. "verify the output against the stated format
before finishing", "read the test file's expectations when the instruction names one"), not "use
Decimal in region_totals.csv".

Answer with ONE JSON object and nothing else, with exactly these keys:
{
  "root_cause": "why the failing attempts failed, in 1-3 sentences",
  "pass_vs_fail": "what the passing attempts did differently; 'no attempt passed' if none did",
  "critical_mistake": "the single decision that lost the task, with the step where it happened",
  "general_mechanism": "the harness-level lesson, one or two sentences, never task-specific",
  "suggested_component": one of ${COMPONENT_TYPES.map((c) => JSON.stringify(c)).join(' | ')},
  "evidence": [{"trial": "<trial name>", "step": <step number, optional>, "note": "what it shows"}, ...]
}
Evidence must name trials that appear below and steps that appear in their digests.`;

export function buildAnalystMessages(input: AnalystInput): Message[] {
  const passing = input.attempts.filter((a) => a.passed).length;
  const parts = [
    `# Task ${input.task}`,
    `${input.attempts.length} attempts, ${passing} passed.`,
    input.instruction ? `## Instruction\n${input.instruction.trim()}` : '',
  ];
  for (const a of input.attempts) {
    const sig = a.signatures.length
      ? `Heuristic signatures: ${a.signatures.map((s) => `${s.label}${s.steps.length ? ` (steps ${s.steps.slice(0, 5).join(', ')})` : ''}`).join('; ')}`
      : 'Heuristic signatures: none';
    parts.push(
      `## Attempt ${a.trial} — ${a.passed ? 'PASSED' : 'FAILED'} (reward ${a.reward ?? 'none'})\n${sig}\n\n${a.text.trim()}`,
    );
  }
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: parts.filter(Boolean).join('\n\n') },
  ];
}

/** The follow-up when an answer does not validate: the errors, and the demand for JSON only. */
export function repairMessage(problems: string[]): string {
  return `Your answer was not valid:\n${problems.map((p) => `- ${p}`).join('\n')}\nReply again with ONE JSON object with exactly the keys asked for, and nothing else.`;
}
