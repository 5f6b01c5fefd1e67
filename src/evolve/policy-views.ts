// How an `ahe evolve` run reads its own evaluations through the evaluation policy (eval-policy.ts): each
// training task's measurements so far, the baseline a new evaluation is judged against, and the outcomes
// it is compared with the best iteration on. Under `fixed` these are exactly the previous and the best
// iteration's job results; under `adaptive`, whose evaluations run only some tasks, they come from each
// task's own history. `ahe simulate` calls the same eval-policy.ts functions on its in-memory history.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSummary, TaskSummary } from '../bench/job-summary.ts';
import type { TaskOutcome } from '../bench/stats.ts';
import { changeKey, type EvaluatedHarness } from './best-estimate.ts';
import { historyOf, type TaskMeasurement } from './eval-policy.ts';
import type { ChangeManifest } from './manifest.ts';
import { iterationDir } from './run-state.ts';

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The training job's per-task outcomes of iteration i (or of another job), or undefined when it has none. */
export function trainOutcomes(
  runDir: string,
  i: number,
  jobDir = join(iterationDir(runDir, i), 'job'),
): Record<string, TaskOutcome> | undefined {
  const file = join(jobDir, 'result.json');
  if (!existsSync(file)) return undefined;
  const tasks = readJson<JobSummary>(file).tasks;
  return Object.fromEntries(Object.entries(tasks).map(([t, s]) => [t, { n: s.n, c: s.c }]));
}

/** Each training task's measurements in iterations 0 … upTo − 1, oldest first. */
export function trainHistory(runDir: string, upTo: number): Record<string, TaskMeasurement[]> {
  const evaluations = [];
  for (let i = 0; i < upTo; i++) {
    const outcomes = trainOutcomes(runDir, i);
    if (outcomes) evaluations.push({ iteration: i, outcomes });
  }
  return historyOf(evaluations);
}

/** The tasks a manifest's changes predict to fix or risk: what the next evaluation focuses on. */
export function focusOf(manifest: ChangeManifest | undefined): string[] {
  return [...new Set((manifest?.changes ?? []).flatMap((c) => [...c.predicted_fixes, ...c.risk_tasks]))];
}

/** Outcomes as a job summary's tasks (what the statistics functions take; only n and c are read). */
export function asSummaryTasks(outcomes: Readonly<Record<string, TaskOutcome>>): Record<string, TaskSummary> {
  return Object.fromEntries(
    Object.entries(outcomes).map(([t, o]) => [t, { n: o.n, c: o.c, rewards: [], exceptions: [] } as TaskSummary]),
  );
}

/** A change an evolve step committed: its key, its commit, and the evaluations it is active in (from … until). */
export interface MadeChange {
  /** `<iteration made>/<id>` (best-estimate.ts's changeKey). */
  key: string;
  id: string;
  commit: string;
  /** The first evaluation it is active in: the one after the evolve step that made it. */
  from: number;
  /** The last: the iteration whose gate rolled it back (state.json's rollbacks, by commit); else infinity. */
  until: number;
}

/** The changes the evolve steps of iterations 0 … upTo − 1 committed (change_manifest.json), oldest first. */
export function changesMade(
  runDir: string,
  rollbacks: readonly { iteration: number; commit: string }[],
  upTo: number,
): MadeChange[] {
  const rolledBackAt = new Map(rollbacks.map((r) => [r.commit, r.iteration]));
  const made: MadeChange[] = [];
  for (let i = 0; i < upTo; i++) {
    const file = join(iterationDir(runDir, i), 'change_manifest.json');
    const manifest = existsSync(file) ? readJson<Partial<ChangeManifest>>(file) : undefined;
    for (const change of manifest?.changes ?? [])
      if (change.commit)
        made.push({
          key: changeKey(i, change.id),
          id: change.id,
          commit: change.commit,
          from: i + 1,
          until: rolledBackAt.get(change.commit) ?? Number.POSITIVE_INFINITY,
        });
  }
  return made;
}

/** The iteration whose evolve step made each change of iterations 0 … upTo − 1, by its commit. */
export function madeInByCommit(runDir: string, upTo: number): Map<string, number> {
  return new Map(changesMade(runDir, [], upTo).map((m) => [m.commit, m.from - 1]));
}

/**
 * Whether a rollback was made by the review of kept changes (--review-kept) at gate n: it undid a change
 * made before iteration n − 1 (the gate itself only undoes the changes of iteration n − 1; a change of
 * unknown origin counts as the gate's).
 */
export const reviewRollbackAt = (
  r: { iteration: number; commit: string },
  n: number,
  madeIn: ReadonlyMap<string, number>,
): boolean => r.iteration === n && (madeIn.get(r.commit) ?? n - 1) < n - 1;

/**
 * Every evaluated training harness of iterations 0 … upTo − 1, with the changes active in it (what
 * best-estimate.ts chooses the best from). A change committed by iteration j's evolve step (with its
 * commit in change_manifest.json) is active from evaluation j + 1; one the gate of iteration r rolled back
 * (state.json's rollbacks, matched by commit) is active through evaluation r.
 */
export function evaluatedHarnesses(
  runDir: string,
  rollbacks: readonly { iteration: number; commit: string }[],
  upTo: number,
): EvaluatedHarness[] {
  const made = changesMade(runDir, rollbacks, upTo);
  const out: EvaluatedHarness[] = [];
  for (let i = 0; i < upTo; i++) {
    const outcomes = trainOutcomes(runDir, i);
    if (outcomes)
      out.push({ iteration: i, active: made.filter((m) => m.from <= i && i <= m.until).map((m) => m.key), outcomes });
    // An adaptive run's final check at iteration i measured earlier harnesses once more (final-check.ts).
    for (const job of finalCheckJobs(runDir, i)) {
      const original = out.find((h) => h.iteration === job.iteration);
      const measured = trainOutcomes(runDir, i, job.jobDir);
      if (original && measured) out.push({ ...original, outcomes: measured });
    }
  }
  return out;
}

/** Where iteration n's final-check round r is planned and run (final-check.ts). */
export const finalCheckDir = (runDir: string, n: number, round: number) =>
  join(iterationDir(runDir, n), 'final-check', `round-${round}`);

/** The final-check jobs of iteration n that have a result, in the order run (round, then the plan's order). */
export function finalCheckJobs(runDir: string, n: number): { iteration: number; jobDir: string }[] {
  const out: { iteration: number; jobDir: string }[] = [];
  for (let round = 0; existsSync(join(finalCheckDir(runDir, n, round), 'plan.json')); round++) {
    const dir = finalCheckDir(runDir, n, round);
    const plan = readJson<{ iterations: number[] }>(join(dir, 'plan.json'));
    for (const i of plan.iterations) {
      const jobDir = join(dir, `iter-${i}`);
      if (existsSync(join(jobDir, 'result.json'))) out.push({ iteration: i, jobDir });
    }
  }
  return out;
}

/** Training trials the final checks of iterations 0 … upTo − 1 ran (they count against adaptive's budget). */
export function finalCheckTrials(runDir: string, upTo: number): number {
  let trials = 0;
  for (let n = 0; n < upTo; n++)
    for (const job of finalCheckJobs(runDir, n))
      trials += Object.values(trainOutcomes(runDir, n, job.jobDir) ?? {}).reduce((s, o) => s + o.n, 0);
  return trials;
}
