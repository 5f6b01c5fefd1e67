// `ahe evolve` as a function. Each iteration N: evaluate the harness tagged iter-N on the training
// split (and the held-out split every M iterations and at the end) → stats against the previous and
// the best iteration → attribution of iteration N−1's manifest → gate (automatic rollback of harmful
// changes) → debugger report → evolve agent (changes + manifest, unless N is the last iteration).
// Each step records itself in RUN/state.json only after its outputs are written, so a kill -9 at any
// moment resumes at the first unfinished step without repeating finished trials or decisions.
// Nothing is judged on an incomplete evaluation: its missing trials are run again a bounded number of
// times, and if they are still missing (or the model is unreachable) the run stops at that step,
// resumably, with EvaluationIncompleteError.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareJobs } from '../bench/compare-jobs.ts';
import type { JobResult, JobSummary } from '../bench/job-summary.ts';
import type { JobEvent, TrialExecutor } from '../bench/run-job.ts';
import { HOLDOUT_SELECTION_FLAGS, type TaskSelection, TRAIN_SELECTION_FLAGS } from '../bench/select-tasks.ts';
import type { TaskOutcome } from '../bench/stats.ts';
import type { Task } from '../bench/task.ts';
import { debugJob } from '../debugger/debug-job.ts';
import { InterruptedError, RunStoppedError } from '../errors.ts';
import { createModel } from '../model/create-model.ts';
import { withFallback } from '../model/fallback-model.ts';
import type { PriceTable } from '../model/prices.ts';
import { withReasoningEffort } from '../model/reasoning-effort.ts';
import type { Model, ModelContext } from '../model/types.ts';
import { addSpend, type Spend, ZERO_SPEND } from '../model/usage.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { attributeManifest, type ManifestAttribution, runPredictionQuality } from './attribution.ts';
import {
  adaptiveTrainBudget,
  baselineOutcomes,
  bestComparand,
  carriedOutcomes,
  evaluateWithPolicy,
  measuredTrials,
} from './eval-policy.ts';
import { EvaluationIncompleteError, evaluateHarness, loadSplit } from './evaluate-harness.ts';
import { readEvidenceInput } from './evidence-input.ts';
import { type EvolveConfig, holdoutSelection, roleEffort, roleFallback, trainSelection } from './evolve-config.ts';
import { runEvolveStep } from './evolve-step.ts';
import { refuseMixedFallbackShares } from './fallback-shares.ts';
import { applyGate, decideGate } from './gate.ts';
import { type IterationStats, iterationStats, jobDelta } from './iteration-stats.ts';
import {
  ledgerFromIterations,
  readIterationUsage,
  readSpendFile,
  recordIterationUsage,
  writeSpendFile,
} from './iteration-usage.ts';
import { jobSpend } from './job-spend.ts';
import { type ChangeManifest, readManifest } from './manifest.ts';
import { asSummaryTasks, focusOf, trainHistory, trainOutcomes } from './policy-views.ts';
import { listEvidenceSections, renderEvidence } from './render-evidence.ts';
import {
  completeStep,
  createRunState,
  iterationDir,
  loadRunState,
  type Role,
  type RunState,
  saveRunState,
  stopRun,
} from './run-state.ts';
import { writeRunSummary } from './run-summary.ts';
import { createWorkspace, openWorkspace, type Workspace } from './workspace.ts';

export type { EvolveConfig, RunConfig } from './evolve-config.ts';

export interface EvolveOptions {
  runDir: string;
  /** For a new run (keys with defaults may be left out); a resumed run takes its config from state.json. */
  config?: EvolveConfig;
  prices?: PriceTable;
  maxRetries?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onJobEvent?: (event: JobEvent) => void;
  /** Where the evaluations' trials run (default here; `ahe evolve --queue` passes a queue's executor). */
  executeTrial?: TrialExecutor;
  /** Called after every completed step (`ahe evolve` rewrites RUN/report.html; tests simulate a crash). */
  afterStep?: (state: RunState) => void;
  /** An evaluation stops after this many infrastructure errors in a row (default 5, run-job's). */
  maxConsecutiveInfraFailures?: number;
  /** How many times the missing trials of an incomplete evaluation are run again before the run stops (default 2). */
  evaluationRetries?: number;
  /**
   * Makes a role's model from its spec in the config (default: createModel with `prices` and `maxRetries`).
   * Called once per coding trial (a model may keep per-session state) and once per debug or evolve step.
   * A library caller passes its own Model objects this way; the specs then only name them in state.json.
   */
  resolveModel?: ModelResolver;
}

/** Makes the model of a role from the spec the run's config gives it. */
export type ModelResolver = (spec: string, role: Role) => Model | Promise<Model>;

export const DEFAULT_EVALUATION_RETRIES = 2;

/** A short list of trial names for a message: the first few, then how many more. */
function listTrials(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The reason to stop before spending more, or undefined. */
function budgetExceeded(state: RunState, config: EvolveConfig): string | undefined {
  const spent = Object.values(state.ledger).reduce(addSpend, ZERO_SPEND);
  const tokens = spent.promptTokens + spent.completionTokens;
  const cost = spent.costUsd;
  // Wall time since the run was created (a resumed run counts the time it was stopped too).
  const minutes = (Date.now() - Date.parse(state.created_at)) / 60_000;
  if (config.budget_usd !== null && cost >= config.budget_usd)
    return `cost budget reached: $${cost.toFixed(2)} of $${config.budget_usd}`;
  if (config.budget_tokens !== null && tokens >= config.budget_tokens)
    return `token budget reached: ${tokens} of ${config.budget_tokens}`;
  if (config.budget_minutes !== null && minutes >= config.budget_minutes)
    return `time budget reached: ${minutes.toFixed(1)} of ${config.budget_minutes} minutes`;
  return undefined;
}

/** What iteration n's own evaluations (training, and held-out when it has one) spent, from their job files. */
function evaluationsSpend(runDir: string, n: number): Spend {
  return (['job', 'holdout-job'] as const).reduce((total, split) => {
    const file = join(iterationDir(runDir, n), split, 'result.json');
    return existsSync(file)
      ? addSpend(total, jobSpend(readJson<JobResult>(file), join(iterationDir(runDir, n), split)))
      : total;
  }, ZERO_SPEND);
}

const summaryOf = (runDir: string, n: number, split: 'job' | 'holdout-job'): JobSummary | undefined => {
  const file = join(iterationDir(runDir, n), split, 'result.json');
  return existsSync(file) ? readJson<JobSummary>(file) : undefined;
};

export async function runEvolve(options: EvolveOptions): Promise<RunState> {
  const runDir = resolve(options.runDir);
  const log = options.log ?? (() => {});
  let state: RunState;
  let ws: Workspace;
  if (existsSync(join(runDir, 'state.json'))) {
    state = loadRunState(runDir);
    ws = await openWorkspace(runDir);
    log(`resuming ${runDir} at iteration ${state.iteration}, step ${state.step}`);
  } else {
    if (!options.config) throw new Error('a new run needs its config');
    mkdirSync(runDir, { recursive: true });
    ws = await createWorkspace(runDir, resolve(options.config.harness));
    state = createRunState(options.config);
    saveRunState(runDir, state);
  }
  const config = state.config;
  const modelFor = async (spec: string, role: Role, context?: ModelContext): Promise<Model> => {
    const make = async (s: string) =>
      options.resolveModel
        ? options.resolveModel(s, role)
        : createModel(s, { prices: options.prices, maxRetries: options.maxRetries, context });
    // The role's fallback model takes over once this one fails with retries exhausted (src/model/fallback-model.ts).
    const fallback = roleFallback(config, role);
    const model = fallback ? withFallback(await make(spec), await make(fallback)) : await make(spec);
    const effort = roleEffort(config, role);
    return effort ? withReasoningEffort(model, effort) : model;
  };
  const warn = (line: string) => log(`  ${line}`);
  const train: Task[] = loadSplit(resolve(config.tasks), warn, trainSelection(config), TRAIN_SELECTION_FLAGS);
  const holdout: Task[] = config.holdout
    ? loadSplit(resolve(config.holdout), warn, holdoutSelection(config), HOLDOUT_SELECTION_FLAGS)
    : [];
  const done = (step: RunState['step']) => {
    state = completeStep(runDir, { ...state, ledger: ledgerFromIterations(runDir, state.iteration) }, step);
    options.afterStep?.(state);
  };
  const retries = options.evaluationRetries ?? DEFAULT_EVALUATION_RETRIES;
  /** Whether iteration n's training pass@1 reached --target-pass-rate (the run then ends after it, held-out included). */
  const reachedTarget = (n: number): boolean => {
    const score = config.target_pass_rate === null ? undefined : trainScore(n);
    return score !== undefined && score >= config.target_pass_rate!;
  };
  /**
   * Iteration n's training pass@1 over every training task: the job's under `fixed`; under `adaptive`,
   * whose job ran only some tasks, the tasks not run carry their last outcome (as stats.json scores it).
   */
  function trainScore(n: number): number | undefined {
    const summary = summaryOf(runDir, n, 'job');
    if (!summary || config.eval_policy === 'fixed') return summary?.pass_at_1;
    const outcomes = Object.values(carriedOutcomes(trainHistory(runDir, n + 1))).filter((o) => o.n > 0);
    return outcomes.length ? outcomes.reduce((sum, o) => sum + o.c / o.n, 0) / outcomes.length : undefined;
  }
  /** A complete evaluation's result, or EvaluationIncompleteError with the run left at this step. */
  const evaluate = async (
    tasks: Task[],
    tasksDir: string,
    taskSelection: TaskSelection,
    jobDir: string,
    what: string,
    harnessDir: string = ws.dir,
    plan: { iteration?: number; attempts?: Record<string, number> } = {},
  ) => {
    for (let tries = 1; ; tries++) {
      const evaluation = await evaluateHarness({
        harnessDir,
        tasks,
        tasksDir,
        taskSelection,
        backend: config.backend,
        model: config.model,
        newModel: (context) => modelFor(config.model, 'coding', context),
        ...(plan.iteration !== undefined ? { iteration: plan.iteration } : {}),
        ...(plan.attempts ? { attempts: plan.attempts } : {}),
        k: config.k,
        concurrency: config.concurrency,
        jobDir,
        prices: options.prices,
        maxRetries: options.maxRetries,
        timeoutMultiplier: config.timeout_multiplier,
        signal: options.signal,
        onEvent: options.onJobEvent,
        executeTrial: options.executeTrial,
        maxConsecutiveInfraFailures: options.maxConsecutiveInfraFailures,
      });
      if (evaluation.interrupted) throw new InterruptedError('the evolve run');
      if (evaluation.complete) return evaluation.result;
      const missing = evaluation.result.missing_trials;
      const resume = `nothing was judged on it; the run is saved: continue with ahe evolve --resume ${runDir}`;
      if (evaluation.stopped)
        throw new EvaluationIncompleteError(
          `${what}: ${evaluation.stopped.replace(/; fix the model or provider, then run again to resume$/, '')}; fix the model or provider — ${resume}`,
          missing,
        );
      if (tries > retries)
        throw new EvaluationIncompleteError(
          `${what}: still incomplete after ${tries} tries, ${missing.length} trial(s) without a measured result (${listTrials(missing)}) — ${resume}`,
          missing,
        );
      log(
        `${what}: incomplete, ${missing.length} trial(s) without a measured result (${listTrials(missing)}); running them again (retry ${tries} of ${retries})`,
      );
    }
  };

  while (state.step !== 'done') {
    const n = state.iteration;
    const dir = iterationDir(runDir, n);
    mkdirSync(dir, { recursive: true });
    switch (state.step) {
      case 'evaluate': {
        const over = budgetExceeded(state, config);
        if (over) {
          state = stopRun(state, over);
          saveRunState(runDir, state);
          break;
        }
        await ws.discardUncommitted();
        await ws.tag(`iter-${n}`);
        log(
          `iteration ${n}: evaluating ${train.length} training tasks × ${config.k}${config.eval_policy === 'adaptive' ? ' (adaptive: only where a decision can turn on them)' : ''}`,
        );
        // The evaluation policy says which trials to run, phase by phase (eval-policy.ts); each phase is the
        // same job directory brought up to its plan, so a resumed step never runs a finished trial again.
        let result: JobResult | undefined;
        const previousManifest =
          n > 0 ? readManifest(join(iterationDir(runDir, n - 1), 'change_manifest.json')) : undefined;
        const history = trainHistory(runDir, n);
        let phase = 0;
        let planned = 0;
        const evaluation = await evaluateWithPolicy(
          {
            policy: config.eval_policy,
            iteration: n,
            tasks: train.map((t) => t.name),
            k: config.k,
            history,
            focus: focusOf(previousManifest?.ok ? previousManifest.manifest : undefined),
            // Adaptive's budget: half of what fixed would run over the run, less what earlier evaluations ran.
            budget: {
              remaining:
                adaptiveTrainBudget({
                  trainTasks: train.length,
                  holdoutTasks: holdout.length,
                  k: config.k,
                  iterations: config.iterations,
                  holdoutEvery: config.holdout_every,
                }) - measuredTrials(history),
              evaluationsAfter: config.iterations - n,
            },
          },
          async (attempts) => {
            // A later phase: a task stable so far came out against its history (eval-policy.ts, step 4).
            const wanted = Object.values(attempts).reduce((sum, a) => sum + a, 0);
            if (phase++ > 0)
              log(
                `iteration ${n}: phase ${phase} (a task stable so far came out against its history): ${wanted - planned} more trials`,
              );
            planned = wanted;
            result = await evaluate(
              train,
              resolve(config.tasks),
              trainSelection(config),
              join(dir, 'job'),
              `iteration ${n}: training evaluation`,
              ws.dir,
              { iteration: n, attempts },
            );
            return Object.fromEntries(Object.entries(result.tasks).map(([t, s]) => [t, { n: s.n, c: s.c }]));
          },
        );
        // The evidence the iteration's decisions rest on: the tasks × attempts actually run.
        writeJsonAtomic(join(dir, 'evaluation.json'), {
          policy: config.eval_policy,
          rollouts: evaluation.rollouts,
          attempts: Object.fromEntries(Object.entries(evaluation.outcomes).map(([t, o]) => [t, o.n])),
          phases: evaluation.phases,
        });
        if (!result) throw new Error(`iteration ${n}: the evaluation policy ran no phase`);
        // Never compared with an evaluation whose share of fallback-model trials differs (fallback-shares.ts).
        refuseMixedFallbackShares({
          jobDir: join(dir, 'job'),
          current: result,
          others: [...new Set([n - 1, state.best?.iteration ?? -1])].flatMap((i) => {
            const summary = i >= 0 && i < n ? summaryOf(runDir, i, 'job') : undefined;
            return summary ? [{ label: `iteration ${i}`, summary }] : [];
          }),
          what: `iteration ${n}: training evaluation`,
          runDir,
        });
        recordIterationUsage(runDir, n, 'coding', jobSpend(result, join(dir, 'job')));
        await ws.exportTo(`iter-${n}`, join(dir, 'harness'));
        if (config.eval_policy === 'fixed' || n === 0)
          log(
            `iteration ${n}: train pass@1 ${(result.pass_at_1 * 100).toFixed(1)}% (95% CI ${(result.ci95[0] * 100).toFixed(1)}–${(result.ci95[1] * 100).toFixed(1)}%)`,
          );
        else
          log(
            `iteration ${n}: train pass@1 ${((trainScore(n) ?? 0) * 100).toFixed(1)}% over all ${train.length} tasks (${result.n_tasks} run this iteration, ${(result.pass_at_1 * 100).toFixed(1)}% of them; the others carry their last outcome)`,
          );
        done('evaluate');
        break;
      }
      case 'holdout': {
        if (holdout.length && (n % config.holdout_every === 0 || n === config.iterations || reachedTarget(n))) {
          log(`iteration ${n}: evaluating ${holdout.length} held-out tasks × ${config.k}`);
          const result = await evaluate(
            holdout,
            resolve(config.holdout!),
            holdoutSelection(config),
            join(dir, 'holdout-job'),
            `iteration ${n}: held-out evaluation`,
            ws.dir,
            { iteration: n },
          );
          // The held-out numbers are read against each other (the baseline's and the previous one's):
          // never across differing shares of fallback-model trials, as for training (fallback-shares.ts).
          const earlier = Array.from({ length: n }, (_, i) => i).filter((i) => summaryOf(runDir, i, 'holdout-job'));
          refuseMixedFallbackShares({
            jobDir: join(dir, 'holdout-job'),
            current: result,
            others: [...new Set([earlier[0], earlier.at(-1)])].flatMap((i) =>
              i === undefined ? [] : [{ label: `iteration ${i}`, summary: summaryOf(runDir, i, 'holdout-job')! }],
            ),
            what: `iteration ${n}: held-out evaluation`,
            runDir,
          });
          const training = readIterationUsage(runDir, n).coding ?? ZERO_SPEND;
          recordIterationUsage(runDir, n, 'coding', addSpend(training, jobSpend(result, join(dir, 'holdout-job'))));
          log(`iteration ${n}: held-out pass@1 ${(result.pass_at_1 * 100).toFixed(1)}%`);
        }
        done('holdout');
        break;
      }
      case 'stats': {
        const measured = summaryOf(runDir, n, 'job')!;
        const history = Array.from({ length: n }, (_, i) => summaryOf(runDir, i, 'job')).filter(
          (s): s is JobSummary => s !== undefined,
        );
        const bestSummary =
          state.best && state.best.iteration < n ? summaryOf(runDir, state.best.iteration, 'job')! : undefined;
        let stats: IterationStats;
        if (config.eval_policy === 'fixed')
          stats = iterationStats({
            current: measured,
            previous: n > 0 ? summaryOf(runDir, n - 1, 'job') : undefined,
            best: bestSummary && { iteration: state.best!.iteration, summary: bestSummary },
            history,
          });
        else {
          // Adaptive: the score is over every training task (the tasks not run keep their last outcome),
          // the change against each task's pooled recent outcomes, the best against its own state then.
          const before = trainHistory(runDir, n);
          const now = trainHistory(runDir, n + 1);
          const withTasks = (tasks: Record<string, TaskOutcome>) => ({ ...measured, tasks: asSummaryTasks(tasks) });
          stats = iterationStats({
            current: withTasks(bestComparand('adaptive', now, {})),
            best: bestSummary && {
              iteration: state.best!.iteration,
              summary: withTasks(carriedOutcomes(trainHistory(runDir, state.best!.iteration + 1))),
            },
            history,
          });
          if (n > 0) stats.vs_previous = jobDelta(asSummaryTasks(baselineOutcomes('adaptive', before)), measured.tasks);
        }
        const held = summaryOf(runDir, n, 'holdout-job');
        writeJsonAtomic(join(dir, 'stats.json'), {
          iteration: n,
          train: stats,
          holdout: held
            ? { pass_at_1: held.pass_at_1, ci95: held.ci95, stderr: held.stderr, n_tasks: held.n_tasks }
            : null,
        });
        done('stats');
        break;
      }
      case 'attribution': {
        const manifestFile = join(iterationDir(runDir, n - 1), 'change_manifest.json');
        if (n > 0 && existsSync(manifestFile)) {
          const reading = readManifest(manifestFile);
          if (reading.ok && reading.manifest.changes.length) {
            // Each task against its baseline under the run's policy (the previous iteration under fixed).
            const comparison = compareJobs(
              baselineOutcomes(config.eval_policy, trainHistory(runDir, n)),
              trainOutcomes(runDir, n)!,
            );
            const attribution = attributeManifest(reading.manifest, comparison);
            const all = collectAttributions(runDir, n - 1).concat(attribution);
            writeJsonAtomic(join(dir, 'attribution.json'), {
              ...attribution,
              run_prediction_quality: runPredictionQuality(all),
            });
            log(
              `iteration ${n}: attribution of iteration ${n - 1}: ${attribution.changes.map((c) => `${c.id} ${c.verdict}`).join(', ')}`,
            );
          }
        }
        done('attribution');
        break;
      }
      case 'gate': {
        await gateStep(runDir, n, ws, state, log).then((s) => (state = s));
        done('gate');
        break;
      }
      case 'debug': {
        const model = config.debug_model ? await modelFor(config.debug_model, 'debugger') : undefined;
        const result = await debugJob({
          jobDir: join(dir, 'job'),
          outDir: join(dir, 'debug'),
          model,
          concurrency: config.concurrency,
          signal: options.signal,
        });
        const { cacheHits: _hits, failures: _failures, ...spent } = result.ledger;
        recordIterationUsage(runDir, n, 'debugger', spent);
        // How much the debugger distilled: raw trace bytes → digest bytes → overview tokens (the paper: ~10M → ~10K tokens).
        writeJsonAtomic(join(dir, 'debug-stats.json'), {
          trials: result.digests.length,
          raw_bytes: result.digests.reduce((a, d) => a + d.stats.rawBytes, 0),
          digest_bytes: result.digests.reduce((a, d) => a + d.stats.digestBytes, 0),
          overview_tokens: result.written.overviewTokens,
        });
        log(
          `iteration ${n}: debugger report ${join(dir, 'debug', 'overview.md')} (${result.written.overviewTokens} tokens)`,
        );
        if (n >= config.iterations || reachedTarget(n)) {
          state = stopRun(
            { ...state, ledger: ledgerFromIterations(runDir, n) },
            n >= config.iterations
              ? `all ${config.iterations} iterations done`
              : `target reached: train pass@1 ${pct(trainScore(n)!)} ≥ --target-pass-rate ${pct(config.target_pass_rate!)}`,
          );
          saveRunState(runDir, state);
        } else done('debug');
        break;
      }
      case 'evolve': {
        const over = budgetExceeded(state, config);
        if (over) {
          state = stopRun(state, over);
          saveRunState(runDir, state);
          break;
        }
        // The evidence of the training split only: held-out results never reach the evolve agent.
        const evidence = readEvidenceInput(runDir, n, {
          trainTasks: train.map((t) => t.name),
          bestIteration: state.best?.iteration,
          rolledBack: state.rollbacks
            .filter((r) => r.iteration === n)
            .map((r) => ({ id: r.change_id, reason: r.reason })),
        });
        log(
          `iteration ${n}: ${config.method === 'ahe' ? `evolve agent${config.evolvers > 1 ? ` × ${config.evolvers}` : ''}` : config.method} (${config.evolve_model})`,
        );
        const result = await runEvolveStep({
          runDir,
          iteration: n,
          iterationDir: dir,
          workspace: ws,
          config,
          trainTasks: train,
          evidenceSections: listEvidenceSections(evidence),
          readEvidence: async (section) => renderEvidence(evidence, section),
          evolveModel: () => modelFor(config.evolve_model, 'evolver', { iteration: n }),
          evaluate: (harnessDir, jobDir, what) =>
            evaluate(train, resolve(config.tasks), trainSelection(config), jobDir, what, harnessDir, { iteration: n }),
          signal: options.signal,
          log,
        });
        // Candidate evaluations (best-of-N) are coding spend: recomputed from the files, so a redone step never counts twice.
        if (result.evaluationUsage)
          recordIterationUsage(runDir, n, 'coding', addSpend(evaluationsSpend(runDir, n), result.evaluationUsage));
        // Earlier attempts of this step that stopped on an unreachable model spent tokens too: they are
        // kept apart (not in usage.json alone, which a crash after it would make count twice).
        const stoppedFile = join(dir, 'evolve', 'stopped-usage.json');
        // A method that keeps its own record of stopped attempts (best-of-N) returns its whole spend.
        const spent = result.usageIsTotal
          ? result.usage
          : addSpend(readSpendFile(stoppedFile) ?? ZERO_SPEND, result.usage);
        if (result.unavailable) writeSpendFile(stoppedFile, spent);
        recordIterationUsage(runDir, n, 'evolver', spent);
        if (result.unavailable)
          throw new RunStoppedError(
            `iteration ${n}: the evolve agent's model (${config.evolve_model}) could not be used: ${result.unavailable}; fix the model or provider, then continue with: ahe evolve --resume ${runDir}`,
          );
        writeFileAtomic(join(dir, 'diff.patch'), await ws.diff(`iter-${n}`, 'HEAD'));
        log(
          `iteration ${n}: ${result.skipped ? `skipped — ${result.skipped}` : `${result.manifest.changes.length} changes: ${result.manifest.changes.map((c) => `${c.id} (${c.component})`).join(', ') || 'none'}`}`,
        );
        done('evolve');
        break;
      }
      default:
        throw new Error(`unknown step ${state.step}`);
    }
  }
  writeRunSummary(runDir, state);
  return state;
}

function collectAttributions(runDir: string, upTo: number): ManifestAttribution[] {
  const out: ManifestAttribution[] = [];
  for (let i = 1; i <= upTo; i++) {
    const file = join(iterationDir(runDir, i), 'attribution.json');
    if (existsSync(file)) out.push(readJson<ManifestAttribution>(file));
  }
  return out;
}

/** Rolls back harmful changes (and significantly worse iterations), and keeps the best-ever harness in RUN/best. */
async function gateStep(
  runDir: string,
  n: number,
  ws: Workspace,
  state: RunState,
  log: (line: string) => void,
): Promise<RunState> {
  const dir = iterationDir(runDir, n);
  const stats = readJson<{ train: IterationStats }>(join(dir, 'stats.json')).train;
  const attributionFile = join(dir, 'attribution.json');
  let next = state;
  if (existsSync(attributionFile)) {
    const attribution = readJson<ManifestAttribution>(attributionFile);
    const decision = decideGate({
      verdicts: attribution.changes
        .filter((c) => c.commit)
        .map((c) => ({
          id: c.id,
          verdict: c.verdict,
          commit: c.commit!,
          detail: c.reason,
          ...(c.harm_test ? { test: c.harm_test } : {}),
        })),
      paired: stats.vs_previous
        ? { meanDifference: stats.vs_previous.paired.meanDifference, pValue: stats.vs_previous.paired.pValue }
        : undefined,
    });
    await ws.discardUncommitted();
    const applied = await applyGate(ws, decision);
    writeJsonAtomic(join(dir, 'gate.json'), { ...decision, applied });
    const known = new Set(state.rollbacks.map((r) => r.commit));
    const records = applied
      .filter((a) => !known.has(a.commit))
      .map((a) => ({
        iteration: n,
        change_id: a.changeId,
        commit: a.commit,
        revert: a.revert,
        reason: a.reason,
        method: a.method,
      }));
    next = { ...next, rollbacks: [...next.rollbacks, ...records] };
    if (applied.length)
      log(`iteration ${n}: rolled back ${applied.map((a) => a.changeId).join(', ')} — ${decision.reason}`);
  } else
    writeJsonAtomic(join(dir, 'gate.json'), {
      rollbacks: [],
      iterationRollback: false,
      reason: 'no changes to judge',
      kept: [],
      applied: [],
    });
  if (beatsBest(stats, next.best, n)) {
    const ref = await ws.resolveRef(`iter-${n}`);
    await ws.exportTo(ref, join(runDir, 'best'));
    next = { ...next, best: { iteration: n, pass_at_1: stats.pass_at_1, ref } };
    log(`iteration ${n}: best so far (train pass@1 ${(stats.pass_at_1 * 100).toFixed(1)}%) → ${join(runDir, 'best')}`);
  }
  saveRunState(runDir, next);
  return next;
}

/**
 * Whether iteration n's harness is better than the best earlier one: by the paired difference over the
 * tasks both evaluations measured (stats.vs_best), never by pass rates over different task sets.
 */
export function beatsBest(stats: Pick<IterationStats, 'vs_best'>, best: RunState['best'], n: number): boolean {
  if (!best) return true;
  if (best.iteration >= n) return false; // already recorded (a resumed gate step)
  const vs = stats.vs_best;
  return vs !== undefined && vs.iteration === best.iteration && vs.paired.nTasks > 0 && vs.paired.meanDifference > 0;
}

export type { ChangeManifest };
