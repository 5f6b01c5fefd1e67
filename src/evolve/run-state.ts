// The resumable state of an evolve run, RUN/state.json. `step` is the first step of `iteration` that
// has not finished. The rule that makes `kill -9` safe: a step's outputs are written (atomically)
// first, and only then is the step recorded as done (completeStep), so a crash at any point resumes
// at the first unfinished step and redoes at most that step. Steps must therefore be idempotent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';

export const STEPS = ['evaluate', 'holdout', 'stats', 'attribution', 'gate', 'debug', 'evolve', 'done'] as const;
export type RunStep = (typeof STEPS)[number];
export const ROLES = ['coding', 'debugger', 'evolver'] as const;
export type Role = (typeof ROLES)[number];

export const STATE_FILE = 'state.json';

const count = z.number().int().nonnegative();

export const UsageSchema = z.strictObject({
  calls: count,
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count,
  cost_usd: z.number().nonnegative(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const RollbackRecordSchema = z.strictObject({
  /** The iteration whose gate made the rollback. */
  iteration: count,
  change_id: z.string().min(1),
  commit: z.string().min(1),
  /** The commit that undid it. */
  revert: z.string().min(1),
  reason: z.string().min(1),
  method: z.enum(['revert', 'restore-files']),
});
export type RollbackRecord = z.infer<typeof RollbackRecordSchema>;

// Flag names that hold credentials; their values must never reach state.json.
const SECRET_KEY = /api[_-]?key|secret|password|passwd|authorization|bearer|credential/i;
const SECRET_VALUE = /^(sk|sk-ant|sk-proj|rk|ghp|xox[bp])-[A-Za-z0-9_-]{16,}$/;

function secretIn(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? path : undefined;
  if (Array.isArray(value)) return value.map((v, i) => secretIn(v, `${path}.${i}`)).find(Boolean);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = `${path}.${k}`;
      if (SECRET_KEY.test(k)) return at;
      const inner = secretIn(v, at);
      if (inner) return inner;
    }
  }
  return undefined;
}

export const RunStateSchema = z
  .strictObject({
    version: z.literal(1),
    created_at: z.iso.datetime({ offset: true }),
    /** The evolve flags that started the run (harness, tasks, models, k, budgets…), never credentials. */
    config: z.record(z.string(), z.json()),
    iteration: count,
    step: z.enum(STEPS),
    best: z.strictObject({ iteration: count, pass_at_1: z.number().min(0).max(1), ref: z.string().min(1) }).nullable(),
    rollbacks: z.array(RollbackRecordSchema),
    ledger: z.strictObject({ coding: UsageSchema, debugger: UsageSchema, evolver: UsageSchema }),
    /** Why the run ended, and at which step (so that extending it knows where to go on). */
    stopped: z.strictObject({ reason: z.string().min(1), step: z.enum(STEPS).optional() }).optional(),
  })
  .superRefine((state, ctx) => {
    const at = secretIn(state.config, 'config');
    if (at)
      ctx.addIssue({
        code: 'custom',
        path: at.split('.'),
        message: 'looks like a credential; state.json must not hold secrets (pass them through the environment)',
      });
  });
export type RunState = z.infer<typeof RunStateSchema>;

export const emptyUsage = (): Usage => ({
  calls: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cached_tokens: 0,
  cost_usd: 0,
});

/** Field-wise sum of two usages. */
export const sumUsage = (a: Usage, b: Usage): Usage => ({
  calls: a.calls + b.calls,
  prompt_tokens: a.prompt_tokens + b.prompt_tokens,
  completion_tokens: a.completion_tokens + b.completion_tokens,
  cached_tokens: a.cached_tokens + b.cached_tokens,
  cost_usd: a.cost_usd + b.cost_usd,
});

/** The state of a new run: iteration 0, about to evaluate the seed. */
export function createRunState(config: Record<string, z.core.util.JSONType>, now: Date = new Date()): RunState {
  const parsed = RunStateSchema.safeParse({
    version: 1,
    created_at: now.toISOString(),
    config,
    iteration: 0,
    step: 'evaluate',
    best: null,
    rollbacks: [],
    ledger: { coding: emptyUsage(), debugger: emptyUsage(), evolver: emptyUsage() },
  });
  if (!parsed.success) throw new UserError(`invalid evolve configuration: ${describeIssues(parsed.error).join('; ')}`);
  return parsed.data;
}

const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);

export const stateFile = (runDir: string) => join(runDir, STATE_FILE);

/** RUN/iterations/<n> — everything iteration n decided and produced. */
export const iterationDir = (runDir: string, n: number) => join(runDir, 'iterations', String(n));

/** Reads RUN/state.json; every problem is a UserError naming the file and the field. */
export function loadRunState(runDir: string): RunState {
  const file = stateFile(runDir);
  if (!existsSync(file)) throw new UserError(`${runDir} is not an ahe run (or it never started): ${file} is missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} is damaged: ${(error as Error).message}`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (raw && typeof raw === 'object' && version !== undefined && version !== 1) {
    throw new UserError(
      `${file}: version ${JSON.stringify(version)} is not supported by this ahe (it reads version 1)`,
    );
  }
  const parsed = RunStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UserError(
      `${file} is damaged:\n${describeIssues(parsed.error)
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  }
  return parsed.data;
}

/** Validates and writes RUN/state.json atomically (temp file + rename): never half a state. */
export function saveRunState(runDir: string, state: RunState): void {
  const parsed = RunStateSchema.safeParse(state);
  if (!parsed.success)
    throw new Error(`refusing to save an invalid run state: ${describeIssues(parsed.error).join('; ')}`);
  writeJsonAtomic(stateFile(runDir), parsed.data);
}

/**
 * Records `finished` as done: the next step of the iteration, or `evaluate` of the next iteration
 * after `evolve`. Throws when `finished` is not the current step (a loop bug: steps never run out of
 * order). Skipped steps (no held-out evaluation this iteration) are advanced through like any other.
 */
export function advance(state: RunState, finished: RunStep): RunState {
  if (state.step !== finished)
    throw new Error(`advance(${finished}): the run is at step ${state.step} of iteration ${state.iteration}`);
  if (finished === 'done') throw new Error('advance(done): the run has finished');
  if (finished === 'evolve') return { ...state, iteration: state.iteration + 1, step: 'evaluate' };
  return { ...state, step: STEPS[STEPS.indexOf(finished) + 1]! };
}

/** advance + save: call only after the step's outputs are written. Returns the new state. */
export function completeStep(runDir: string, state: RunState, finished: RunStep): RunState {
  const next = advance(state, finished);
  saveRunState(runDir, next);
  return next;
}

/** The run ends (budget, iterations reached, or the user stopped it); resume then does nothing more. */
export function stopRun(state: RunState, reason: string): RunState {
  return { ...state, step: 'done', stopped: { reason, step: state.step } };
}

/** The step a stopped run goes on from when it is extended. */
function stepAfterStop(state: RunState, runDir: string): RunStep {
  const at = state.stopped?.step;
  // The last iteration is detected once its debug step has finished: the next step is its evolve step.
  if (at === 'debug') return 'evolve';
  if (at) return at;
  // Runs written before `stopped.step` existed.
  if (/^all \d+ iterations done/.test(state.stopped?.reason ?? '')) return 'evolve';
  return existsSync(join(iterationDir(runDir, state.iteration), 'debug')) ? 'evolve' : 'evaluate';
}

/**
 * Applies the changes `ahe evolve --resume` was given (only changeable config keys: iterations,
 * budgets, concurrency — src/cli/evolve-flags.ts decides) and reopens a stopped run so that it goes
 * on: a run that did all its iterations continues with its last iteration's evolve step, a run stopped
 * by a budget re-checks the budget where it stopped. Returns the saved state and what changed.
 */
export function extendRun(
  runDir: string,
  changes: Record<string, z.core.util.JSONType>,
): { state: RunState; changed: string[] } {
  let state = loadRunState(runDir);
  const changed = Object.entries(changes)
    .filter(([key, value]) => JSON.stringify(state.config[key] ?? null) !== JSON.stringify(value))
    .map(([key, value]) => `${key} ${JSON.stringify(state.config[key] ?? null)} → ${JSON.stringify(value)}`);
  if (changed.length === 0) return { state, changed };
  const iterations = changes.iterations;
  if (typeof iterations === 'number' && iterations < state.iteration) {
    throw new UserError(
      `--iterations ${iterations}: the run is already at iteration ${state.iteration}; give at least ${state.iteration}`,
    );
  }
  state = { ...state, config: { ...state.config, ...changes } };
  if (state.step === 'done' && state.stopped) {
    const lastDone = /^all \d+ iterations done/.test(state.stopped.reason);
    // A finished run reopens when it may now go further; stopped by a budget, it reopens and re-checks.
    if (!lastDone || (typeof state.config.iterations === 'number' && state.config.iterations > state.iteration)) {
      const { stopped: _stopped, ...rest } = state;
      state = { ...rest, step: stepAfterStop(state, runDir) };
    }
  }
  saveRunState(runDir, state);
  return { state, changed };
}

/** Adds one model call's usage (or a sum of calls) to a role's ledger. */
export function addUsage(state: RunState, role: Role, usage: Partial<Usage> & { calls?: number }): RunState {
  const current = state.ledger[role];
  const sum: Usage = {
    calls: current.calls + (usage.calls ?? 1),
    prompt_tokens: current.prompt_tokens + (usage.prompt_tokens ?? 0),
    completion_tokens: current.completion_tokens + (usage.completion_tokens ?? 0),
    cached_tokens: current.cached_tokens + (usage.cached_tokens ?? 0),
    cost_usd: current.cost_usd + (usage.cost_usd ?? 0),
  };
  return { ...state, ledger: { ...state.ledger, [role]: sum } };
}
