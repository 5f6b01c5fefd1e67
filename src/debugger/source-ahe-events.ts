// ahe's own event log (docs/traces.md) → digest steps, streamed line by line. The log is the best source
// there is: exit codes, durations, timeouts, model and middleware errors, compactions and sub-agent
// sessions are all recorded; a truncated tool output is replaced by its full output from tool-outputs/.
import { existsSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { type AgentEvidence, cutText, type NoEvidence } from './agent-evidence.ts';
import type { DigestStep } from './digest.ts';
import { readLines } from './read-lines.ts';
import { viewToolCall } from './shell-command.ts';
import { createStepList } from './step-list.ts';
import { outputFromFile, outputFromText } from './step-output.ts';

type Event = Record<string, unknown> & { type: string; session_id?: string; parent_session_id?: string };

const MAX_PROBLEMS = 20;
const TEXT_CHARS = 600;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** The shell tool appends `[exit code: N]`; the digest shows the exit code on the step line instead. */
const withoutExitTrailer = (output: string) => output.replace(/\n?\[exit code: -?\d+\]\s*$/, '');

/** A tool output file is read only from inside the trial directory, whatever path the trace names. */
function localOutputFile(trialDir: string, agentDir: string, recorded: string): string | undefined {
  const candidates = [join(agentDir, 'tool-outputs', basename(recorded)), resolve(agentDir, recorded)];
  const root = resolve(trialDir) + sep;
  return candidates.find((p) => resolve(p).startsWith(root) && existsSync(p) && statSync(p).isFile());
}

export async function readAheEvents(trialDir: string): Promise<AgentEvidence | NoEvidence> {
  const agentDir = [join(trialDir, 'agent'), trialDir].find((d) => existsSync(join(d, 'events.jsonl')));
  if (!agentDir) return { problems: [], sourceFiles: [], rawBytes: 0 };
  const eventsFile = join(agentDir, 'events.jsonl');
  const rel = (p: string) => relative(trialDir, p) || basename(p);
  const problems: string[] = [];
  let hiddenProblems = 0;
  const problem = (p: string) => (problems.length < MAX_PROBLEMS ? problems.push(p) : hiddenProblems++);
  const sourceFiles = [rel(eventsFile)];
  let rawBytes = statSync(eventsFile).size;
  const list = createStepList();
  const pending = new Map<string, DigestStep>();
  const subagents = new Map<string, { name: string; step: number }>();
  const ev: Partial<AgentEvidence> = {};
  const usage = { prompt: 0, completion: 0, cached: 0 };
  let root: string | undefined;
  let events = 0;
  let lastStep = 0;
  let ended = false;

  for await (const line of readLines(eventsFile)) {
    if ('tooLong' in line) {
      problem(`${rel(eventsFile)}:${line.n}: line of ${line.tooLong} bytes skipped (too long to parse)`);
      continue;
    }
    if (!line.text.trim()) continue;
    let e: Event;
    try {
      e = JSON.parse(line.text);
      if (!e || typeof e !== 'object' || typeof e.type !== 'string') throw new Error('no type');
    } catch {
      problem(`${rel(eventsFile)}:${line.n}: not a valid event (a torn line?), skipped`);
      continue;
    }
    events++;
    if (root === undefined && (e.type === 'session_start' ? !e.parent_session_id : true)) root = e.session_id;
    const sub =
      e.session_id !== root
        ? (subagents.get(String(e.session_id)) ?? { name: 'sub-agent', step: num(e.step) ?? lastStep })
        : undefined;
    const step = sub ? sub.step : (num(e.step) ?? lastStep);
    if (!sub) lastStep = Math.max(lastStep, step);
    const mark = (s: DigestStep): DigestStep => list.push(sub ? { ...s, subagent: sub.name } : s);
    const key = (callId: unknown) => `${e.session_id}:${String(callId)}`;

    switch (e.type) {
      case 'session_start':
        if (!sub) ev.instruction = str(e.instruction);
        break;
      case 'user_message':
        if (!sub && !ev.instruction) ev.instruction = str(e.content);
        break;
      case 'model_call': {
        const message = obj(e.message);
        const text = str(message.content) ? cutText(String(message.content), TEXT_CHARS) : undefined;
        const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Record<string, unknown>[]) : [];
        if (!sub) {
          const u = obj(e.usage);
          usage.prompt += num(u.prompt_tokens) ?? 0;
          usage.completion += num(u.completion_tokens) ?? 0;
          usage.cached += num(u.cached_tokens) ?? 0;
        }
        if (calls.length === 0) {
          mark({ step, kind: 'message', ...(text ? { text } : {}) });
          break;
        }
        calls.forEach((call, i) => {
          const tool = str(call.name) ?? 'tool';
          const view = viewToolCall(tool, call.arguments ?? call.raw_arguments);
          const s = mark({
            step,
            kind: view.command !== undefined ? 'command' : 'tool',
            tool,
            ...view,
            ...(i === 0 && text ? { text } : {}),
          });
          if (call.arguments_error) {
            s.isError = true;
            s.errors = [`invalid arguments: ${cutText(String(call.arguments_error), 300)}`];
          }
          pending.set(key(call.id), s);
        });
        break;
      }
      case 'tool_result': {
        const s = pending.get(key(e.call_id)) ?? mark({ step, kind: 'tool', tool: str(e.name) ?? 'tool' });
        pending.delete(key(e.call_id));
        const meta = obj(e.metadata);
        const exit = meta.exit_code;
        if (typeof exit === 'number' || exit === null) s.exitCode = exit;
        if (meta.timed_out === true) s.timedOut = true;
        const duration = num(meta.duration_ms) ?? num(e.duration_ms);
        if (duration !== undefined) s.durationMs = duration;
        if (e.is_error === true) s.isError = true;
        const full = str(e.full_output_file)
          ? localOutputFile(trialDir, agentDir, String(e.full_output_file))
          : undefined;
        if (full) {
          const out = await outputFromFile(full);
          rawBytes += out.outputBytes;
          sourceFiles.push(rel(full));
          list.setOutput(s, out);
        } else {
          if (e.full_output_file)
            problem(
              `full output of step ${step} (${basename(String(e.full_output_file))}) is not in ${rel(join(agentDir, 'tool-outputs'))}: the truncated output is shown`,
            );
          const text = str(e.output) ?? '';
          list.setOutput(s, outputFromText(typeof exit === 'number' ? withoutExitTrailer(text) : text));
        }
        break;
      }
      case 'model_error':
        mark({
          step,
          kind: 'error',
          text: cutText(`${str(e.error_type) ?? 'model error'}: ${str(e.message) ?? ''}`, TEXT_CHARS),
          isError: true,
        });
        break;
      case 'middleware_error':
        mark({
          step,
          kind: 'error',
          text: cutText(
            `middleware ${str(e.middleware) ?? '?'} (${str(e.hook) ?? '?'}): ${str(e.message) ?? ''}`,
            TEXT_CHARS,
          ),
          isError: true,
        });
        break;
      case 'compaction':
        mark({
          step,
          kind: 'compaction',
          // How and why (src/agent/compact-session.ts), when the event says: "summary, after a context overflow: …".
          text: `${compactionCause(str(e.strategy), str(e.reason))}${num(e.tokens_before) ?? '?'} → ${num(e.tokens_after) ?? '?'} tokens, ${num(e.messages_removed) ?? '?'} messages removed`,
        });
        break;
      case 'subagent_start': {
        const name = str(e.subagent) ?? 'sub-agent';
        subagents.set(String(e.child_session_id), { name, step });
        const s = pending.get(key(e.call_id));
        if (s) s.kind = 'subagent';
        else mark({ step, kind: 'subagent', tool: 'agent', text: `sub-agent ${name} started` });
        break;
      }
      case 'subagent_end': {
        const s =
          pending.get(key(e.call_id)) ??
          [...list.steps].reverse().find((x) => x.kind === 'subagent' && x.step === step && !x.subagent);
        const note = `sub-agent ${str(e.subagent) ?? subagents.get(String(e.child_session_id))?.name ?? ''} ended: ${str(e.status) ?? '?'}, ${num(e.steps) ?? '?'} steps`;
        if (s) s.text = s.text ? `${s.text}\n${note}` : note;
        break;
      }
      case 'session_end':
        if (sub) {
          if (e.status === 'error')
            mark({
              step,
              kind: 'error',
              text: cutText(`sub-agent session error: ${str(e.error) ?? 'unknown'}`, TEXT_CHARS),
              isError: true,
            });
          break;
        }
        ended = true;
        ev.stopReason = str(e.status);
        if (str(e.final_message)) ev.finalMessage = String(e.final_message);
        ev.agentSteps = num(e.steps);
        if (e.usage) {
          const u = obj(e.usage);
          ev.tokens = {
            prompt: num(u.prompt_tokens) ?? 0,
            completion: num(u.completion_tokens) ?? 0,
            cached: num(u.cached_tokens) ?? 0,
          };
        }
        ev.costUsd = num(e.cost_usd);
        if (num(e.duration_ms) !== undefined) ev.durationSec = num(e.duration_ms)! / 1000;
        if (str(e.error))
          mark({ step, kind: 'error', text: cutText(`session error: ${e.error}`, TEXT_CHARS), isError: true });
        break;
    }
  }

  if (hiddenProblems > 0) problems.push(`… and ${hiddenProblems} more problems in ${rel(eventsFile)}`);
  if (events === 0) return { problems: [...problems, `${rel(eventsFile)}: no readable events`], sourceFiles, rawBytes };
  if (!ended) problems.push(`${rel(eventsFile)} ends without session_end: the session crashed or was killed`);
  for (const s of pending.values())
    if (!s.subagent) s.text = s.text ? `${s.text}\n(no tool result recorded)` : '(no tool result recorded)';
  return {
    source: 'ahe-events',
    sourceFiles,
    rawBytes,
    steps: list.steps,
    problems,
    ...ev,
    stopReason: ev.stopReason ?? 'unknown',
    agentSteps: ev.agentSteps ?? lastStep,
    tokens: ev.tokens ?? (usage.prompt + usage.completion > 0 ? usage : undefined),
  };
}

const COMPACTION_REASONS: Record<string, string> = {
  context_budget: 'over the context budget',
  context_overflow: 'after a context overflow',
};

/** "summary, over the context budget: " from a compaction event's strategy and reason ('' when it has neither). */
function compactionCause(strategy: string | undefined, reason: string | undefined): string {
  const why = reason ? (COMPACTION_REASONS[reason] ?? reason) : undefined;
  const parts = [strategy, why].filter((p): p is string => Boolean(p));
  return parts.length ? `${parts.join(', ')}: ` : '';
}
