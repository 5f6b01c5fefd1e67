// The resumable state of an evolve run, RUN/state.json. `step` is the first step of `iteration` that
// has not finished. The rule that makes `kill -9` safe: a step's outputs are written (atomically)
// first, and only then is the step recorded as done (completeStep), so a crash at any point resumes
// at the first unfinished step and redoes at most that step. Steps must therefore be idempotent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { addSpend, type Spend, SpendJson, ZERO_SPEND } from '../model/usage.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { type EvolveConfig, EvolveConfigSchema } from './evolve-config.ts';

export const STEPS = ['evaluate', 'holdout', 'stats', 'attribution', 'gate', 'debug', 'evolve', 'done'] as const;
export type RunStep = (typeof STEPS)[number];
export const ROLES = ['coding', 'debugger', 'evolver'] as const;
export type Role = (typeof ROLES)[number];

export const STATE_FILE = 'state.json';

const count = z.number().int().nonnegative();

/** What each role's model calls have spent so far (snake_case in state.json, through SpendJson). */
export type Ledger = Record<Role, Spend>;
const LedgerSchema = z.strictObject({ coding: SpendJson, debugger: SpendJson, evolver: SpendJson });

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
    config: EvolveConfigSchema,
    iteration: count,
    step: z.enum(STEPS),
    best: z
      .strictObject({
        iteration: count,
        /** That iteration's own train pass@1 (stats.json). */
        pass_at_1: z.number().min(0).max(1),
        ref: z.string().min(1),
        /** Its training pass rate estimated over every evaluation of the run, by which it was chosen (best-estimate.ts). */
        estimate: z.number().min(0).max(1).optional(),
      })
      .nullable(),
    rollbacks: z.array(RollbackRecordSchema),
    ledger: LedgerSchema,
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
/** The run as the program holds it; state.json holds its encoded form (`RunStateSchema.encode`). */
export type RunState = z.output<typeof RunStateSchema>;

export const emptyLedger = (): Ledger => ({ coding: ZERO_SPEND, debugger: ZERO_SPEND, evolver: ZERO_SPEND });

/** The state of a new run: iteration 0, about to evaluate the seed (keys left out of `config` take their defaults). */
export function createRunState(input: EvolveConfig, now: Date = new Date()): RunState {
  const config = EvolveConfigSchema.safeParse(input);
  if (!config.success)
    throw new UserError(`invalid evolve configuration: ${describeIssues(config.error, ['config']).join('; ')}`);
  const state: RunState = {
    version: 1,
    created_at: now.toISOString(),
    config: config.data,
    iteration: 0,
    step: 'evaluate',
    best: null,
    rollbacks: [],
    ledger: emptyLedger(),
  };
  const checked = RunStateSchema.safeEncode(state);
  if (!checked.success)
    throw new UserError(`invalid evolve configuration: ${describeIssues(checked.error).join('; ')}`);
  return state;
}

/** `field.path: problem` per issue; `at` is the path of the validated value inside its file. */
const describeIssues = (error: z.ZodError, at: PropertyKey[] = []): string[] =>
  error.issues.map((i) => `${[...at, ...i.path].map(String).join('.') || '(root)'}: ${i.message}`);

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
  const encoded = RunStateSchema.safeEncode(state);
  if (!encoded.success)
    throw new Error(`refusing to save an invalid run state: ${describeIssues(encoded.error).join('; ')}`);
  writeJsonAtomic(stateFile(runDir), encoded.data);
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
 * by a budget re-checks the budget where it stopped. Returns the saved state and what changed (with
 * `save: false`, the state it would save).
 */
export function extendRun(
  runDir: string,
  changes: Readonly<Record<string, unknown>>,
  { save = true }: { save?: boolean } = {},
): { state: RunState; changed: string[] } {
  let state = loadRunState(runDir);
  const recorded: Readonly<Record<string, unknown>> = state.config;
  const changed = Object.entries(changes)
    .filter(([key, value]) => JSON.stringify(recorded[key] ?? null) !== JSON.stringify(value))
    .map(([key, value]) => `${key} ${JSON.stringify(recorded[key] ?? null)} → ${JSON.stringify(value)}`);
  if (changed.length === 0) return { state, changed };
  const config = EvolveConfigSchema.safeParse({ ...state.config, ...changes });
  if (!config.success)
    throw new UserError(
      `cannot change the config of ${stateFile(runDir)}: ${describeIssues(config.error, ['config']).join('; ')}`,
    );
  if ('iterations' in changes && config.data.iterations < state.iteration) {
    throw new UserError(
      `--iterations ${config.data.iterations}: the run is already at iteration ${state.iteration}; give at least ${state.iteration}`,
    );
  }
  state = { ...state, config: config.data };
  if (state.step === 'done' && state.stopped) {
    const lastDone = /^all \d+ iterations done/.test(state.stopped.reason);
    // A finished run reopens when it may now go further; stopped by a budget, it reopens and re-checks.
    if (!lastDone || state.config.iterations > state.iteration) {
      const { stopped: _stopped, ...rest } = state;
      state = { ...rest, step: stepAfterStop(state, runDir) };
    }
  }
  // Not saved for an estimate (`--estimate-only`): it shows what the run would do, and changes nothing.
  if (save) saveRunState(runDir, state);
  return { state, changed };
}

/** Adds model calls' spend to a role's ledger. */
export function addToLedger(state: RunState, role: Role, spend: Spend): RunState {
  return { ...state, ledger: { ...state.ledger, [role]: addSpend(state.ledger[role], spend) } };
}
