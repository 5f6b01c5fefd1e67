// An ATIF trajectory written by any agent → digest steps. Looked for where real writers put it:
// agent/trajectory.json, artifacts/trajectory.json, agent/<name>.trajectory.json. A file that is not
// JSON or not a trajectory (gemini-cli's own `gemini-cli.trajectory.json` sits beside the ATIF one) is a
// problem and the next candidate is tried. Sub-trajectories it references are read one level deep.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { AgentEvidence, NoEvidence } from './agent-evidence.ts';
import { readAtifSteps } from './atif-steps.ts';
import { createStepList, type StepList } from './step-list.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A trajectory is one JSON document: parsed whole, so one this large is refused rather than risk memory. */
export const MAX_TRAJECTORY_BYTES = 200 * 1024 * 1024;

export function atifCandidates(trialDir: string): string[] {
  const found = [join(trialDir, 'agent', 'trajectory.json'), join(trialDir, 'artifacts', 'trajectory.json')];
  const agentDir = join(trialDir, 'agent');
  if (existsSync(agentDir) && statSync(agentDir).isDirectory()) {
    for (const name of readdirSync(agentDir).sort())
      if (name.endsWith('.trajectory.json')) found.push(join(agentDir, name));
  }
  return found.filter((p) => existsSync(p) && statSync(p).isFile());
}

type Parsed = { ok: true; trajectory: Obj; bytes: number } | { ok: false; problem: string; bytes: number };

function parseTrajectory(path: string, label: string): Parsed {
  const bytes = statSync(path).size;
  if (bytes > MAX_TRAJECTORY_BYTES)
    return { ok: false, problem: `${label}: ${bytes} bytes, too large to parse as one JSON document`, bytes };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { ok: false, problem: `${label}: not valid JSON (${(error as Error).message})`, bytes };
  }
  const t = obj(data);
  if (!Array.isArray(t.steps)) return { ok: false, problem: `${label}: not an ATIF trajectory (no steps list)`, bytes };
  return { ok: true, trajectory: t, bytes };
}

function totals(t: Obj): Pick<AgentEvidence, 'tokens' | 'costUsd'> {
  const m = obj(t.final_metrics);
  // ahe's own trajectories carry the whole session's spend (sub-agents and compaction calls included)
  // beside ATIF's per-step sums.
  const session = obj(obj(m.extra).session_usage);
  const whole = Object.keys(session).length > 0;
  const tokens = {
    prompt: num(whole ? session.prompt_tokens : m.total_prompt_tokens) ?? 0,
    completion: num(whole ? session.completion_tokens : m.total_completion_tokens) ?? 0,
    cached: num(whole ? session.cached_tokens : m.total_cached_tokens) ?? 0,
  };
  const cost = num(whole ? session.cost_usd : m.total_cost_usd);
  // Writers that do not know their usage write zeros: zeros are "unknown", not "free".
  return { ...(tokens.prompt + tokens.completion > 0 ? { tokens } : {}), ...(cost ? { costUsd: cost } : {}) };
}

function readSubtrajectories(
  trialDir: string,
  base: string,
  refs: { step: number; refs: Obj[] }[],
  list: StepList,
  files: string[],
  problems: string[],
): number {
  let bytes = 0;
  const root = resolve(trialDir) + sep;
  for (const { step, refs: group } of refs) {
    for (const ref of group) {
      if (typeof ref.trajectory_path !== 'string') continue;
      const path = resolve(dirname(base), ref.trajectory_path);
      const label = relative(trialDir, path);
      if (!path.startsWith(root) || !existsSync(path)) {
        problems.push(`sub-trajectory ${ref.trajectory_path} (step ${step}) not found in the trial directory`);
        continue;
      }
      const parsed = parseTrajectory(path, label);
      bytes += parsed.bytes;
      files.push(label);
      if (!parsed.ok) {
        problems.push(parsed.problem);
        continue;
      }
      const name =
        typeof obj(ref.extra).summary === 'string'
          ? String(obj(ref.extra).summary)
          : String(ref.session_id ?? 'sub-agent');
      const before = list.steps.length;
      problems.push(...readAtifSteps(parsed.trajectory, list, { label, subagent: { name, step } }).problems);
      // Read after the parent, the sub-agent's steps belong right after the parent step that ran it.
      const added = list.steps.splice(before);
      let at = list.steps.length;
      for (let i = list.steps.length - 1; i >= 0; i--) {
        if (list.steps[i]!.step === step) {
          at = i + 1;
          break;
        }
      }
      list.steps.splice(at, 0, ...added);
    }
  }
  return bytes;
}

export async function readAtif(trialDir: string): Promise<AgentEvidence | NoEvidence> {
  const problems: string[] = [];
  const sourceFiles: string[] = [];
  let rawBytes = 0;
  for (const path of atifCandidates(trialDir)) {
    const label = relative(trialDir, path);
    const parsed = parseTrajectory(path, label);
    rawBytes += parsed.bytes;
    sourceFiles.push(label);
    if (!parsed.ok) {
      problems.push(parsed.problem);
      continue;
    }
    const t = parsed.trajectory;
    const list = createStepList();
    const reading = readAtifSteps(t, list, { label });
    problems.push(...reading.problems);
    rawBytes += readSubtrajectories(trialDir, path, reading.subagentRefs, list, sourceFiles, problems);
    const extra = obj(t.extra);
    const finalMessage = typeof extra.final_message === 'string' ? extra.final_message : reading.finalMessage;
    const status =
      typeof extra.status === 'string'
        ? extra.status
        : reading.finished || reading.endedWithMessage
          ? 'completed'
          : undefined;
    return {
      source: 'atif',
      sourceFiles,
      rawBytes,
      steps: list.steps,
      problems,
      ...(reading.instruction ? { instruction: reading.instruction } : {}),
      ...(finalMessage ? { finalMessage } : {}),
      ...(status ? { stopReason: status } : {}),
      agentSteps: reading.agentSteps,
      ...totals(t),
      ...(num(extra.duration_ms) !== undefined ? { durationSec: num(extra.duration_ms)! / 1000 } : {}),
    };
  }
  return { problems, sourceFiles, rawBytes };
}
