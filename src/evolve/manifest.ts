// change_manifest.json: what the evolve agent changed in one iteration, and what it predicts. Every
// change is one commit; its predictions (tasks it should fix, tasks it may break) are checked against
// the next evaluation by attribution. Validated with zod; errors name the field.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { COMPONENT_TYPES } from '../debugger/analysis.ts';

export const CHANGE_TYPES = ['new', 'improvement', 'rollback'] as const;

export const ChangeSchema = z.object({
  /** Unique within the run, e.g. `it3-verify-output`. */
  id: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  type: z.enum(CHANGE_TYPES),
  component: z.enum(COMPONENT_TYPES),
  /** Harness files the change touches, relative to the harness directory. */
  files: z.array(z.string().min(1)).min(1),
  description: z.string().min(1),
  /** What in the evidence motivated it (report sections, tasks, trials). */
  evidence: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .transform((e) => (Array.isArray(e) ? e : [e])),
  root_cause: z.string().min(1),
  failure_pattern: z.string().min(1),
  /** Training tasks this change should make pass (more often). */
  predicted_fixes: z.array(z.string().min(1)),
  /** Training tasks this change might break. */
  risk_tasks: z.array(z.string().min(1)),
  why_this_component: z.string().min(1),
  /** Set by the loop, not the agent: the commit that made the change. */
  commit: z.string().optional(),
});

export const ManifestSchema = z.object({
  iteration: z.number().int().nonnegative(),
  changes: z.array(ChangeSchema),
});

export type Change = z.infer<typeof ChangeSchema>;
export type ChangeManifest = z.infer<typeof ManifestSchema>;

export type ManifestReading = { ok: true; manifest: ChangeManifest } | { ok: false; problems: string[] };

/** Validates a manifest; problems name the field (`changes.0.predicted_fixes: …`). */
export function parseManifest(value: unknown, knownTasks?: ReadonlySet<string>): ManifestReading {
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success)
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  const problems: string[] = [];
  const ids = new Set<string>();
  parsed.data.changes.forEach((c, i) => {
    if (ids.has(c.id)) problems.push(`changes.${i}.id: ${c.id} is used twice`);
    ids.add(c.id);
    if (knownTasks) {
      for (const field of ['predicted_fixes', 'risk_tasks'] as const) {
        const unknown = c[field].filter((t) => !knownTasks.has(t));
        if (unknown.length) problems.push(`changes.${i}.${field}: not training tasks: ${unknown.join(', ')}`);
      }
    }
  });
  return problems.length ? { ok: false, problems } : { ok: true, manifest: parsed.data };
}

export function readManifest(file: string, knownTasks?: ReadonlySet<string>): ManifestReading {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { ok: false, problems: [`${file}: ${(error as Error).message}`] };
  }
  return parseManifest(raw, knownTasks);
}
