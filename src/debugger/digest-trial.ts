// One trial directory → its TrialDigest. The agent's evidence comes from the best source present, tried in
// order — ahe's events.jsonl, an ATIF trajectory, a Terminal-Bench 1 terminal recording, agent logs — and
// the verifier's from ctrf.json / test-stdout.txt. A multi-step trial is read step by step and joined
// (multi-step-evidence.ts). Nothing here throws for a bad trial: a torn line, a
// malformed trajectory or a missing file becomes a problem in the digest and the next source is tried.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { rewardPassed } from '../bench/trial-result.ts';
import type { AgentEvidence, NoEvidence } from './agent-evidence.ts';
import { DIGEST_VERSION, type DigestStep, type TrialDigest } from './digest.ts';
import { renderAt } from './digest-text.ts';
import { readMultiStepEvidence, type StepReading, trialStepNames } from './multi-step-evidence.ts';
import { readAgentLogs } from './source-agent-logs.ts';
import { readAheEvents } from './source-ahe-events.ts';
import { readAtif } from './source-atif.ts';
import { isTb1Trial, readTb1 } from './source-tb1.ts';
import { readTrialMeta, type TrialMeta } from './trial-meta.ts';
import { readVerifier, type VerifierReading } from './verifier-digest.ts';

export interface DigestTrialOptions {
  /** Sources to skip (e.g. to compare what each source yields). */
  skip?: readonly ('ahe-events' | 'atif' | 'tb1' | 'agent-logs')[];
}

const MAX_PROBLEMS = 30;
const isEvidence = (r: AgentEvidence | NoEvidence): r is AgentEvidence => 'source' in r;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

type Source = {
  name: 'ahe-events' | 'atif' | 'tb1' | 'agent-logs';
  read: (dir: string) => Promise<AgentEvidence | NoEvidence>;
  applies?: (dir: string) => boolean;
};
const SOURCES: Source[] = [
  { name: 'ahe-events', read: readAheEvents },
  { name: 'atif', read: readAtif },
  { name: 'tb1', read: readTb1, applies: isTb1Trial },
  { name: 'agent-logs', read: readAgentLogs },
];

const isTimeout = (type?: string) => type === 'AgentTimeoutError' || type === 'agent_timeout';

function countSteps(steps: DigestStep[]) {
  return {
    commands: steps.filter((s) => s.kind === 'command').length,
    errors: steps.filter(
      (s) => s.kind === 'error' || s.isError === true || s.timedOut === true || (s.errors?.length ?? 0) > 0,
    ).length,
    distinct: new Set(steps.filter((s) => !s.subagent).map((s) => s.step)).size,
  };
}

/** The agent's evidence of one trial directory (or one step's): the first source, best first, that yields. */
async function readAgentEvidence(dir: string, options: DigestTrialOptions): Promise<StepReading> {
  const out: StepReading = { problems: [], sourceFiles: [], rawBytes: 0 };
  for (const source of SOURCES) {
    if (out.evidence || options.skip?.includes(source.name)) continue;
    try {
      if (source.applies && !source.applies(dir)) continue;
      const r = await source.read(dir);
      out.problems.push(...r.problems);
      if (isEvidence(r)) out.evidence = r;
      else {
        out.sourceFiles.push(...r.sourceFiles);
        out.rawBytes += r.rawBytes;
      }
    } catch (error) {
      out.problems.push(`${source.name}: could not be read (${message(error)}); trying the next source`);
    }
  }
  return out;
}

export async function digestTrial(trialDir: string, options: DigestTrialOptions = {}): Promise<TrialDigest> {
  const dir = resolve(trialDir);
  const problems: string[] = [];
  const sourceFiles: string[] = [];
  let rawBytes = 0;
  let meta: TrialMeta;
  try {
    meta = readTrialMeta(dir);
  } catch (error) {
    meta = {
      task: basename(dir).split('__')[0]!,
      trial: basename(dir),
      reward: null,
      found: false,
      sourceFiles: [],
      rawBytes: 0,
      problems: [`result.json: could not be read (${message(error)})`],
    };
  }
  problems.push(...meta.problems);
  sourceFiles.push(...meta.sourceFiles);
  rawBytes += meta.rawBytes;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`${dir}: not a trial directory`);

  let evidence: AgentEvidence | undefined;
  let verifierReading: VerifierReading | undefined;
  const stepNames = existsSync(dir) ? trialStepNames(dir) : [];
  if (stepNames.length) {
    // A multi-step trial: each step's evidence, joined (multi-step-evidence.ts).
    const multi = await readMultiStepEvidence(dir, stepNames, (d) => readAgentEvidence(d, options), readVerifier);
    problems.push(...multi.problems);
    sourceFiles.push(...multi.sourceFiles);
    rawBytes += multi.rawBytes;
    evidence = multi.evidence;
    verifierReading = multi.verifier;
    if (!meta.exception && multi.stepException) meta.exception = multi.stepException;
  } else {
    const agent = existsSync(dir) ? await readAgentEvidence(dir, options) : undefined;
    problems.push(...(agent?.problems ?? []));
    sourceFiles.push(...(agent?.sourceFiles ?? []));
    rawBytes += agent?.rawBytes ?? 0;
    evidence = agent?.evidence;
  }
  if (evidence) {
    sourceFiles.push(...evidence.sourceFiles);
    rawBytes += evidence.rawBytes;
  }

  if (!evidence?.verifier && !stepNames.length && existsSync(dir)) {
    try {
      verifierReading = await readVerifier(dir);
      problems.push(...verifierReading.problems);
      sourceFiles.push(...verifierReading.sourceFiles);
      rawBytes += verifierReading.rawBytes;
    } catch (error) {
      problems.push(`verifier: could not be read (${message(error)})`);
    }
  }
  const verifier = evidence?.verifier ?? verifierReading?.verifier ?? { failing: [], excerpt: '' };
  if (meta.verifierExitCode !== undefined) verifier.exitCode = meta.verifierExitCode;

  const outcome = evidence?.outcome;
  const reward = meta.reward ?? verifierReading?.reward ?? outcome?.reward ?? null;
  const exception = meta.exception ?? outcome?.exception;
  const steps = evidence?.steps ?? [];
  const counts = countSteps(steps);
  let stopReason = evidence?.stopReason ?? meta.stopReason;
  if ((!stopReason || stopReason === 'unknown') && isTimeout(exception?.type)) stopReason = 'timeout';

  const digest: TrialDigest = {
    version: DIGEST_VERSION,
    task: meta.found ? meta.task : (outcome?.task ?? meta.task),
    trial: meta.found ? meta.trial : (outcome?.trial ?? meta.trial),
    dir,
    source: evidence?.source ?? 'none',
    sourceFiles: [...new Set(sourceFiles)],
    reward,
    passed: rewardPassed(reward),
    ...(exception ? { exception } : {}),
    stopReason: stopReason ?? 'unknown',
    ...(evidence?.instruction ? { instruction: evidence.instruction } : {}),
    ...(evidence?.finalMessage ? { finalMessage: evidence.finalMessage } : {}),
    steps,
    verifier,
    stats: {
      rawBytes,
      digestBytes: 0,
      steps: evidence?.agentSteps ?? counts.distinct,
      commands: counts.commands,
      errors: counts.errors,
      ...((evidence?.tokens ?? meta.tokens) ? { tokens: evidence?.tokens ?? meta.tokens } : {}),
      ...((evidence?.costUsd ?? meta.costUsd) !== undefined ? { costUsd: evidence?.costUsd ?? meta.costUsd } : {}),
      ...((evidence?.durationSec ?? meta.durationSec) !== undefined
        ? { durationSec: evidence?.durationSec ?? meta.durationSec }
        : {}),
    },
    problems:
      problems.length > MAX_PROBLEMS
        ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`]
        : problems,
  };
  digest.stats.digestBytes = Buffer.byteLength(renderAt(digest));
  return digest;
}
