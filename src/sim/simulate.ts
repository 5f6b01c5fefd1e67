// `ahe simulate`: whole evolutions in memory on a scenario with known ground truth, to measure what an
// evaluation policy costs (rollouts) and what it decides (keep / roll back) against the truth. Only the
// trial executor differs from `ahe evolve`: a trial's reward is drawn directly (simDraw against the
// scenario's probability) instead of a model working in a sandbox. The evaluation policy
// (src/evolve/eval-policy.ts), the comparison (compare-jobs.ts, iteration-stats.ts), the attribution
// (attribution.ts), the gate (gate.ts) and the best-harness rule (best-estimate.ts) are the same
// functions `ahe evolve` calls, in the same order: evaluate iteration n → judge iteration n−1's changes
// against each task's last measured outcome → roll back what the gate says → the evolve step adds the
// scenario's next candidate; the best harness is chosen over every evaluation (ahe evolve chooses it
// after each gate step, so its last choice is this one). The harness is held as files in memory and hashed as
// on disk, so a trial's draw equals the draw of the same trial under `ahe evolve` with `sim:` models.
//
// Not simulated: the debugger and the leak audit (the candidates are fixed), infrastructure errors.
import { compareJobs } from '../bench/compare-jobs.ts';
import type { TaskOutcome } from '../bench/stats.ts';
import {
  attributeManifest,
  type ManifestAttribution,
  type PredictionQuality,
  runPredictionQuality,
} from '../evolve/attribution.ts';
import { changeKey, chooseBest, type EvaluatedHarness } from '../evolve/best-estimate.ts';
import {
  type AdaptiveSettings,
  adaptiveTrainBudget,
  baselineOutcomes,
  budgetLeft,
  type EvalPolicy,
  evaluateWithPolicy,
  type PolicyEvaluation,
  type TaskMeasurement,
} from '../evolve/eval-policy.ts';
import {
  FINAL_CHECK_ROUNDS,
  finalCheckBudget,
  finalCheckIteration,
  planFinalCheckRound,
} from '../evolve/final-check.ts';
import { decideGate, type GateDecision } from '../evolve/gate.ts';
import type { Change, ChangeManifest } from '../evolve/manifest.ts';
import { predictionsTooPoor } from '../evolve/policy-advice.ts';
import { type ReviewedChange, type ReviewRule, reviewable, reviewKept } from '../evolve/review-kept.ts';
import { type HarnessSnapshot, simDraw, snapshotOf } from './draw.ts';
import { type Scenario, type SimCandidate, successProbability } from './scenario.ts';

export interface SimulateOptions {
  scenario: Scenario;
  /** The seed harness's files (path → content), e.g. readHarnessFiles('harnesses/seed'). */
  seedHarness: ReadonlyMap<string, string>;
  policy: EvalPolicy;
  /** Evolve steps after the seed evaluation (as `ahe evolve --iterations`). */
  iterations: number;
  k: number;
  /** Held-out evaluation every this many iterations and at the end (as `ahe evolve --holdout-every`). */
  holdoutEvery: number;
  /** The seed of the first run (default the scenario's); run r uses seed + r. */
  seed?: number;
  adaptive?: AdaptiveSettings;
  /**
   * Which evaluated harness is the run's best (its iteration); default chooseBest's, as `ahe evolve`.
   * scripts/best-rule-study.ts passes the rule it replaced, to compare the two on the same seeds.
   */
  bestRule?: (evaluated: readonly EvaluatedHarness[], train: readonly string[]) => number;
  /** Adaptive's final check (default on, as `ahe evolve`); scripts/final-check-study.ts turns it off to measure it. */
  finalCheck?: boolean;
  /**
   * Study instruments of scripts/adaptive-bounds-study.ts, not policies: they use the ground truth, which
   * only the simulator has. `measureOnly`: after the first evaluation every evaluation runs exactly these
   * training tasks k times (through the runner, not the policy) and there is no final check.
   * `finalCheckExtra`: the final check may spend this many trials beyond what the budget leaves it.
   */
  study?: { measureOnly?: readonly string[]; finalCheckExtra?: number };
  /**
   * The review of kept changes after each gate (review-kept.ts; `--review-kept`, as `ahe evolve`'s);
   * scripts/review-kept-study.ts passes other rules to measure them. Default: none.
   */
  reviewKept?: ReviewRule;
}

/** One keep/rollback decision, with the truth it is scored against. */
export interface SimDecision {
  iteration: number;
  change: string;
  verdict: string;
  rolledBack: boolean;
  /** True mean effect of the change on the training tasks' success probability. */
  trueEffect: number;
  /** The tasks × attempts it was decided on. */
  evidence: Record<string, number>;
  gateReason: string;
  /** With `reviewKept`: the iteration whose review rolled the kept change back, if one did. */
  reviewedAt?: number;
}

/** Whether a decision's change was rolled back in the end: by its gate or, with `reviewKept`, by a later review. */
export const finallyRolledBack = (d: SimDecision) => d.rolledBack || d.reviewedAt !== undefined;

/** A true effect this close to zero is no effect. */
const EPSILON = 1e-9;

/** The decisions scored: on changes with a non-zero true effect on the training tasks (the others are counted apart). */
export const scoredDecisions = (ds: readonly SimDecision[]) => ds.filter((d) => Math.abs(d.trueEffect) > EPSILON);

/** A scored decision is right when, in the end, a helpful change stayed and a harmful one was rolled back. */
export const decidedRight = (d: SimDecision) => (d.trueEffect > 0 ? !finallyRolledBack(d) : finallyRolledBack(d));

/** A harmful change that stayed in the end. */
export const harmfulKept = (d: SimDecision) => d.trueEffect < 0 && !finallyRolledBack(d);

export interface SimRun {
  seed: number;
  rollouts: number;
  trainRollouts: number;
  holdoutRollouts: number;
  decisions: SimDecision[];
  bestIteration: number;
  /** Adaptive's final check (final-check.ts): each checked harness's iteration and its once-more outcomes, in order. */
  finalCheck: { iteration: number; outcomes: Record<string, TaskOutcome> }[];
  /** With `reviewKept`: the review's rollbacks (the iteration whose gate made it; the change, its estimated rise and sd). */
  reviewRollbacks?: ({ iteration: number } & ReviewedChange)[];
  finalTrueTrain: number;
  finalTrueHoldout: number | null;
  /** The evolve agent's prediction quality over the run, as the run's last attribution.json records it. */
  predictionQuality: PredictionQuality;
  /** Per iteration: the plan's phases, the attempts each task got and their outcomes. */
  evaluations: {
    iteration: number;
    attempts: Record<string, number>;
    phases: number;
    outcomes: Record<string, TaskOutcome>;
    /** The true training pass rate of the harness this evaluation measured. */
    trueTrain: number;
  }[];
}

export interface PolicySummary {
  policy: EvalPolicy;
  runs: number;
  rollouts_mean: number;
  /** Correct decisions / decisions on changes with a non-zero true effect (null: none). */
  decision_accuracy: number | null;
  /** Harmful changes (true effect < 0) that were not rolled back, over all runs. */
  harmful_kept: number;
  final_true_train: number;
  final_true_holdout: number | null;
  /** Decisions scored, and those on changes with no true effect (counted apart). */
  decisions: number;
  zero_effect_decisions: number;
  beneficial_rolled_back: number;
  /** Mean over runs of the evolve agent's prediction precision (null: nothing was predicted). */
  prediction_precision: number | null;
  /** Runs whose summary would advise `--eval-policy fixed` (policy-advice.ts), were they run adaptive. */
  low_precision_runs: number;
  /** With `reviewKept`: the review's rollbacks per run (mean); else null. */
  review_rollbacks: number | null;
}

/** The manifest change the simulated evolve agent writes for a candidate (as sim-evolver does). */
export function candidateChange(c: SimCandidate): Change {
  return {
    id: c.id,
    type: 'new',
    component: c.component,
    files: Object.keys(c.files),
    description: c.description ?? `simulated candidate ${c.id}`,
    evidence: ['simulation'],
    root_cause: 'simulated',
    failure_pattern: 'simulated',
    predicted_fixes: c.predicted_fixes,
    risk_tasks: c.risk_tasks,
    why_this_component: 'simulated',
  };
}

export async function simulateRun(options: SimulateOptions, run = 0): Promise<SimRun> {
  const { scenario, k } = options;
  const seed = (options.seed ?? scenario.seed) + run;
  const train = Object.keys(scenario.tasks);
  const holdout = Object.keys(scenario.holdout);
  let files = new Map(options.seedHarness);
  const probabilityCache = new Map<string, number>();
  const p = (task: string, snap: HarnessSnapshot) => {
    const key = `${snap.hash}\0${task}`;
    let v = probabilityCache.get(key);
    if (v === undefined) probabilityCache.set(key, (v = successProbability(scenario, task, snap.text)));
    return v;
  };
  const trueRate = (tasks: readonly string[], snap: HarnessSnapshot) =>
    tasks.reduce((s, t) => s + p(t, snap), 0) / tasks.length;
  /** Draws attempts `from`..`to` of a task (1-based) under a harness. */
  const draw = (task: string, snap: HarnessSnapshot, iteration: number, from: number, to: number) => {
    let c = 0;
    for (let attempt = from; attempt <= to; attempt++)
      if (simDraw({ seed, task, attempt, harnessHash: snap.hash, iteration }) < p(task, snap)) c++;
    return c;
  };

  // The run's shape, for the adaptive policy's budget (the held-out evaluations run in full under both).
  const shape = {
    trainTasks: train.length,
    holdoutTasks: holdout.length,
    k,
    iterations: options.iterations,
    holdoutEvery: options.holdoutEvery,
  };
  const history: Record<string, TaskMeasurement[]> = {};
  const decisions: SimDecision[] = [];
  const attributions: ManifestAttribution[] = [];
  const evaluations: SimRun['evaluations'] = [];
  let trainRollouts = 0;
  let holdoutRollouts = 0;
  let manifest: ChangeManifest = { iteration: 0, changes: [] };
  /** The changes in the harness (`<iteration made>/<id>`, as changeKey names them; ahe evolve's evaluatedHarnesses too). */
  let active: string[] = [];
  const evaluated: (EvaluatedHarness & { snap: HarnessSnapshot })[] = [];
  /**
   * The files each change replaced (null: the file did not exist), by changeKey, to roll it back: the gate
   * rolls back the manifest's changes, the review of kept changes older ones.
   */
  const replacedByKey = new Map<string, Map<string, string | null>>();
  const replacedBy = (id: string) => replacedByKey.get(changeKey(manifest.iteration, id));
  const reviewRollbacks: NonNullable<SimRun['reviewRollbacks']> = [];

  for (let n = 0; n <= options.iterations; n++) {
    const snap = snapshotOf(files);
    const focus = [...new Set(manifest.changes.flatMap((c) => [...c.predicted_fixes, ...c.risk_tasks]))];
    const measured: Record<string, TaskOutcome> = {};
    const runPlan = async (plan: Readonly<Record<string, number>>) => {
      for (const [task, want] of Object.entries(plan)) {
        const have = measured[task]?.n ?? 0;
        if (want <= have) continue;
        measured[task] = { n: want, c: (measured[task]?.c ?? 0) + draw(task, snap, n, have + 1, want) };
      }
      return measured;
    };
    const only = n > 0 ? options.study?.measureOnly : undefined;
    const evaluation = only
      ? await measureExactly(only, k, runPlan)
      : await evaluateWithPolicy(
          {
            policy: options.policy,
            iteration: n,
            tasks: train,
            k,
            history,
            focus,
            settings: options.adaptive,
            budget: budgetLeft(shape, history, n, options.adaptive),
          },
          runPlan,
        );
    trainRollouts += evaluation.rollouts;
    evaluated.push({ iteration: n, active, outcomes: evaluation.outcomes, snap });
    evaluations.push({
      iteration: n,
      attempts: Object.fromEntries(Object.entries(evaluation.outcomes).map(([t, o]) => [t, o.n])),
      phases: evaluation.phases.length,
      outcomes: evaluation.outcomes,
      trueTrain: trueRate(train, snap),
    });

    if (holdout.length && (n % options.holdoutEvery === 0 || n === options.iterations)) {
      for (const task of holdout) draw(task, snap, n, 1, k);
      holdoutRollouts += holdout.length * k;
    }

    // Judge the previous iteration's changes on this evaluation, against each task's last measured outcome.
    const previous = baselineOutcomes(options.policy, history, options.adaptive);
    if (n > 0 && manifest.changes.length) {
      const comparison = compareJobs(previous, evaluation.outcomes);
      const attribution: ManifestAttribution = attributeManifest(manifest, comparison);
      attributions.push(attribution);
      // stats.json's vs_previous.paired in ahe evolve (iteration-stats.ts jobDelta is this comparison's).
      const delta = comparison;
      const decision: GateDecision = decideGate({
        verdicts: attribution.changes.map((c) => ({
          id: c.id,
          verdict: c.verdict,
          commit: c.id,
          detail: c.reason,
          ...(c.harm_test ? { test: c.harm_test } : {}),
        })),
        paired: { meanDifference: delta.paired.meanDifference, pValue: delta.paired.pValue },
      });
      const rolledBack = new Set(decision.rollbacks.map((r) => r.changeId));
      for (const c of attribution.changes) {
        // The true effect of a change: this harness against the same harness without the change's files.
        const without = restoreFiles(new Map(files), replacedBy(c.id));
        const effect = trueRate(train, snap) - trueRate(train, snapshotOf(without));
        decisions.push({
          iteration: n,
          change: c.id,
          verdict: c.verdict,
          rolledBack: rolledBack.has(c.id),
          trueEffect: effect,
          evidence: Object.fromEntries(comparison.commonTasks.map((t) => [t, evaluation.outcomes[t]!.n])),
          gateReason: decision.reason,
        });
      }
      for (const id of rolledBack) restoreFiles(files, replacedBy(id));
      const gone = new Set([...rolledBack].map((id) => changeKey(manifest.iteration, id)));
      active = active.filter((key) => !gone.has(key));
    }
    if (options.reviewKept && n > 0) {
      const judged = new Set(manifest.changes.map((c) => changeKey(manifest.iteration, c.id)));
      const { rollback } = reviewKept(
        evaluated,
        active,
        reviewable(active, judged, (key) => [...(replacedByKey.get(key)?.keys() ?? [])]),
        train,
        options.reviewKept,
      );
      if (rollback) {
        restoreFiles(files, replacedByKey.get(rollback.change));
        active = active.filter((key) => key !== rollback.change);
        reviewRollbacks.push({ iteration: n, ...rollback });
        const decision = decisions.find((d) => changeKey(d.iteration - 1, d.change) === rollback.change);
        if (decision) decision.reviewedAt = n;
      }
    }
    for (const [task, o] of Object.entries(evaluation.outcomes))
      if (o.n > 0) (history[task] ??= []).push({ iteration: n, n: o.n, c: o.c });

    // The evolve step: the scenario's next candidate, one change per iteration.
    manifest = { iteration: n, changes: [] };
    const candidate = n < options.iterations ? scenario.candidates[n] : undefined;
    if (candidate) {
      const before = new Map<string, string | null>();
      files = new Map(files);
      for (const [path, content] of Object.entries(candidate.files)) {
        before.set(path, files.get(path) ?? null);
        files.set(path, content);
      }
      replacedByKey.set(changeKey(n, candidate.id), before);
      active = [...active, changeKey(n, candidate.id)];
      manifest = { iteration: n, changes: [candidateChange(candidate)] };
    }
  }
  // The best harness (best-estimate.ts): chosen over every evaluation, as the last gate step of ahe evolve chooses it.
  // Adaptive's final check (final-check.ts): what its budget has left, on the two best harnesses.
  const finalCheck: SimRun['finalCheck'] = [];
  if (options.policy === 'adaptive' && options.finalCheck !== false && !options.study?.measureOnly) {
    let left =
      finalCheckBudget(adaptiveTrainBudget(shape, options.adaptive) - trainRollouts, shape) +
      (options.study?.finalCheckExtra ?? 0);
    for (let round = 0; round < FINAL_CHECK_ROUNDS; round++) {
      const plan = planFinalCheckRound(evaluated, train, Math.floor(left / (FINAL_CHECK_ROUNDS - round)));
      if (!plan) break;
      for (const i of plan.iterations) {
        const harness = evaluated.find((e) => e.iteration === i)!;
        const outcomes: Record<string, TaskOutcome> = {};
        for (const task of plan.tasks)
          outcomes[task] = { n: 1, c: draw(task, harness.snap, finalCheckIteration(options.iterations, round), 1, 1) };
        evaluated.push({ ...harness, outcomes });
        finalCheck.push({ iteration: i, outcomes });
      }
      trainRollouts += 2 * plan.tasks.length;
      left -= 2 * plan.tasks.length;
    }
  }
  const bestIteration = (options.bestRule ?? ((e, t) => chooseBest(e, t).iteration))(evaluated, train);
  const best = evaluated.find((e) => e.iteration === bestIteration)!;
  return {
    seed,
    rollouts: trainRollouts + holdoutRollouts,
    trainRollouts,
    holdoutRollouts,
    decisions,
    bestIteration: best.iteration,
    finalCheck,
    ...(options.reviewKept ? { reviewRollbacks } : {}),
    finalTrueTrain: trueRate(train, best.snap),
    finalTrueHoldout: holdout.length ? trueRate(holdout, best.snap) : null,
    predictionQuality: runPredictionQuality(attributions),
    evaluations,
  };
}

/** Puts back in `files` what a change replaced (deleting the files it created); returns `files`. */
function restoreFiles(
  files: Map<string, string>,
  replaced: ReadonlyMap<string, string | null> | undefined,
): Map<string, string> {
  for (const [path, before] of replaced ?? []) {
    if (before === null) files.delete(path);
    else files.set(path, before);
  }
  return files;
}

/** An evaluation of exactly these tasks, k times each (the study instrument `measureOnly`). */
async function measureExactly(
  tasks: readonly string[],
  k: number,
  run: (plan: Readonly<Record<string, number>>) => Promise<Record<string, TaskOutcome>>,
): Promise<PolicyEvaluation> {
  const plan = Object.fromEntries(tasks.map((t) => [t, k]));
  const outcomes = { ...(await run(plan)) };
  return { outcomes, phases: [plan], rollouts: Object.values(outcomes).reduce((sum, o) => sum + o.n, 0) };
}

/** N whole evolutions under one policy, summarised (runs use seeds seed, seed + 1, …). */
export async function simulatePolicy(
  options: SimulateOptions,
  runs: number,
): Promise<PolicySummary & { details: SimRun[] }> {
  const details: SimRun[] = [];
  for (let r = 0; r < runs; r++) details.push(await simulateRun(options, r));
  const all = details.flatMap((d) => d.decisions);
  const scored = scoredDecisions(all);
  const correct = scored.filter(decidedRight).length;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const holdouts = details.map((d) => d.finalTrueHoldout).filter((x): x is number => x !== null);
  const precisions = details.map((d) => d.predictionQuality.precision).filter((x): x is number => x !== null);
  return {
    policy: options.policy,
    runs,
    rollouts_mean: mean(details.map((d) => d.rollouts)),
    decision_accuracy: scored.length ? correct / scored.length : null,
    harmful_kept: scored.filter(harmfulKept).length,
    final_true_train: mean(details.map((d) => d.finalTrueTrain)),
    final_true_holdout: holdouts.length ? mean(holdouts) : null,
    decisions: scored.length,
    zero_effect_decisions: all.length - scored.length,
    beneficial_rolled_back: scored.filter((d) => d.trueEffect > 0 && finallyRolledBack(d)).length,
    prediction_precision: precisions.length ? mean(precisions) : null,
    low_precision_runs: details.filter((d) => predictionsTooPoor(d.predictionQuality)).length,
    review_rollbacks: options.reviewKept ? mean(details.map((d) => d.reviewRollbacks?.length ?? 0)) : null,
    details,
  };
}
