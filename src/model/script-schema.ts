// The `scripted:` model's file format (YAML or JSON). See docs/models.md.
//
//   name: fix-the-bug              # optional
//   context_window: 200000         # optional
//   turns:                         # one per model call, in order
//     - expect:                    # optional checks on the request this turn answers
//         last_user_contains: "…"
//         last_tool_result_contains: "…"
//         system_contains: "…"
//         tools_include: [run_shell_command]
//       reply:
//         content: "…"
//         reasoning: "…"
//         tool_calls:
//           - name: run_shell_command
//             arguments: { command: "ls" }      # an object, or a raw JSON string (to test bad JSON)
//         usage: { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 0 }   # else estimated
//       delay_ms: 0                # simulated latency (honours the AbortSignal)
//       error: { status: 429, message: "rate limited" }                        # this turn fails instead
//
// or, instead of `turns`, `variants: [{ when: { system_contains | user_contains }, turns: [...] }]`:
// the first variant whose `when` matches the first request is used for the whole session.
import { z } from 'zod';

const ExpectSchema = z.strictObject({
  last_user_contains: z.string().optional(),
  last_tool_result_contains: z.string().optional(),
  system_contains: z.string().optional(),
  tools_include: z.array(z.string()).optional(),
});

const TurnSchema = z
  .strictObject({
    expect: ExpectSchema.optional(),
    reply: z
      .strictObject({
        content: z.string().default(''),
        reasoning: z.string().optional(),
        tool_calls: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).default({}),
            }),
          )
          .default([]),
        usage: z
          .strictObject({
            prompt_tokens: z.number().int().nonnegative(),
            completion_tokens: z.number().int().nonnegative(),
            cached_tokens: z.number().int().nonnegative().default(0),
          })
          .optional(),
      })
      .optional(),
    delay_ms: z.number().nonnegative().default(0),
    error: z.strictObject({ status: z.number().int(), message: z.string() }).optional(),
  })
  .refine((t) => t.reply || t.error, { message: 'a turn needs a reply or an error' });

const WhenSchema = z.strictObject({ system_contains: z.string().optional(), user_contains: z.string().optional() });

export const ScriptSchema = z
  .strictObject({
    name: z.string().optional(),
    context_window: z.number().int().positive().optional(),
    turns: z.array(TurnSchema).optional(),
    variants: z.array(z.strictObject({ when: WhenSchema.default({}), turns: z.array(TurnSchema) })).optional(),
  })
  .refine((s) => (s.turns ? 1 : 0) + (s.variants ? 1 : 0) === 1, { message: 'a script has either turns or variants' });

export type Script = z.infer<typeof ScriptSchema>;
export type ScriptTurn = z.infer<typeof TurnSchema>;
export type ScriptExpect = z.infer<typeof ExpectSchema>;
export type ScriptWhen = z.infer<typeof WhenSchema>;
