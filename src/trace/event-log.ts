// The append-only event log (events.jsonl). Each event is one line written synchronously, so a crash
// keeps every event up to the crash; lines are never rewritten. Sub-agent sessions write into the
// same file with their own session_id and their parent's id. The header fields (TRACE_HEADERS) are
// written by the log alone: values a caller passes for them are kept under `ignored_headers`.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { toJsonSafe } from './json-safe.ts';
import type { Redactor } from './redact.ts';
import { EVENTS_FORMAT_VERSION, type SessionTrace, type TraceEvent } from './types.ts';

/** Fields only the event log writes; `ignored_headers` holds what a caller tried to put there. */
export const TRACE_HEADERS = ['v', 'ts', 'type', 'session_id', 'parent_session_id', 'ignored_headers'] as const;
const HEADER_SET: ReadonlySet<string> = new Set(TRACE_HEADERS);

/** Builds one event: the caller's data (made JSON-safe) under headers it cannot override. */
export function buildEvent(
  header: { type: string; sessionId: string; parentSessionId?: string; ts: string },
  data: Record<string, unknown>,
): TraceEvent {
  const safe = toJsonSafe(data);
  const body: Record<string, unknown> = {};
  const ignored: Record<string, unknown> = {};
  if (safe && typeof safe === 'object' && !Array.isArray(safe)) {
    for (const [key, value] of Object.entries(safe)) (HEADER_SET.has(key) ? ignored : body)[key] = value;
  }
  return {
    v: EVENTS_FORMAT_VERSION,
    ts: header.ts,
    type: header.type,
    session_id: header.sessionId,
    ...(header.parentSessionId ? { parent_session_id: header.parentSessionId } : {}),
    ...body,
    ...(Object.keys(ignored).length > 0 ? { ignored_headers: ignored } : {}),
  };
}

export interface EventLogOptions {
  sessionId: string;
  parentSessionId?: string;
  redactor: Redactor;
  clock?: () => Date;
}

export interface EventLog extends SessionTrace {
  readonly path: string;
  child(sessionId: string): EventLog;
  close(): void;
}

interface SharedFile {
  fd: number | undefined;
  path: string;
}

function makeLog(file: SharedFile, options: EventLogOptions): EventLog {
  const clock = options.clock ?? (() => new Date());
  return {
    path: file.path,
    sessionId: options.sessionId,
    emit(type: string, data: Record<string, unknown> = {}) {
      if (file.fd === undefined) throw new Error(`event log ${file.path} is closed (event '${type}')`);
      const event = buildEvent(
        { type, sessionId: options.sessionId, parentSessionId: options.parentSessionId, ts: clock().toISOString() },
        data,
      );
      writeSync(file.fd, `${JSON.stringify(options.redactor.redactJson(event))}\n`);
    },
    child(sessionId: string) {
      return makeLog(file, { ...options, sessionId, parentSessionId: options.sessionId });
    },
    close() {
      if (file.fd !== undefined) closeSync(file.fd);
      file.fd = undefined;
    },
  };
}

export function openEventLog(path: string, options: EventLogOptions): EventLog {
  mkdirSync(dirname(path), { recursive: true });
  return makeLog({ fd: openSync(path, 'a'), path }, options);
}

export interface ReadEventsResult {
  events: TraceEvent[];
  /** 1-based line numbers that could not be parsed (a torn last line after a crash, typically). */
  badLines: number[];
}

/** Reads an events file back; unparseable lines are skipped and reported, never fatal. */
export function readEvents(path: string): ReadEventsResult {
  if (!existsSync(path)) return { events: [], badLines: [] };
  const events: TraceEvent[] = [];
  const badLines: number[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const parsed = JSON.parse(line) as TraceEvent;
        if (parsed && typeof parsed === 'object' && typeof parsed.type === 'string') events.push(parsed);
        else badLines.push(i + 1);
      } catch {
        badLines.push(i + 1);
      }
    });
  return { events, badLines };
}
