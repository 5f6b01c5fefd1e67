// The ATIF trajectory format (Agent Trajectory Interchange Format, Harbor RFC 0001), as a zod schema
// of its public field list. ahe writes ATIF-v1.5 (v1.4 plus `agent.tool_definitions`); the validator
// accepts v1.4–v1.7 so trajectories of other agents can be checked too.
import { z } from 'zod';

export const ATIF_VERSION = 'ATIF-v1.5';

const extra = z.record(z.string(), z.unknown()).optional();
const contentPart = z.looseObject({ type: z.string() });
const content = z.union([z.string(), z.array(contentPart)]);

const metrics = z.strictObject({
  prompt_tokens: z.number().int().nonnegative().optional(),
  completion_tokens: z.number().int().nonnegative().optional(),
  cached_tokens: z.number().int().nonnegative().optional(),
  cost_usd: z.number().nonnegative().optional(),
  prompt_token_ids: z.array(z.number().int()).optional(),
  completion_token_ids: z.array(z.number().int()).optional(),
  logprobs: z.array(z.number()).optional(),
  extra,
});

const toolCall = z.strictObject({
  tool_call_id: z.string().min(1),
  function_name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()),
});

const subagentRef = z.strictObject({ session_id: z.string().min(1), trajectory_path: z.string().optional(), extra });

const observation = z.strictObject({
  results: z.array(
    z.strictObject({
      source_call_id: z.string().nullable().optional(),
      content: content.optional(),
      subagent_trajectory_ref: z.array(subagentRef).optional(),
    }),
  ),
});

const step = z
  .strictObject({
    step_id: z.number().int().positive(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    source: z.enum(['system', 'user', 'agent']),
    model_name: z.string().optional(),
    reasoning_effort: z.union([z.string(), z.number()]).optional(),
    message: content,
    reasoning_content: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
    observation: observation.optional(),
    metrics: metrics.optional(),
    extra,
  })
  .superRefine((s, ctx) => {
    if (s.source === 'agent') return;
    for (const field of ['model_name', 'reasoning_effort', 'reasoning_content', 'tool_calls', 'metrics'] as const) {
      if (s[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `only agent steps may have ${field}` });
    }
  });

export const AtifTrajectorySchema = z
  .strictObject({
    schema_version: z.string().regex(/^ATIF-v1\.[4-7]$/, 'expected ATIF-v1.4 … ATIF-v1.7'),
    session_id: z.string().min(1),
    agent: z.strictObject({
      name: z.string().min(1),
      version: z.string().min(1),
      model_name: z.string().optional(),
      tool_definitions: z.array(z.record(z.string(), z.unknown())).optional(),
      extra,
    }),
    steps: z.array(step).min(1),
    notes: z.string().optional(),
    final_metrics: z
      .strictObject({
        total_prompt_tokens: z.number().int().nonnegative().optional(),
        total_completion_tokens: z.number().int().nonnegative().optional(),
        total_cached_tokens: z.number().int().nonnegative().optional(),
        total_cost_usd: z.number().nonnegative().optional(),
        total_steps: z.number().int().nonnegative().optional(),
        extra,
      })
      .optional(),
    continued_trajectory_ref: z.string().optional(),
    extra,
  })
  .superRefine((t, ctx) => {
    t.steps.forEach((s, i) => {
      if (s.step_id !== i + 1)
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'step_id'],
          message: `step_id must be sequential from 1 (expected ${i + 1}, got ${s.step_id})`,
        });
    });
  });

export type AtifTrajectory = z.infer<typeof AtifTrajectorySchema>;
export type AtifStep = AtifTrajectory['steps'][number];

/** Problems of a value as an ATIF trajectory, each as `path: message`; empty when valid. */
export function validateAtif(value: unknown): string[] {
  const parsed = AtifTrajectorySchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}
