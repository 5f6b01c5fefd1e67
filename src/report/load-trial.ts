// One trial's detail for the report's trial view: its trajectory step by step (the ATIF trajectory any
// writer left, found where the debugger looks for it; a multi-step task's steps/<name>/ each on their
// own), the instruction, the verifier's output, the exception and, when the job was debugged, the
// debugger's digest and signatures. Texts are kept whole (the page cuts them for display); a field over
// MAX_FIELD_CHARS keeps its head and tail and says so in `notes`. A trial without an ATIF trajectory
// (a Terminal-Bench 1 run, agent logs only, a crashed ahe session) gets the debugger's digest steps instead.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { trialReward } from '../bench/job-summary.ts';
import { contentText } from '../debugger/atif-steps.ts';
import { digestTrial } from '../debugger/digest-trial.ts';
import { trialStepNames } from '../debugger/multi-step-evidence.ts';
import { atifCandidates, MAX_TRAJECTORY_BYTES } from '../debugger/source-atif.ts';
import { UserError } from '../errors.ts';
import { type DebugInfo, debugInfoForJob, readDebugInfo, trialDebug } from './load-debug-info.ts';
import { capText, num, obj, readJsonFile, readJsonObject, readTextFile, str } from './load-file.ts';
import type { TraceStep, TrialDetail } from './report-data.ts';

// ANSI escape sequences (colours, cursor moves) of terminal output: noise as text.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Reads the trials of one job, sharing what every trial needs (the job's debug output) across calls. */
export interface TrialLoader {
  load(trialId: string): Promise<TrialDetail>;
}

/** `debug`: the job's debug info when the caller read it already (undefined: found and read here, once). */
export function createTrialLoader(jobDir: string, known?: DebugInfo | null): TrialLoader {
  let debug = known;
  return {
    async load(trialId) {
      debug ??= debugInfoForJob(jobDir);
      return readTrialDetail(jobDir, trialId, debug);
    },
  };
}

/**
 * The detail of trial `trialId` (its directory name) of the job at `jobDir`; its digest and signatures
 * from the debug output at `debugDir` when given (one written with `--out` elsewhere), else the job's own.
 */
export async function loadTrialDetail(jobDir: string, trialId: string, debugDir?: string): Promise<TrialDetail> {
  return createTrialLoader(jobDir, debugDir ? readDebugInfo(debugDir) : undefined).load(trialId);
}

/** A trial id is one directory name: never a path, never `.` or `..`. */
export function checkTrialId(trialId: string): void {
  if (!trialId || trialId === '.' || trialId === '..' || /[\\/\0]/.test(trialId))
    throw new UserError(`${JSON.stringify(trialId)} is not a trial name (a trial is one directory of its job)`);
}

async function readTrialDetail(jobDir: string, trialId: string, debug: DebugInfo | null): Promise<TrialDetail> {
  checkTrialId(trialId);
  const dir = join(jobDir, trialId);
  if (!isDir(dir)) throw new UserError(`${dir}: no such trial directory`);
  const notes: string[] = [];
  const result = readJsonObject(join(dir, 'result.json'), notes) ?? {};
  const task =
    str(result.task_name) ?? (trialId.includes('__') ? trialId.slice(0, trialId.lastIndexOf('__')) : trialId);
  const detail: TrialDetail = {
    id: trialId,
    task,
    reward: trialReward(result as Parameters<typeof trialReward>[0]),
    exception: readException(dir, result, notes),
    instruction: null,
    steps: [],
    verifier_output: null,
    digest: null,
    signatures: [],
    notes,
  };
  const stepNames = trialStepNames(dir);
  if (stepNames.length) {
    const stepResults = Array.isArray(result.step_results) ? result.step_results.map(obj) : [];
    detail.task_steps = [];
    const outputs: string[] = [];
    for (const name of stepNames) {
      const stepDir = join(dir, 'steps', name);
      const trace = await readTrace(stepDir, notes, `steps/${name}`);
      detail.instruction ??= trace.instruction;
      const stepResult = stepResults.find((r) => r.step_name === name);
      detail.task_steps.push({
        name,
        reward: stepResult ? trialReward(stepResult as Parameters<typeof trialReward>[0]) : null,
        steps: trace.steps,
      });
      const output = readVerifierOutput(stepDir, notes, `steps/${name}/verifier`);
      if (output?.trim()) outputs.push(`── step ${name} ──\n${output}`);
    }
    detail.verifier_output = outputs.length ? outputs.join('\n\n') : null;
  } else {
    const trace = await readTrace(dir, notes, trialId);
    detail.instruction = trace.instruction;
    detail.steps = trace.steps;
    detail.verifier_output = readVerifierOutput(dir, notes, `${trialId}/verifier`);
  }
  if (debug) Object.assign(detail, trialDebug(debug, task, trialId));
  return detail;
}

function readException(dir: string, result: Record<string, unknown>, notes: string[]): TrialDetail['exception'] {
  const info = obj(result.exception_info);
  const type = str(info.exception_type);
  if (type) {
    const message = str(info.exception_message) ?? '';
    const traceback = str(info.exception_traceback);
    const text = traceback && !message.includes(traceback) ? `${message}\n\n${traceback}` : message;
    return { type, message: capText(text, notes, 'exception message') };
  }
  const text = readTextFile(join(dir, 'exception.txt'), notes, 'exception.txt');
  if (!text?.trim()) return null;
  const last = text.trim().split('\n').pop() ?? '';
  const m = /^([\w.]+(?:Error|Exception|Timeout\w*)):?/.exec(last);
  return { type: m ? m[1]!.split('.').pop()! : 'Exception', message: text.trim() };
}

/** The verifier's console output (test-stdout.txt, else any other text file it wrote), ANSI stripped. */
function readVerifierOutput(dir: string, notes: string[], label: string): string | null {
  const verifier = join(dir, 'verifier');
  if (!isDir(verifier)) return null;
  const preferred = ['test-stdout.txt', 'test_output.txt', 'stdout.txt', 'output.txt'];
  const others = readdirSync(verifier)
    .filter((n) => /\.(txt|log)$/.test(n) && !/^reward/.test(n) && !preferred.includes(n))
    .sort();
  for (const name of [...preferred, ...others]) {
    const text = readTextFile(join(verifier, name), notes, `${label}/${name}`);
    if (text?.trim()) return text.replace(ANSI, '');
  }
  return null;
}

interface Trace {
  instruction: string | null;
  steps: TraceStep[];
}

/** The trajectory of a trial (or of one step of a multi-step trial): ATIF when present, else the digest's steps. */
async function readTrace(dir: string, notes: string[], label: string): Promise<Trace> {
  for (const file of atifCandidates(dir)) {
    const rel = file.slice(dir.length + 1);
    const size = statSync(file).size;
    if (size > MAX_TRAJECTORY_BYTES) {
      notes.push(`${label}/${rel}: ${size} bytes, too large to read`);
      continue;
    }
    const reading = readJsonFile(file);
    if (!reading.ok) {
      notes.push(reading.problem);
      continue;
    }
    const steps = obj(reading.value).steps;
    if (!Array.isArray(steps)) {
      notes.push(`${label}/${rel}: not an ATIF trajectory (no steps list)`);
      continue;
    }
    return atifTrace(steps, notes, `${label}/${rel}`);
  }
  return digestTrace(dir, notes, label);
}

function atifTrace(raw: unknown[], notes: string[], label: string): Trace {
  let instruction: string | null = null;
  let copied = 0;
  const steps: TraceStep[] = [];
  raw.forEach((value, i) => {
    const s = obj(value);
    // Summarization sub-trajectories repeat their parent's history, marked as copied: shown once, not twice.
    if (s.is_copied_context === true) {
      copied++;
      return;
    }
    const source = str(s.source) ?? 'unknown';
    const text = contentText(s.message);
    if (source === 'user' && instruction === null) instruction = capText(text, notes, `${label}: instruction`);
    const metrics = obj(s.metrics);
    const results = Array.isArray(obj(s.observation).results) ? (obj(s.observation).results as unknown[]) : [];
    steps.push({
      index: num(s.step_id) ?? i + 1,
      source,
      text: text ? capText(text, notes, `${label}: step ${i + 1} message`) : null,
      reasoning: str(s.reasoning_content)
        ? capText(str(s.reasoning_content)!, notes, `${label}: step ${i + 1} reasoning`)
        : null,
      tool_calls: (Array.isArray(s.tool_calls) ? s.tool_calls : []).map((c) => {
        const call = obj(c);
        const args =
          typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}, null, 2);
        return {
          id: str(call.tool_call_id),
          name: str(call.function_name) ?? 'tool',
          arguments: capText(args, notes, `${label}: step ${i + 1} tool arguments`),
        };
      }),
      observations: results.map((r) => {
        const result = obj(r);
        const refs = Array.isArray(result.subagent_trajectory_ref) ? result.subagent_trajectory_ref.map(obj) : [];
        const content =
          result.content !== undefined
            ? contentText(result.content)
            : refs
                .map((ref) => `[sub-agent ${str(ref.session_id) ?? ''} ${str(ref.trajectory_path) ?? ''}]`)
                .join('\n');
        return {
          call_id: str(result.source_call_id),
          content: capText(content, notes, `${label}: step ${i + 1} observation`),
        };
      }),
      timestamp: str(s.timestamp),
      tokens:
        num(metrics.prompt_tokens) !== null || num(metrics.completion_tokens) !== null
          ? { prompt: num(metrics.prompt_tokens), completion: num(metrics.completion_tokens) }
          : null,
    });
  });
  if (copied) notes.push(`${label}: ${copied} steps copied from an earlier context (summarization) are not repeated`);
  return { instruction, steps };
}

/** Without an ATIF trajectory: the debugger's digest of the trial (ahe events, Terminal-Bench 1, agent logs). */
async function digestTrace(dir: string, notes: string[], label: string): Promise<Trace> {
  const digest = await digestTrial(dir);
  if (digest.source === 'none' || digest.steps.length === 0) {
    notes.push(`${label}: no trajectory found (no ATIF trajectory, agent events or logs with steps)`);
    return { instruction: digest.instruction ?? null, steps: [] };
  }
  notes.push(
    `${label}: no ATIF trajectory; the steps are the debugger's digest of ${digest.sourceFiles.join(', ') || digest.source} (long outputs cut)`,
  );
  const steps = digest.steps.map(
    (d, i): TraceStep => ({
      index: d.step ?? i + 1,
      source: d.subagent ? `agent (${d.subagent})` : 'agent',
      text: d.text ?? null,
      reasoning: null,
      tool_calls: d.tool !== undefined ? [{ id: null, name: d.tool, arguments: d.command ?? d.args ?? '' }] : [],
      observations:
        d.output !== undefined || d.repeatOf !== undefined
          ? [{ call_id: null, content: d.output ?? `(same output as step ${d.repeatOf})` }]
          : [],
      timestamp: null,
      tokens: null,
    }),
  );
  return { instruction: digest.instruction ?? null, steps };
}
