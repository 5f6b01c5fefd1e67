// The per-task analyst's answer: one structured verdict over all attempts of a task, validated with
// zod (a schema-invalid answer is retried, then rejected with a clear error). Shared by the analyst
// (which produces it), the reports (which cluster and rank it) and the evolve loop (which reads it).
import { z } from 'zod';

/** The seven harness component types, in the order of the harness directory's files (docs/harness.md). */
export const COMPONENT_TYPES = [
  'system_prompt',
  'tool_description',
  'tool_implementation',
  'middleware',
  'skill',
  'subagent',
  'memory',
] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const EvidenceSchema = z.object({
  /** Trial name (`<task>__<attempt>`). */
  trial: z.string().min(1),
  /** Step number in that trial's digest, when the evidence is one step. */
  step: z.number().int().nonnegative().optional(),
  /** What the evidence shows, in a sentence. */
  note: z.string().min(1),
});

export const TaskAnalysisSchema = z.object({
  root_cause: z.string().min(1),
  /** What the passing attempts did differently; "no attempt passed" when none did. */
  pass_vs_fail: z.string().min(1),
  critical_mistake: z.string().min(1),
  /** A harness-level lesson that would help on other tasks too — never specific to this task. */
  general_mechanism: z.string().min(1),
  suggested_component: z.enum(COMPONENT_TYPES),
  evidence: z.array(EvidenceSchema).min(1),
});
export type TaskAnalysis = z.infer<typeof TaskAnalysisSchema>;
export type Evidence = z.infer<typeof EvidenceSchema>;
