// zod schemas of the harness files (docs/harness.md). Unknown fields are errors:
// a misspelled setting must never be silently ignored.
import { z } from 'zod';
import { REASONING_EFFORTS } from '../model/types.ts';

const componentSelection = z
  .union([z.literal('all'), z.array(z.string().min(1))], { error: "must be 'all' or a list of names" })
  .default('all');
export type ComponentSelection = z.infer<typeof componentSelection>;

export const ComponentsSchema = z
  .strictObject({
    tools: componentSelection,
    middleware: componentSelection,
    skills: componentSelection,
    subagents: componentSelection,
    memory: componentSelection,
  })
  .prefault({});

const mcpName = z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'an MCP server name is 1–32 letters, digits, _ or -');
const mcpTools = z.array(z.string().min(1)).min(1).optional();
/** One `mcp_servers` entry: a stdio server started inside the sandbox, or a streamable-HTTP one at a URL. */
export const McpServerSchema = z.union(
  [
    z.strictObject({
      name: mcpName,
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).default({}),
      tools: mcpTools,
    }),
    z.strictObject({ name: mcpName, url: z.url({ protocol: /^https?$/ }), tools: mcpTools }),
  ],
  { error: 'must be {name, command, args?, env?, tools?} (stdio) or {name, url, tools?} (streamable HTTP)' },
);
export type McpServerSpec = z.infer<typeof McpServerSchema>;

export const HarnessManifestSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  model: z
    .strictObject({
      temperature: z.number().min(0).max(2).optional(),
      max_output_tokens: z.number().int().positive().optional(),
      reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
      context_budget_tokens: z.number().int().positive().default(128_000),
    })
    .prefault({}),
  limits: z
    .strictObject({
      max_steps: z.number().int().positive().default(100),
      max_wall_sec: z.number().positive().default(3600),
      max_total_tokens: z.number().int().nonnegative().default(0),
      command_timeout_sec: z.number().positive().default(600),
      // How many `agent` (sub-agent) calls of one reply may run at once; absent or 1 = one after another.
      max_parallel_subagents: z.number().int().positive().optional(),
    })
    .prefault({}),
  truncation: z
    .strictObject({
      max_output_bytes: z.number().int().positive().default(30_000),
      head_bytes: z.number().int().nonnegative().default(12_000),
      tail_bytes: z.number().int().nonnegative().default(12_000),
    })
    .prefault({})
    .refine((t) => t.head_bytes + t.tail_bytes <= t.max_output_bytes, {
      message: 'head_bytes + tail_bytes must not exceed max_output_bytes',
    }),
  compaction: z
    .strictObject({
      // deterministic: older turns become a list of the actions taken (no model call);
      // summary: the session's model writes a summary of them (one extra model call).
      strategy: z.enum(['deterministic', 'summary']).default('deterministic'),
      keep_last_turns: z.number().int().positive().default(4),
      summary_max_tokens: z.number().int().positive().default(2000),
    })
    .optional(),
  // MCP servers whose tools join the harness's as mcp__<server>__<tool> (mcp-servers.ts, docs/harness.md).
  mcp_servers: z
    .array(McpServerSchema)
    .default([])
    .refine((list) => new Set(list.map((s) => s.name)).size === list.length, {
      message: 'two MCP servers have the same name',
    }),
  components: ComponentsSchema,
});
export type HarnessManifest = z.infer<typeof HarnessManifestSchema>;

export const ToolSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a tool name is 1–64 letters, digits, _ or -'),
  description: z.string().min(1),
  // The rest of input_schema is JSON Schema, checked by ajv (check-json-schema.ts).
  input_schema: z.looseObject({
    type: z.literal('object', { error: 'must be "object": a tool takes an object of named arguments' }),
  }),
  // Calls of this tool may run at the same time as the reply's other parallel-safe calls.
  parallel: z.boolean().optional(),
});
export type ToolSpec = z.infer<typeof ToolSpecSchema>;

export const SkillFrontmatterSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
});

export const SubagentSpecSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  prompt: z.string().min(1),
  tools: z.array(z.string().min(1)).default([]),
  max_steps: z.number().int().positive().default(20),
});

export type ComponentKind = keyof HarnessManifest['components'];

/** Built-in tools the runtime adds; a harness tool may not take their names. */
export const RESERVED_TOOL_NAMES = ['load_skill', 'agent'] as const;

export const MIDDLEWARE_HOOKS = [
  'beforeAgent',
  'afterAgent',
  'beforeModel',
  'afterModel',
  'wrapModelCall',
  'beforeTool',
  'afterTool',
  'wrapToolCall',
] as const;
