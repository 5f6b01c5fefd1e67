// report.json — the Agent Debugger's machine-readable output, read back by the evolve loop and by
// `ahe debug show`. Versioned; one zod schema, so a damaged or foreign file is rejected naming the
// field at fault instead of failing somewhere downstream.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SpendFileSchema, SpendSchema, spendFromFile, spendToFile, ZERO_SPEND } from '../model/usage.ts';
import { COMPONENT_TYPES, TaskAnalysisSchema } from './analysis.ts';

export const REPORT_VERSION = 1;

const count = z.number().int().nonnegative();

export const SignatureSchema = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  steps: z.array(z.number().int()),
});

export const ReportTrialSchema = z.object({
  trial: z.string().min(1),
  reward: z.number().nullable(),
  passed: z.boolean(),
  stop_reason: z.string().nullable(),
  /** Exception type, when the trial recorded one. */
  exception: z.string().nullable(),
  steps: count,
  commands: count,
  duration_sec: z.number().nullable(),
  /** Empty for a passing trial; the first is the one a report shows. */
  signatures: z.array(SignatureSchema),
});

export const ReportTaskSchema = z.object({
  n: count,
  c: count,
  rewards: z.array(z.number().nullable()),
  /** Some attempts passed and some failed: the sharpest signal for the evolver. */
  partial: z.boolean(),
  /** The task's detail file, relative to the report directory. */
  detail: z.string().min(1),
  trials: z.array(ReportTrialSchema),
  /** Signatures of the task's failed trials, by label, with the trials that show each. */
  signatures: z.array(z.object({ id: z.string().min(1), label: z.string().min(1), trials: z.array(z.string()) })),
  analysis: TaskAnalysisSchema.nullable().optional(),
  /** One line for a task every attempt of which passed. */
  summary: z.string().optional(),
});

export const ClusterSchema = z.object({
  id: z.string().min(1),
  /** The cause lies outside the agent (environment, verifier, model provider). */
  not_the_agent: z.boolean(),
  n_trials: count,
  n_tasks: count,
  tasks: z.array(z.string()),
  labels: z.array(z.object({ label: z.string().min(1), n_trials: count, tasks: z.array(z.string()) })),
  examples: z.array(z.object({ task: z.string(), trial: z.string(), steps: z.array(z.number().int()) })),
});

export const MechanismSchema = z.object({
  mechanism: z.string().min(1),
  suggested_component: z.enum(COMPONENT_TYPES),
  /** Failed trials of the tasks whose analyses share this mechanism: what fixing it could explain. */
  n_failed_trials: count,
  n_tasks: count,
  tasks: z.array(z.string()),
  components: z.array(z.object({ component: z.enum(COMPONENT_TYPES), n_failed_trials: count })),
  /** Other wordings grouped into this mechanism. */
  variants: z.array(z.string()),
});

/** What the analyst spent (one Spend), the answers it took from its cache, and the tasks it failed on. */
export const AnalystLedgerSchema = SpendSchema.extend({ cacheHits: count, failures: count });
export type AnalystLedger = z.infer<typeof AnalystLedgerSchema>;

export const emptyAnalystLedger = (): AnalystLedger => ({ ...ZERO_SPEND, cacheHits: 0, failures: 0 });

/** The ledger as report.json names it (snake_case, as every file that records spend). */
const LedgerFileSchema = z.object({
  ...SpendFileSchema.shape,
  cache_hits: count,
  // Reports written before failures were counted have none.
  failures: count.default(0),
});

/** report.json's `ledger` ⇄ AnalystLedger: the spend fields through the one spend codec. */
export const LedgerJson = z.codec(LedgerFileSchema, AnalystLedgerSchema, {
  decode: (f) => ({ ...spendFromFile(f), cacheHits: f.cache_hits, failures: f.failures }),
  encode: (l) => ({ ...spendToFile(l), cache_hits: l.cacheHits, failures: l.failures }),
});

export const ReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  job: z.object({
    dir: z.string().min(1),
    id: z.string().optional(),
    n_tasks: count,
    n_trials: count,
    n_passed_trials: count,
    n_failed_trials: count,
    pass_at_1: z.number().min(0).max(1),
    pass_at_k: z.record(z.string(), z.number()),
    ci95: z.tuple([z.number(), z.number()]),
    partial_tasks: z.array(z.string()),
  }),
  tasks: z.record(z.string(), ReportTaskSchema),
  clusters: z.array(ClusterSchema),
  mechanisms: z.array(MechanismSchema),
  ledger: LedgerJson,
  generated_at: z.string().min(1),
  /** The analyst's model spec; null for a heuristic (`--no-llm`) report. */
  model: z.string().nullable(),
});

/** A report as the program holds it; report.json holds `ReportSchema.encode(report)`. */
export type Report = z.output<typeof ReportSchema>;
export type ReportTask = z.infer<typeof ReportTaskSchema>;
export type ReportTrial = z.infer<typeof ReportTrialSchema>;
export type Cluster = z.infer<typeof ClusterSchema>;
export type Mechanism = z.infer<typeof MechanismSchema>;

export type ReadReport = { ok: true; report: Report } | { ok: false; error: string };

/** Validates a parsed report.json; `source` names the file in the error. */
export function parseReport(value: unknown, source = 'report.json'): ReadReport {
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== undefined && version !== REPORT_VERSION)
    return {
      ok: false,
      error: `${source}: version ${JSON.stringify(version)} is not supported (this ahe reads version ${REPORT_VERSION}); re-run ahe debug`,
    };
  const parsed = ReportSchema.safeParse(value);
  if (parsed.success) return { ok: true, report: parsed.data };
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
  return { ok: false, error: `${source}: not a valid debugger report — ${problems.join('; ')}${more}` };
}

export function readReport(file: string): ReadReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      error: `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    };
  }
  try {
    return parseReport(JSON.parse(text), file);
  } catch (error) {
    return { ok: false, error: `${file}: not valid JSON: ${(error as Error).message}` };
  }
}
