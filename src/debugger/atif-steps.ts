// The steps of one ATIF trajectory (any writer, v1.x) as digest steps. Real writers differ: message as a
// string or a list of parts, tool arguments as an object or a JSON string, observations with or without
// `source_call_id`, tool results in the step of the call or in a later one, no user step at all.
import { cutText } from './agent-evidence.ts';
import type { DigestStep } from './digest.ts';
import { viewToolCall } from './shell-command.ts';
import type { StepList } from './step-list.ts';
import { outputFromText } from './step-output.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const TEXT_CHARS = 600;
/** Tools whose call ends the episode; their message is the agent's final answer. */
const FINISH_TOOL =
  /^(?:finish|submit|mark_task_complete|task_complete|attempt_completion|complete_task|final_answer)$/i;
/** Exit codes as writers print them: ahe, gemini-cli, OpenHands, generic JSON. */
const EXIT_CODE = /(?:\[exit code: |^Exit Code: |\[The command completed with exit code |"exit_code": ?)(-?\d+)/m;

/** ATIF content: a string, or parts `{type: text|image, …}` (images become "[image]"). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        const part = obj(p);
        if (part.type === 'image' || part.type === 'image_url' || part.image_url || part.source) return '[image]';
        if (typeof part.text === 'string') return part.text;
        return typeof p === 'string' ? p : '';
      })
      .filter(Boolean)
      .join('\n');
  }
  if (content === undefined || content === null) return '';
  return JSON.stringify(content);
}

export interface AtifReading {
  instruction?: string;
  finalMessage?: string;
  /** A finish tool was called. */
  finished?: boolean;
  /** The last agent step answered in text, without tool calls: the agent stopped by itself. */
  endedWithMessage?: boolean;
  agentSteps: number;
  subagentRefs: { step: number; refs: Obj[] }[];
  problems: string[];
}

interface Options {
  /** Steps of a sub-trajectory are marked with its name and numbered as the parent's step. */
  subagent?: { name: string; step: number };
  label: string;
}

export function readAtifSteps(trajectory: Obj, list: StepList, options: Options): AtifReading {
  const reading: AtifReading = { agentSteps: 0, subagentRefs: [], problems: [] };
  const steps = trajectory.steps as unknown[];
  const pending = new Map<string, DigestStep>();
  const unanswered: DigestStep[] = [];
  const details = new Map<string, Obj>();
  const push = (s: DigestStep) =>
    list.push(options.subagent ? { ...s, step: options.subagent.step, subagent: options.subagent.name } : s);

  steps.forEach((raw, index) => {
    const s = obj(raw);
    if (!raw || typeof raw !== 'object') {
      reading.problems.push(`${options.label}: steps[${index}] is not an object, skipped`);
      return;
    }
    // Sub-trajectories (context summarization) repeat their parent's history, marked as copied.
    if (s.is_copied_context === true) return;
    const id = num(s.step_id) ?? index + 1;
    const message = contentText(s.message).trim();
    const extra = obj(s.extra);
    for (const d of Array.isArray(extra.tool_results) ? extra.tool_results : [])
      details.set(String(obj(d).call_id), obj(d));
    const own: DigestStep[] = [];

    if (s.source === 'user') {
      if (reading.instruction === undefined) reading.instruction = message;
      else if (message) own.push(push({ step: id, kind: 'message', text: cutText(`[user] ${message}`, 300) }));
    } else if (s.source === 'agent') {
      reading.agentSteps++;
      reading.endedWithMessage = false;
      const text = message || (typeof s.reasoning_content === 'string' ? cutText(s.reasoning_content.trim(), 300) : '');
      const calls = Array.isArray(s.tool_calls) ? s.tool_calls.map(obj) : [];
      if (calls.length === 0) {
        own.push(push({ step: id, kind: 'message', ...(text ? { text: cutText(text, TEXT_CHARS) } : {}) }));
        if (message) reading.finalMessage = message;
        reading.endedWithMessage = true;
      }
      calls.forEach((call, i) => {
        const tool = typeof call.function_name === 'string' ? call.function_name : 'tool';
        const view = viewToolCall(tool, call.arguments);
        const step = push({
          step: id,
          kind: view.command !== undefined ? 'command' : 'tool',
          tool,
          ...view,
          ...(i === 0 && text ? { text: cutText(text, TEXT_CHARS) } : {}),
        });
        own.push(step);
        if (FINISH_TOOL.test(tool)) {
          reading.finished = true;
          const args = obj(typeof call.arguments === 'string' ? safeJson(call.arguments) : call.arguments);
          const said = [args.message, args.result, args.answer].find((v) => typeof v === 'string') as
            | string
            | undefined;
          reading.finalMessage = said ?? message ?? reading.finalMessage;
        }
        if (typeof call.tool_call_id === 'string') pending.set(call.tool_call_id, step);
        unanswered.push(step);
      });
    } else if (message && s.source !== 'system') {
      own.push(push({ step: id, kind: 'message', text: cutText(message, 300) }));
    }

    const results = Array.isArray(obj(s.observation).results) ? (obj(s.observation).results as unknown[]).map(obj) : [];
    for (const r of results) {
      if (Array.isArray(r.subagent_trajectory_ref)) {
        reading.subagentRefs.push({ step: id, refs: r.subagent_trajectory_ref.map(obj) });
        if (r.content === undefined) {
          if (s.source === 'system') push({ step: id, kind: 'subagent', text: cutText(message || 'sub-agent', 300) });
          continue;
        }
      }
      const callId = typeof r.source_call_id === 'string' ? r.source_call_id : undefined;
      // Without an id, a result answers its own step's first unanswered call (or its message: a parser error
      // fed back); a step of results alone answers the oldest unanswered call of earlier steps.
      const open = (x: DigestStep) => x.output === undefined && x.repeatOf === undefined;
      let target = callId
        ? pending.get(callId)
        : own.length
          ? (own.find((x) => unanswered.includes(x)) ?? own.find(open))
          : unanswered[0];
      target ??= push({ step: id, kind: 'tool', tool: 'observation' });
      if (callId) pending.delete(callId);
      const at = unanswered.indexOf(target);
      if (at !== -1) unanswered.splice(at, 1);
      const text = contentText(r.content);
      const d = {
        ...obj(r.extra),
        ...(callId ? details.get(callId) : {}),
        ...obj(obj(r.extra).metadata),
        ...obj((callId ? details.get(callId) : undefined)?.metadata),
      };
      const exit = num(d.exit_code) ?? (EXIT_CODE.exec(text) ? Number(EXIT_CODE.exec(text)![1]) : undefined);
      if (exit !== undefined) target.exitCode = exit;
      if (d.timed_out === true) target.timedOut = true;
      if (num(d.duration_ms) !== undefined) target.durationMs = num(d.duration_ms);
      if (d.is_error === true || (exit !== undefined && exit !== 0)) target.isError = true;
      list.setOutput(target, outputFromText(text.replace(/\n?\[exit code: -?\d+\]\s*$/, '')));
    }
  });
  return reading;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
