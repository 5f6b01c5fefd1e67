// Which trials an evolve iteration runs (`ahe evolve --eval-policy`, `ahe simulate --policy`). `fixed`
// runs every training task k times, as the paper does. `adaptive` spends the rollouts where a decision
// can turn on them:
//   1. the tasks the changes under judgement predict to fix or risk: k attempts;
//   2. every other task that has not been stable: one attempt;
//   3. a task stable for the last `stableAfter` evaluations (every attempt passed, or every one failed,
//      the same way each time) is re-checked with one attempt every `recheckEvery` iterations (staggered
//      by task) and otherwise carries its last outcome forward;
//   4. when a re-checked stable task comes out against its history, the change evidently reaches past its
//      predictions: that task gets its remaining attempts, and every task not yet run this
//      iteration gets one attempt.
// The first evaluation (nothing is known yet) runs every task k times under both policies. Decisions are
// made on the tasks actually run (the evidence), against each task's last measured outcome.
// Adaptive keeps to a budget: `budgetShare` (half) of the trials fixed would run over the whole run,
// training and held-out together (adaptiveTrainBudget). The second phase (step 4's tasks not yet run)
// spends only what is left of it beyond what the later evaluations would need at this one's size so far;
// the first phase and the surprised tasks' attempts are never cut, so a run goes over the budget only
// when those alone do.
//
// The policy is pure: it only says how many attempts each task should have after each phase; a runner
// (runJob over a job directory in `ahe evolve`, direct draws in `ahe simulate`) brings the measured
// outcomes up to that plan. Both use exactly this code.
import { createHash } from 'node:crypto';
import type { TaskOutcome } from '../bench/stats.ts';

export { EVAL_POLICY_NAMES as EVAL_POLICIES, type EvalPolicyName as EvalPolicy } from './eval-policy-names.ts';

import type { EvalPolicyName as EvalPolicy } from './eval-policy-names.ts';

export interface AdaptiveSettings {
  /** Evaluations in a row with the same unanimous outcome before a task counts as stable. */
  stableAfter: number;
  /** …and at least this many attempts over them (a flaky task passes twice in a row half the time). */
  stableAttempts: number;
  /** A stable task is re-checked every this many iterations. */
  recheckEvery: number;
  /** A task that is neither stable nor named by a change is run (once) every this many iterations. */
  uncertainEvery: number;
  /** The baseline a task's outcome is compared with: its last this many measurements, pooled. */
  baselineEvaluations: number;
  /** The share of the fixed policy's trials (training and held-out, at the same k) a run may spend. */
  budgetShare: number;
}

export const ADAPTIVE_DEFAULTS: AdaptiveSettings = {
  stableAfter: 2,
  stableAttempts: 3,
  recheckEvery: 4,
  uncertainEvery: 2,
  baselineEvaluations: 3,
  budgetShare: 0.5,
};

/** Held-out evaluations over a run: every `every` iterations and at the last one (as `ahe evolve` runs them). */
export function holdoutEvaluationCount(iterations: number, every: number): number {
  let count = 0;
  for (let n = 0; n <= iterations; n++) if ((every > 0 && n % every === 0) || n === iterations) count++;
  return count;
}

export interface RunShape {
  trainTasks: number;
  holdoutTasks: number;
  k: number;
  /** Evolve steps after the seed evaluation (`--iterations`). */
  iterations: number;
  holdoutEvery: number;
}

/** Held-out trials over a whole run (in full at every held-out evaluation, under both policies). */
function holdoutRollouts(shape: RunShape): number {
  return shape.holdoutTasks
    ? shape.k * shape.holdoutTasks * holdoutEvaluationCount(shape.iterations, shape.holdoutEvery)
    : 0;
}

/** Trials the fixed policy runs over a whole run, training and held-out. */
export function fixedRollouts(shape: RunShape): number {
  return shape.k * shape.trainTasks * (shape.iterations + 1) + holdoutRollouts(shape);
}

/**
 * The training trials the adaptive policy may run over a whole run: its share of what fixed runs, less
 * the held-out evaluations (in full under both policies), so that everything it runs stays within that share.
 */
export function adaptiveTrainBudget(shape: RunShape, settings: AdaptiveSettings = ADAPTIVE_DEFAULTS): number {
  return Math.floor(settings.budgetShare * fixedRollouts(shape)) - holdoutRollouts(shape);
}

/** What is left of the adaptive policy's budget when an evaluation starts. */
export interface BudgetLeft {
  /** Training trials the run may still spend, in this evaluation and the later ones. */
  remaining: number;
  /** Evaluations still to come after this one. */
  evaluationsAfter: number;
}

/** What is left of adaptive's budget when iteration n's evaluation starts, after what `history` ran. */
export function budgetLeft(
  shape: RunShape,
  history: Readonly<Record<string, readonly TaskMeasurement[]>>,
  n: number,
  settings: AdaptiveSettings = ADAPTIVE_DEFAULTS,
): BudgetLeft {
  return {
    remaining: adaptiveTrainBudget(shape, settings) - measuredTrials(history),
    evaluationsAfter: shape.iterations - n,
  };
}

/** One measured evaluation of a task: n attempts, c passed. */
export interface TaskMeasurement {
  iteration: number;
  n: number;
  c: number;
}

export interface PolicyInput {
  policy: EvalPolicy;
  iteration: number;
  tasks: readonly string[];
  k: number;
  /** Every earlier measurement of each task, oldest first (tasks never measured: absent or empty). */
  history: Readonly<Record<string, readonly TaskMeasurement[]>>;
  /** Tasks the changes under judgement predict to fix or risk. */
  focus: readonly string[];
  settings?: AdaptiveSettings;
  /** The adaptive policy's budget (adaptiveTrainBudget less what earlier evaluations ran); none: unlimited. */
  budget?: BudgetLeft;
}

/** Attempts each task should have measured (cumulative) after a phase. */
export type AttemptPlan = Record<string, number>;

/** The stable outcome of a task (1: always passes, 0: always fails), or undefined when it is not stable. */
export function stableOutcome(
  history: readonly TaskMeasurement[] | undefined,
  settings: AdaptiveSettings = ADAPTIVE_DEFAULTS,
): 0 | 1 | undefined {
  const measured = (history ?? []).filter((m) => m.n > 0);
  const recent = measured.slice(-settings.stableAfter);
  if (recent.length < settings.stableAfter) return undefined;
  // Enough attempts: the recent evaluations, extended back until they add up to stableAttempts.
  let attempts = recent.reduce((s, m) => s + m.n, 0);
  for (let i = measured.length - recent.length - 1; attempts < settings.stableAttempts && i >= 0; i--) {
    recent.unshift(measured[i]!);
    attempts += measured[i]!.n;
  }
  if (attempts < settings.stableAttempts) return undefined;
  if (recent.every((m) => m.c === m.n)) return 1;
  if (recent.every((m) => m.c === 0)) return 0;
  return undefined;
}

/** Whether a stable task is re-checked at this iteration (staggered by a hash of its name). */
export function recheckDue(task: string, iteration: number, every: number): boolean {
  const offset = createHash('sha256').update(task).digest().readUInt32BE(0) % every;
  return (iteration + offset) % every === 0;
}

/** The first phase's plan. */
export function firstPhase(input: PolicyInput): AttemptPlan {
  const { tasks, k } = input;
  const plan: AttemptPlan = {};
  const everyTask = input.policy === 'fixed' || tasks.every((t) => !(input.history[t]?.length ?? 0));
  if (everyTask) {
    for (const t of tasks) plan[t] = k;
    return plan;
  }
  const s = input.settings ?? ADAPTIVE_DEFAULTS;
  const focus = new Set(input.focus);
  for (const t of tasks) {
    if (focus.has(t)) plan[t] = k;
    else if (stableOutcome(input.history[t], s) === undefined)
      plan[t] = recheckDue(t, input.iteration, s.uncertainEvery) ? 1 : 0;
    else plan[t] = recheckDue(t, input.iteration, s.recheckEvery) ? 1 : 0;
  }
  // An evaluation always runs something: with nothing predicted and nothing due, the longest unmeasured task once.
  if (!tasks.some((t) => (plan[t] ?? 0) > 0) && tasks.length) plan[byStaleness(tasks, input.history)[0]!] = 1;
  return plan;
}

/** Tasks ordered by when they were last measured, the longest ago (or never) first, then by name. */
function byStaleness(
  tasks: readonly string[],
  history: Readonly<Record<string, readonly TaskMeasurement[]>>,
): string[] {
  const last = (t: string) => history[t]?.at(-1)?.iteration ?? -1;
  return [...tasks].sort((a, b) => last(a) - last(b) || (a < b ? -1 : a > b ? 1 : 0));
}

const planned = (plan: AttemptPlan) => Object.values(plan).reduce((sum, n) => sum + n, 0);

/**
 * The next phase after `measured` (this iteration's outcomes so far) met `plan`, or undefined when the
 * evaluation is done.
 */
export function nextPhase(
  input: PolicyInput,
  plan: AttemptPlan,
  measured: Readonly<Record<string, TaskOutcome>>,
): AttemptPlan | undefined {
  if (input.policy === 'fixed') return undefined;
  const s = input.settings ?? ADAPTIVE_DEFAULTS;
  const next: AttemptPlan = { ...plan };
  const focus = new Set(input.focus);
  let surprised = false;
  for (const t of input.tasks) {
    // A predicted task moving is expected (it already has its k attempts); a surprise is elsewhere.
    if (focus.has(t)) continue;
    const stable = stableOutcome(input.history[t], s);
    const m = measured[t];
    if (stable === undefined || !m || m.n === 0) continue;
    const passedAll = m.c === m.n;
    const failedAll = m.c === 0;
    if ((stable === 1 && !passedAll) || (stable === 0 && !failedAll)) {
      surprised = true;
      next[t] = Math.max(next[t] ?? 0, input.k);
    }
  }
  // Escalating to the stable tasks only saves ~5% more rollouts but loses accuracy where predictions are
  // wrong (docs/evolution-cost.md): every task not yet run gets its one attempt — as many as the budget
  // allows beyond what the later evaluations would need at this one's size so far, the longest unmeasured first.
  if (surprised) {
    const room = input.budget
      ? input.budget.remaining - planned(next) * (1 + input.budget.evaluationsAfter)
      : Number.POSITIVE_INFINITY;
    const notRun = byStaleness(
      input.tasks.filter((t) => (next[t] ?? 0) === 0),
      input.history,
    );
    for (const t of notRun.slice(0, Math.max(0, room))) next[t] = 1;
  }
  const changed = input.tasks.some((t) => (next[t] ?? 0) > (plan[t] ?? 0));
  return changed ? next : undefined;
}

/** Outcomes of the tasks a runner measured; the runner is asked to bring each task up to the plan. */
export type PlanRunner = (plan: AttemptPlan) => Promise<Record<string, TaskOutcome>>;

export interface PolicyEvaluation {
  /** Outcomes of the tasks run this iteration (the evidence of its decisions). */
  outcomes: Record<string, TaskOutcome>;
  /** The plan of each phase, in order. */
  phases: AttemptPlan[];
  /** Attempts measured this iteration. */
  rollouts: number;
}

/** Runs an evaluation under a policy, phase by phase. */
export async function evaluateWithPolicy(input: PolicyInput, run: PlanRunner): Promise<PolicyEvaluation> {
  const phases: AttemptPlan[] = [];
  let plan: AttemptPlan | undefined = firstPhase(input);
  let outcomes: Record<string, TaskOutcome> = {};
  while (plan) {
    phases.push(plan);
    outcomes = await run(plan);
    plan = nextPhase(input, plan, outcomes);
  }
  const ran = Object.fromEntries(Object.entries(outcomes).filter(([, o]) => o.n > 0));
  return { outcomes: ran, phases, rollouts: Object.values(ran).reduce((sum, o) => sum + o.n, 0) };
}

/** Trials measured over a history (what earlier evaluations ran). */
export function measuredTrials(history: Readonly<Record<string, readonly TaskMeasurement[]>>): number {
  return Object.values(history).reduce((sum, ms) => sum + ms.reduce((s, m) => s + m.n, 0), 0);
}

/** Each task's measurements from a series of evaluations' outcomes (oldest first). */
export function historyOf(
  evaluations: readonly { iteration: number; outcomes: Readonly<Record<string, TaskOutcome>> }[],
): Record<string, TaskMeasurement[]> {
  const history: Record<string, TaskMeasurement[]> = {};
  for (const e of evaluations)
    for (const [task, o] of Object.entries(e.outcomes))
      if (o.n > 0) (history[task] ??= []).push({ iteration: e.iteration, n: o.n, c: o.c });
  return history;
}

/**
 * What a task's outcome in this iteration is compared with (attribution, the gate's tests): under
 * `fixed`, its last measurement (the previous iteration: every task is run every time); under
 * `adaptive`, its last `baselineEvaluations` measurements pooled, since a task run once per iteration (or
 * skipped) has too few attempts in any single one to tell a change from noise.
 */
export function baselineOutcomes(
  policy: EvalPolicy,
  history: Readonly<Record<string, readonly TaskMeasurement[]>>,
  settings: AdaptiveSettings = ADAPTIVE_DEFAULTS,
): Record<string, TaskOutcome> {
  if (policy === 'fixed') return carriedOutcomes(history);
  const out: Record<string, TaskOutcome> = {};
  for (const [task, ms] of Object.entries(history)) {
    const recent = ms.filter((m) => m.n > 0).slice(-settings.baselineEvaluations);
    if (recent.length) out[task] = { n: recent.reduce((s, m) => s + m.n, 0), c: recent.reduce((s, m) => s + m.c, 0) };
  }
  return out;
}

/** Each task's last measured outcome: what an evaluation that skipped it carries forward. */
export function carriedOutcomes(
  history: Readonly<Record<string, readonly TaskMeasurement[]>>,
): Record<string, TaskOutcome> {
  const out: Record<string, TaskOutcome> = {};
  for (const [task, ms] of Object.entries(history)) {
    const last = ms.at(-1);
    if (last) out[task] = { n: last.n, c: last.c };
  }
  return out;
}

/**
 * What an iteration is compared with the best one on (the best-iteration rule): under `fixed`, its own
 * evaluation; under `adaptive`, which runs only some tasks, every task's last measured outcome (this
 * iteration's where it ran), so tasks it skipped weigh the same on both sides instead of being left out.
 */
export function bestComparand(
  policy: EvalPolicy,
  history: Readonly<Record<string, readonly TaskMeasurement[]>>,
  current: Readonly<Record<string, TaskOutcome>>,
): Record<string, TaskOutcome> {
  return policy === 'fixed' ? { ...current } : carriedOutcomes(history);
}
