// Best-of-N evolution (`ahe evolve --evolvers N`): N evolve-agent sessions per iteration from the same
// evidence and the same starting commit, each optionally with its own strategy hint (--evolver-hints,
// given in turn). Each candidate's changes are committed on top of that commit and tagged
// `cand-<iteration>-<i>`; every candidate that changed something is evaluated on the training split
// (RUN/iterations/N/candidates/<i>/job), and the one with the largest paired difference against the
// iteration's own evaluation is kept: the workspace moves to its commit and its manifest becomes the
// iteration's. When every candidate scores below the current harness, none is kept (the iteration's
// manifest says so). candidates.json records every candidate: hint, changes, score, paired test, and
// why it was or was not chosen. The next iteration evaluates the kept harness like any other, and its
// attribution and gate judge the kept changes as usual.
//
// Resume: the starting commit is recorded first (candidates/base.json); a candidate is finished once its
// session record (candidates/<i>/session.json) and its tag exist, and its evaluation is a job that
// resumes by itself. A step redone after a crash re-runs only what is missing (an interrupted
// candidate's sessions kept aside and counted, as for one session), and chooses the same winner from the
// same files.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from '../../bench/job-summary.ts';
import { addSpend, type Spend, SpendJson, ZERO_SPEND } from '../../model/usage.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import { COMMIT_ATTEMPTS_FILE } from '../evolve-session.ts';
import { aheEvolveStep, type EvolveStepInput, type EvolveStepResult } from '../evolve-step.ts';
import { ATTEMPT_DIR, INTERRUPTED_PREFIX, STOPPED_USAGE_FILE } from '../interrupted-attempts.ts';
import { jobDelta } from '../iteration-stats.ts';
import { jobSpend } from '../job-spend.ts';
import { type ChangeManifest, readManifest } from '../manifest.ts';

/** RUN/iterations/N/candidates.json: every candidate of a best-of-N step. */
export const CANDIDATES_FILE = 'candidates.json';

export interface CandidateRecord {
  candidate: number;
  hint: string | null;
  /** The candidate's commit (tag cand-<n>-<i>). */
  head: string;
  changes: { id: string; component: string }[];
  skipped: string | null;
  /** Its training evaluation; null when it changed nothing (it is then the current harness). */
  pass_at_1: number | null;
  ci95: [number, number] | null;
  /** Against the iteration's own evaluation of the harness it started from. */
  paired: { n_tasks: number; mean_difference: number; p_value: number; fixed: string[]; regressed: string[] } | null;
  chosen: boolean;
  reason: string;
}

interface SessionRecord {
  head: string;
  usage: unknown;
  skipped: string | null;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export async function bestOfNStep(input: EvolveStepInput): Promise<EvolveStepResult> {
  const { config, workspace: ws, iteration: n, log } = input;
  const root = join(input.iterationDir, 'candidates');
  mkdirSync(root, { recursive: true });
  await ws.discardUncommitted();
  const baseFile = join(root, 'base.json');
  if (!existsSync(baseFile)) writeJsonAtomic(baseFile, { head: await ws.head() });
  const base = readJson<{ head: string }>(baseFile).head;
  const current = readJson<JobResult>(join(input.iterationDir, 'job', 'result.json'));

  let evolverUsage: Spend = ZERO_SPEND;
  let evaluationUsage: Spend = ZERO_SPEND;
  const records: CandidateRecord[] = [];
  const manifests: (ChangeManifest | undefined)[] = [];
  for (let i = 0; i < config.evolvers; i++) {
    const dir = join(root, String(i));
    const tag = `cand-${n}-${i}`;
    const hint = config.evolver_hints.length ? config.evolver_hints[i % config.evolver_hints.length]! : null;
    const sessionFile = join(dir, 'session.json');
    let session: SessionRecord;
    // What attempts of this candidate stopped on an unreachable model spent, as earlier versions recorded
    // it apart from its session (the session's usage now includes every earlier attempt).
    let stopped: Spend = ZERO_SPEND;
    if (existsSync(sessionFile)) {
      session = readJson<SessionRecord>(sessionFile);
      const stoppedFile = join(dir, STOPPED_USAGE_FILE);
      if (existsSync(stoppedFile)) stopped = SpendJson.parse(readJson(stoppedFile));
    } else {
      // Every candidate starts from the same commit; an interrupted attempt of this one starts over.
      await ws.resetTo(base);
      startOver(dir);
      log(`iteration ${n}: evolve agent ${i + 1} of ${config.evolvers}${hint ? ` (${hint})` : ''}`);
      const result = await aheEvolveStep(input, { hint: hint ?? undefined, outputDir: dir });
      if (result.unavailable)
        return {
          manifest: { iteration: n, changes: [] },
          usage: addSpend(evolverUsage, result.usage),
          unavailable: result.unavailable,
          usageIsTotal: true,
        };
      session = { head: await ws.head(), usage: SpendJson.encode(result.usage), skipped: result.skipped ?? null };
      writeJsonAtomic(sessionFile, session);
    }
    evolverUsage = addSpend(evolverUsage, addSpend(stopped, SpendJson.parse(session.usage)));
    if (!(await ws.tryResolve(`refs/tags/${tag}`))) {
      await ws.resetTo(session.head);
      await ws.tag(tag);
    }
    const reading = existsSync(join(dir, 'change_manifest.json'))
      ? readManifest(join(dir, 'change_manifest.json'))
      : undefined;
    const manifest = reading?.ok ? reading.manifest : undefined;
    manifests.push(manifest);
    const changes = (manifest?.changes ?? []).map((c) => ({ id: c.id, component: c.component }));
    const record: CandidateRecord = {
      candidate: i,
      hint,
      head: session.head,
      changes,
      skipped: session.skipped,
      pass_at_1: null,
      ci95: null,
      paired: null,
      chosen: false,
      reason: '',
    };
    if (session.head !== base && changes.length) {
      const harnessDir = join(dir, 'harness');
      await ws.exportTo(tag, harnessDir);
      const jobDir = join(dir, 'job');
      const result = await input.evaluate(harnessDir, jobDir, `iteration ${n}: candidate ${i} evaluation`);
      evaluationUsage = addSpend(evaluationUsage, jobSpend(result, jobDir));
      const delta = jobDelta(current.tasks, result.tasks);
      record.pass_at_1 = result.pass_at_1;
      record.ci95 = result.ci95;
      record.paired = {
        n_tasks: delta.paired.nTasks,
        mean_difference: delta.paired.meanDifference,
        p_value: delta.paired.pValue,
        fixed: delta.fixed,
        regressed: delta.regressed,
      };
      log(
        `iteration ${n}: candidate ${i}: train pass@1 ${(result.pass_at_1 * 100).toFixed(1)}% (paired difference ${(delta.paired.meanDifference * 100).toFixed(1)} points, p = ${delta.paired.pValue.toFixed(3)})`,
      );
    }
    records.push(record);
  }

  const winner = chooseCandidate(records);
  if (winner) winner.chosen = true;
  for (const r of records) r.reason = candidateReason(r, winner);
  await ws.resetTo(winner ? winner.head : base);
  // The iteration's manifest is the winner's (its commits are now HEAD's history), or an empty one.
  const manifest: ChangeManifest & { skipped?: string } = winner
    ? manifests[winner.candidate]!
    : {
        iteration: n,
        changes: [],
        skipped: records.some((r) => r.paired)
          ? 'every candidate scored below the current harness on the training split'
          : 'no candidate changed the harness',
      };
  writeJsonAtomic(join(input.iterationDir, 'change_manifest.json'), manifest);
  writeJsonAtomic(join(input.iterationDir, CANDIDATES_FILE), { iteration: n, base, candidates: records });
  mergeCommitAttempts(input.iterationDir, records.length);
  log(
    `iteration ${n}: best of ${records.length}: ${winner ? `candidate ${winner.candidate} kept (${winner.changes.map((c) => c.id).join(', ')})` : 'none kept'}`,
  );
  return {
    manifest,
    ...(manifest.skipped ? { skipped: manifest.skipped } : {}),
    usage: evolverUsage,
    evaluationUsage,
    usageIsTotal: true,
  };
}

/**
 * The candidate to keep: the largest paired mean difference against the current harness (then the lower
 * p-value, then the earlier candidate); none when that difference is negative or nothing was evaluated.
 */
export function chooseCandidate(records: readonly CandidateRecord[]): CandidateRecord | undefined {
  const evaluated = records.filter((r) => r.paired !== null);
  const best = [...evaluated].sort(
    (a, b) =>
      b.paired!.mean_difference - a.paired!.mean_difference ||
      a.paired!.p_value - b.paired!.p_value ||
      a.candidate - b.candidate,
  )[0];
  return best && best.paired!.mean_difference >= 0 ? best : undefined;
}

function candidateReason(r: CandidateRecord, winner: CandidateRecord | undefined): string {
  if (!r.paired) return r.skipped ? `no accepted manifest: ${r.skipped}` : 'changed nothing';
  const diff = `${(r.paired.mean_difference * 100).toFixed(1)} points`;
  if (r === winner) return `largest paired difference against the current harness (${diff})`;
  if (!winner) return `scored below the current harness (${diff})`;
  return `paired difference ${diff} against candidate ${winner.candidate}'s ${(winner.paired!.mean_difference * 100).toFixed(1)} points`;
}

/**
 * Empties a candidate's directory for a new attempt, but for the records of earlier ones: evolve/ (the
 * session moves it aside, and counts what it spent) and evolve.interrupted-<n>/. A stopped-usage.json an
 * earlier version wrote counts the sessions in evolve/ (and those it deleted): it goes in with them.
 */
function startOver(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const stoppedFile = join(dir, STOPPED_USAGE_FILE);
  if (existsSync(stoppedFile)) {
    mkdirSync(join(dir, ATTEMPT_DIR), { recursive: true });
    renameSync(stoppedFile, join(dir, ATTEMPT_DIR, STOPPED_USAGE_FILE));
  }
  for (const entry of readdirSync(dir))
    if (entry !== ATTEMPT_DIR && !entry.startsWith(INTERRUPTED_PREFIX))
      rmSync(join(dir, entry), { recursive: true, force: true });
}

/** Every candidate's commit attempts in the iteration's own file, so per-type outcomes count all proposals. */
function mergeCommitAttempts(iterationDir: string, count: number): void {
  const target = join(iterationDir, 'evolve', COMMIT_ATTEMPTS_FILE);
  mkdirSync(join(iterationDir, 'evolve'), { recursive: true });
  rmSync(target, { force: true });
  for (let i = 0; i < count; i++) {
    const file = join(iterationDir, 'candidates', String(i), 'evolve', COMMIT_ATTEMPTS_FILE);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) appendFileSync(target, `${JSON.stringify({ candidate: i, ...JSON.parse(line) })}\n`);
  }
}
