// Runs one agent session with its full record on disk: events.jsonl as it goes, then the ATIF
// trajectory (plus one per sub-agent) and the full outputs of truncated tool results.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { countMessageTokens } from '../model/count-tokens.ts';
import { openEventLog } from '../trace/event-log.ts';
import { createRedactor } from '../trace/redact.ts';
import { EVENTS_FILE, writeTrajectories } from '../trace/write-trajectories.ts';
import { type AgentRunResult, type RunAgentOptions, runAgent } from './run-agent.ts';

export interface RecordSessionOptions extends Omit<RunAgentOptions, 'trace' | 'outputDir' | 'countTokens' | 'redact'> {
  /** Directory that receives events.jsonl, trajectory.json and tool-outputs/. */
  outDir: string;
  /** Environment whose secret-looking values are redacted from every file (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface RecordedSession extends AgentRunResult {
  eventsFile: string;
  trajectoryFile: string;
}

export async function recordSession(options: RecordSessionOptions): Promise<RecordedSession> {
  mkdirSync(options.outDir, { recursive: true });
  const redactor = createRedactor(options.env ?? process.env);
  const eventsFile = join(options.outDir, EVENTS_FILE);
  const trace = openEventLog(eventsFile, { sessionId: randomUUID(), redactor });
  let result: AgentRunResult;
  try {
    result = await runAgent({
      ...options,
      trace,
      outputDir: options.outDir,
      redact: (text) => redactor.redact(text),
      countTokens: (message) => countMessageTokens([message]),
    });
  } catch (error) {
    // runAgent reports failures as a status; should it throw anyway, the trajectory of what was
    // recorded (status "incomplete" without session_end) is still written before the error goes on.
    trace.close();
    try {
      writeTrajectories(options.outDir, eventsFile);
    } catch {
      // the original error is the one to report
    }
    throw error;
  }
  trace.close();
  const trajectoryFile = writeTrajectories(options.outDir, eventsFile);
  // The result is printed and saved by callers: it gets the same redaction as the trace.
  return { ...redactor.redactJson(result), eventsFile, trajectoryFile };
}
