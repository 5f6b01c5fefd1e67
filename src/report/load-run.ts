// An `ahe evolve` run directory → RunReport, from the files docs/evolve.md describes: per iteration the
// train and held-out scores (stats.json; under --eval-policy adaptive, how many tasks and rollouts the
// iteration ran from evaluation.json, and how many of the train score's tasks carry earlier outcomes),
// the task × iteration pass matrix and each iteration's jobs (the trial files, as load-job.ts reads any
// job), fixed/regressed and the paired test against the previous iteration (stats.json's vs_previous),
// the changes of change_manifest.json with the verdicts the NEXT iteration's attribution.json gave them,
// the rollbacks of gate.json and state.json, the leak audit's refusals, diff.patch and usage.json; the
// run's status, best iteration and spend from state.json; the evolve agent's prediction quality from the
// last attribution.json. A run being written loads too: an iteration without stats.json yet has no
// score, and `progress` says where the run is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIterationUsage } from '../evolve/iteration-usage.ts';
import { evalPolicyAdvice } from '../evolve/policy-advice.ts';
import { newestMtime, num, obj, RUNNING_WINDOW_MS, readJsonObject, readTextFile, str, strings } from './load-file.ts';
import { type LoadedJob, loadJob, runName, scoreView } from './load-job.ts';
import type {
  Interval,
  ProgressView,
  RunChange,
  RunIteration,
  RunReport,
  ScoreView,
  SpendView,
} from './report-data.ts';
import { shownModel, shownModelOrNull } from './shown.ts';

type Obj = Record<string, unknown>;

export interface LoadRunOptions {
  path: string;
  /** Prepended to every detail ref (a comparison's `<index>:`). */
  refPrefix?: string;
  now?: number;
}

export interface LoadedRun {
  dir: string;
  report: RunReport;
  /** Each iteration's loaded jobs, by iteration number (the trial embedding walks them). */
  jobs: Map<number, { train: LoadedJob | null; holdout: LoadedJob | null }>;
}

const ROLES = ['coding', 'debugger', 'evolver'] as const;
const ZERO: SpendView = { prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_usd: 0, calls: 0 };

/** The iteration numbers present under RUN/iterations, ascending. */
function iterationNumbers(runDir: string): number[] {
  try {
    return readdirSync(join(runDir, 'iterations'))
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

function spendOf(v: unknown): SpendView {
  const s = obj(v);
  return {
    prompt_tokens: num(s.prompt_tokens) ?? 0,
    completion_tokens: num(s.completion_tokens) ?? 0,
    cached_tokens: num(s.cached_tokens) ?? 0,
    cost_usd: num(s.cost_usd),
    calls: num(s.calls) ?? 0,
  };
}

const addSpend = (a: SpendView, b: SpendView): SpendView => ({
  prompt_tokens: a.prompt_tokens + b.prompt_tokens,
  completion_tokens: a.completion_tokens + b.completion_tokens,
  cached_tokens: a.cached_tokens + b.cached_tokens,
  cost_usd: a.cost_usd === null || b.cost_usd === null ? null : a.cost_usd + b.cost_usd,
  calls: (a.calls ?? 0) + (b.calls ?? 0),
});

const interval = (v: unknown): Interval | null =>
  Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[0], v[1]] : null;

function statsScore(v: unknown): ScoreView | null {
  const s = obj(v);
  const pass = num(s.pass_at_1);
  const ci95 = interval(s.ci95);
  if (pass === null || !ci95) return null;
  return scoreView({
    pass_at_1: pass,
    ci95,
    stderr: num(s.stderr) ?? 0,
    n_tasks: num(s.n_tasks) ?? 0,
    pass_at_k: Object.fromEntries(Object.entries(obj(s.pass_at_k)).filter(([, x]) => typeof x === 'number')) as Record<
      string,
      number
    >,
  });
}

/**
 * What iteration n's training evaluation ran: its evaluation.json (tasks × attempts), else the attempts
 * its job measured; the pass@1 of the job itself (over the tasks it ran). Null without either.
 */
function evaluationOf(
  dir: string,
  job: LoadedJob | null,
  policy: string,
  problems: string[],
): RunIteration['evaluation'] {
  const recorded = readJsonObject(join(dir, 'evaluation.json'), problems);
  const attempts = recorded
    ? Object.values(obj(recorded.attempts)).filter((a): a is number => typeof a === 'number')
    : job?.report.tasks.map((t) => t.n);
  if (!attempts) return null;
  return {
    policy: str(recorded?.policy) ?? policy,
    tasks_run: attempts.filter((a) => a > 0).length,
    rollouts: num(recorded?.rollouts) ?? attempts.reduce((sum, a) => sum + a, 0),
    pass_at_1: job && job.report.score.n_tasks > 0 ? job.report.score.pass_at_1 : null,
  };
}

/** Pass fraction per task: from the job's trials, else from stats.json's stability (its last entry is this iteration). */
function taskPass(job: LoadedJob | null, train: Obj): Record<string, number | null> {
  if (job) return Object.fromEntries(job.report.tasks.map((t) => [t.task, t.pass_fraction]));
  const out: Record<string, number | null> = {};
  for (const entry of Array.isArray(train.stability) ? train.stability.map(obj) : []) {
    const task = str(entry.task);
    const passes = Array.isArray(entry.passes) ? num(entry.passes.at(-1)) : null;
    const attempts = Array.isArray(entry.attempts) ? num(entry.attempts.at(-1)) : null;
    if (task) out[task] = passes !== null && attempts ? passes / attempts : null;
  }
  return out;
}

function leakRejections(file: string, problems: string[]): RunIteration['leak_rejections'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: RunIteration['leak_rejections'] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = obj(JSON.parse(line));
      const findings = (Array.isArray(entry.findings) ? entry.findings : []).map((f) => {
        const x = obj(f);
        if (typeof f === 'string') return f;
        const where = [str(x.file), num(x.line)].filter((p) => p !== null).join(':');
        const task = str(x.task) ? ` (task ${str(x.task)})` : '';
        return `${where ? `${where}: ` : ''}${str(x.kind) ?? 'leak'} ${JSON.stringify(str(x.match) ?? '')}${task}`;
      });
      out.push({ change_id: str(entry.change_id), findings });
    } catch {
      // The last line of an append-only file may be half written: left for the next read.
      problems.push(`${file}: a line that is not JSON was skipped`);
    }
  }
  return out;
}

function usageOf(runDir: string, n: number, problems: string[]): Record<string, SpendView> {
  try {
    const usage = readIterationUsage(runDir, n);
    const out: Record<string, SpendView> = {};
    for (const role of ROLES) {
      const s = usage[role];
      if (s)
        out[role] = {
          prompt_tokens: s.promptTokens,
          completion_tokens: s.completionTokens,
          cached_tokens: s.cachedTokens,
          cost_usd: s.costUsd,
          calls: s.calls,
        };
    }
    return out;
  } catch (error) {
    problems.push((error as Error).message);
    return {};
  }
}

export function loadRun(runDir: string, options: LoadRunOptions): LoadedRun {
  const now = options.now ?? Date.now();
  const prefix = options.refPrefix ?? '';
  const problems: string[] = [];
  const state = readJsonObject(join(runDir, 'state.json'), problems) ?? {};
  const config = obj(state.config);
  const rollbacks = (Array.isArray(state.rollbacks) ? state.rollbacks : []).map(obj);
  const numbers = iterationNumbers(runDir);
  const jobs: LoadedRun['jobs'] = new Map();
  const iterations: RunIteration[] = [];
  // Read once: iteration n's changes are judged by iteration n + 1's attribution and gate.
  const files = new Map<number, { manifest?: Obj; attribution?: Obj; gate?: Obj }>();
  for (const n of numbers) {
    const dir = join(runDir, 'iterations', String(n));
    files.set(n, {
      manifest: readJsonObject(join(dir, 'change_manifest.json'), problems),
      attribution: readJsonObject(join(dir, 'attribution.json'), problems),
      gate: readJsonObject(join(dir, 'gate.json'), problems),
    });
  }
  const listOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);

  for (const n of numbers) {
    const dir = join(runDir, 'iterations', String(n));
    const rel = `iterations/${n}`;
    const load = (split: 'job' | 'holdout-job', label: string) =>
      detectJob(join(dir, split))
        ? loadJob(join(dir, split), {
            path: `${options.path}/${rel}/${split}`,
            refBase: `${prefix}${rel}/${split}`,
            name: `iteration ${n} · ${label}`,
            now,
          })
        : null;
    const train = load('job', 'train');
    const holdout = load('holdout-job', 'held-out');
    jobs.set(n, { train, holdout });
    const stats = readJsonObject(join(dir, 'stats.json'), problems);
    const trainStats = obj(stats?.train);
    const evaluation = evaluationOf(dir, train, str(config.eval_policy) ?? 'fixed', problems);
    // Under adaptive the train score is over every task, those not run here carrying their last outcome.
    const trainScore = statsScore(stats?.train);
    const carried =
      trainScore && evaluation?.policy === 'adaptive' ? Math.max(0, trainScore.n_tasks - evaluation.tasks_run) : 0;
    const vsPrevious = obj(trainStats.vs_previous);
    const paired = obj(vsPrevious.paired);
    const { manifest, gate } = files.get(n)!;
    const next = files.get(n + 1);
    const judged = listOf(next?.attribution?.changes);
    const nextGateRollbacks = listOf(next?.gate?.rollbacks);
    const changes: RunChange[] = listOf(manifest?.changes).map((change) => {
      const id = str(change.id) ?? '';
      const verdict = judged.find((a) => a.id === id);
      // Rolled back by the next gate, or later by the review of kept changes (--review-kept; by its commit).
      const commit = str(change.commit);
      const rollback = rollbacks.find(
        (r) => (r.change_id === id && num(r.iteration) === n + 1) || (commit !== null && r.commit === commit),
      );
      const gateRollback = nextGateRollbacks.find((r) => r.changeId === id);
      return {
        id,
        component: str(change.component) ?? '',
        type: str(change.type) ?? '',
        description: str(change.description) ?? '',
        files: strings(change.files),
        predicted_fixes: strings(change.predicted_fixes),
        risk_tasks: strings(change.risk_tasks),
        verdict: verdict ? str(verdict.verdict) : null,
        verdict_reason: verdict ? str(verdict.reason) : null,
        actually_fixed: verdict ? strings(verdict.actually_fixed) : [],
        risk_realised: verdict ? strings(verdict.risk_realised) : [],
        rolled_back: !!(rollback || gateRollback),
        rollback_reason: str(rollback?.reason) ?? str(gateRollback?.reason),
      };
    });
    const gateRollbacks = listOf(gate?.rollbacks).map((r) => ({
      change_id: str(r.changeId) ?? str(r.change_id) ?? '',
      reason: str(r.reason) ?? '',
    }));
    for (const r of rollbacks)
      if (num(r.iteration) === n && !gateRollbacks.some((g) => g.change_id === r.change_id))
        gateRollbacks.push({ change_id: str(r.change_id) ?? '', reason: str(r.reason) ?? '' });
    iterations.push({
      iteration: n,
      train: trainScore && carried > 0 ? { ...trainScore, carried_tasks: carried } : trainScore,
      evaluation,
      holdout: statsScore(stats?.holdout) ?? (holdout && !holdout.report.progress ? holdout.report.score : null),
      task_pass: taskPass(train, trainStats),
      holdout_task_pass: holdout ? taskPass(holdout, {}) : {},
      fixed: strings(vsPrevious.fixed),
      regressed: strings(vsPrevious.regressed),
      paired_vs_previous:
        num(paired.meanDifference) !== null && interval(paired.ci95)
          ? {
              mean_difference: num(paired.meanDifference)!,
              ci95: interval(paired.ci95)!,
              p_value: num(paired.pValue) ?? 1,
            }
          : null,
      changes,
      rollbacks: gateRollbacks,
      gate_reason: str(gate?.reason),
      iteration_rollback: gate?.iterationRollback === true,
      leak_rejections: leakRejections(join(dir, 'leak-rejections.jsonl'), problems),
      skipped: str(manifest?.skipped),
      diff: readTextFile(join(dir, 'diff.patch'), problems, `${rel}/diff.patch`),
      usage: usageOf(runDir, n, problems),
      job: train?.report ?? null,
      holdout_job: holdout?.report ?? null,
    });
  }

  const lastQuality = [...numbers]
    .reverse()
    .map((n) => obj(files.get(n)?.attribution?.run_prediction_quality))
    .find((q) => Object.keys(q).length > 0);
  const best = obj(state.best);
  const ledger = obj(state.ledger);
  const step = str(state.step) ?? 'evaluate';
  const report: RunReport = {
    kind: 'run',
    path: options.path,
    name: runName(runDir),
    method: str(config.method) ?? 'ahe',
    config: {
      model: shownModel(str(config.model) ?? ''),
      evolve_model: shownModel(str(config.evolve_model) ?? ''),
      debug_model: shownModelOrNull(str(config.debug_model)),
      k: num(config.k) ?? 0,
      iterations: num(config.iterations) ?? 0,
      eval_policy: str(config.eval_policy) ?? 'fixed',
    },
    status: {
      iteration: num(state.iteration) ?? 0,
      step,
      done: step === 'done',
      stopped_reason: str(obj(state.stopped).reason),
    },
    best:
      num(best.iteration) !== null && num(best.pass_at_1) !== null
        ? { iteration: num(best.iteration)!, pass_at_1: num(best.pass_at_1)! }
        : null,
    train_tasks: unionOf(iterations.map((i) => i.task_pass)),
    holdout_tasks: unionOf(iterations.map((i) => i.holdout_task_pass)),
    iterations,
    prediction_quality: lastQuality ? { precision: num(lastQuality.precision), recall: num(lastQuality.recall) } : null,
    eval_policy_advice:
      evalPolicyAdvice(
        str(config.eval_policy) === 'adaptive' ? 'adaptive' : 'fixed',
        lastQuality && {
          precision: num(lastQuality.precision),
          predicted: num(lastQuality.predicted) ?? 0,
          actually_fixed: num(lastQuality.actually_fixed) ?? 0,
        },
      ) ?? null,
    spend: ROLES.map((r) => spendOf(ledger[r])).reduce(addSpend, ZERO),
  };
  const progress = runProgress(runDir, state, report, now);
  if (progress) report.progress = progress;
  if (problems.length) report.problems = problems;
  return { dir: runDir, report, jobs };
}

const detectJob = (dir: string) => {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
};

const unionOf = (maps: Record<string, unknown>[]) =>
  [...new Set(maps.flatMap((m) => Object.keys(m)))].sort((a, b) => a.localeCompare(b));

/**
 * Where a run is: iterations finished of the planned ones (iterations + 1: the seed, then one per
 * iteration); absent once state.json says `done`. Running: state.json's step is not `done` and the run wrote something (state.json, the
 * current iteration's directory, its job's log and result, its evolve sessions) within RUNNING_WINDOW_MS.
 */
function runProgress(runDir: string, state: Obj, report: RunReport, now: number): ProgressView | undefined {
  const total = report.config.iterations + 1;
  const { iteration, step, done: finished } = report.status;
  if (finished) return undefined;
  const done = Math.min(iteration, total);
  const current = join(runDir, 'iterations', String(iteration));
  const sessions = (() => {
    try {
      return readdirSync(join(current, 'evolve')).map((s) => join(current, 'evolve', s, 'events.jsonl'));
    } catch {
      return [];
    }
  })();
  const written = newestMtime([
    join(runDir, 'state.json'),
    current,
    join(current, 'job', 'job.log'),
    join(current, 'job', 'result.json'),
    join(current, 'holdout-job', 'job.log'),
    join(current, 'evolve'),
    ...sessions,
  ]);
  const running = now - written < RUNNING_WINDOW_MS;
  const started = Date.parse(str(state.created_at) ?? '');
  const elapsed = Number.isFinite(started) ? (now - started) / 1000 : null;
  return {
    done,
    total,
    running,
    eta_sec: running && elapsed !== null && done > 0 && total > done ? (elapsed / done) * (total - done) : null,
    cost_usd: report.spend.cost_usd,
    iteration,
    step,
  };
}
