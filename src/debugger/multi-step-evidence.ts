// A multi-step trial (Harbor's layout: steps/<name>/{agent,verifier,artifacts}/, `step_results` in
// result.json) read as one piece of evidence: each step's agent evidence and verifier output are read
// with the same sources as a single-step trial's, then joined in step order. Step numbers run on across
// steps; each step's first entry says which step begins. The verifier shown is the last step's that ran
// (the one that stopped the trial, or the final one); a step's exception explains the trial when the
// trial itself has none (Harbor records step failures on the step only).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentEvidence } from './agent-evidence.ts';
import { cutText } from './agent-evidence.ts';
import type { DigestStep } from './digest.ts';
import type { VerifierReading } from './verifier-digest.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

export interface StepReading {
  evidence?: AgentEvidence;
  problems: string[];
  sourceFiles: string[];
  rawBytes: number;
}

export interface MultiStepEvidence {
  evidence?: AgentEvidence;
  verifier?: VerifierReading;
  /** The first step's exception, named by its step (`step <name>: …`). */
  stepException?: { type: string; message: string };
  problems: string[];
  sourceFiles: string[];
  rawBytes: number;
}

/** The steps of a multi-step trial in the order they ran: result.json's step_results, else steps/ sorted. */
export function trialStepNames(trialDir: string): string[] {
  const stepsDir = join(trialDir, 'steps');
  if (!isDir(stepsDir)) return [];
  const onDisk = readdirSync(stepsDir)
    .filter((n) => isDir(join(stepsDir, n)))
    .sort();
  try {
    const results = obj(JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8'))).step_results;
    if (Array.isArray(results)) {
      const names = results.map((r) => obj(r).step_name).filter((n): n is string => typeof n === 'string');
      if (names.length) return names.filter((n) => onDisk.includes(n));
    }
  } catch {
    // no readable result.json: the directories say which steps ran
  }
  return onDisk;
}

function firstStepException(trialDir: string): { type: string; message: string } | undefined {
  try {
    const results = obj(JSON.parse(readFileSync(join(trialDir, 'result.json'), 'utf8'))).step_results;
    for (const r of Array.isArray(results) ? results : []) {
      const e = obj(obj(r).exception_info);
      if (typeof e.exception_type === 'string')
        return {
          type: e.exception_type,
          message: cutText(`step ${String(obj(r).step_name)}: ${String(e.exception_message ?? '')}`, 500),
        };
    }
  } catch {
    // the trial's own reading reports an unreadable result.json
  }
  return undefined;
}

const sum = (values: (number | undefined)[]) =>
  values.some((v) => v !== undefined) ? values.reduce<number>((t, v) => t + (v ?? 0), 0) : undefined;

export async function readMultiStepEvidence(
  trialDir: string,
  names: string[],
  readAgent: (stepDir: string) => Promise<StepReading>,
  readVerifier: (stepDir: string) => Promise<VerifierReading>,
): Promise<MultiStepEvidence> {
  const out: MultiStepEvidence = { problems: [], sourceFiles: [], rawBytes: 0 };
  const read: { name: string; evidence?: AgentEvidence }[] = [];
  for (const name of names) {
    const stepDir = join(trialDir, 'steps', name);
    const prefix = (files: string[]) => files.map((f) => `steps/${name}/${f}`);
    const agent = await readAgent(stepDir);
    out.problems.push(...agent.problems.map((p) => `step ${name}: ${p}`));
    out.sourceFiles.push(...prefix(agent.sourceFiles), ...prefix(agent.evidence?.sourceFiles ?? []));
    out.rawBytes += agent.rawBytes + (agent.evidence?.rawBytes ?? 0);
    read.push({ name, evidence: agent.evidence });
    if (isDir(join(stepDir, 'verifier'))) {
      try {
        const verifier = await readVerifier(stepDir);
        out.problems.push(...verifier.problems.map((p) => `step ${name}: ${p}`));
        out.sourceFiles.push(...prefix(verifier.sourceFiles));
        out.rawBytes += verifier.rawBytes;
        out.verifier = verifier;
      } catch (error) {
        out.problems.push(`step ${name}: verifier: could not be read (${(error as Error).message})`);
      }
    }
  }
  out.stepException = firstStepException(trialDir);
  const withEvidence = read.filter((r): r is { name: string; evidence: AgentEvidence } => !!r.evidence);
  if (withEvidence.length === 0) return out;
  const steps: DigestStep[] = [];
  let offset = 0;
  for (const { name, evidence } of withEvidence) {
    const numbered = evidence.steps.map((s) => ({
      ...s,
      step: s.step + offset,
      origin: { dir: `steps/${name}`, step: s.step },
    }));
    const first = numbered[0];
    if (first) first.text = `[step ${name}] ${first.text ?? ''}`.trim();
    steps.push(...numbered);
    offset = Math.max(offset, ...numbered.map((s) => s.step));
  }
  const last = withEvidence.at(-1)!.evidence;
  out.evidence = {
    source: withEvidence[0]!.evidence.source,
    sourceFiles: [],
    rawBytes: 0,
    steps,
    problems: [],
    ...(withEvidence.some((r) => r.evidence.instruction)
      ? {
          instruction: withEvidence
            .filter((r) => r.evidence.instruction)
            .map(({ name, evidence }) => `[step ${name}] ${evidence.instruction}`)
            .join('\n\n'),
        }
      : {}),
    ...(last.finalMessage ? { finalMessage: last.finalMessage } : {}),
    ...(last.stopReason ? { stopReason: last.stopReason } : {}),
    ...(withEvidence.every((r) => r.evidence.agentSteps !== undefined)
      ? { agentSteps: sum(withEvidence.map((r) => r.evidence.agentSteps)) }
      : {}),
    ...(sum(withEvidence.map((r) => r.evidence.durationSec)) !== undefined
      ? { durationSec: sum(withEvidence.map((r) => r.evidence.durationSec)) }
      : {}),
  };
  return out;
}
