// What the Agent Debugger said about a job, for its report: the debug output that belongs to a job
// directory (JOB/debug/ written by `ahe debug JOB`, or iterations/<n>/debug/ beside an evolve iteration's
// job/), read once through the debugger's own report.json reader, then asked per task (classification,
// summary, signatures) and per trial (its signatures and its section of detail/<task>.md, the digest).
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Report } from '../debugger/report-schema.ts';
import { readReport } from '../debugger/report-schema.ts';
import { readTextFile } from './load-file.ts';
import type { TaskRow } from './report-data.ts';

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** Where a job's debug output may be: JOB/debug, or the sibling debug/ of an evolve iteration's job/. */
export function debugDirCandidates(jobDir: string): string[] {
  const candidates = [join(jobDir, 'debug')];
  if (basename(jobDir) === 'job') candidates.push(join(dirname(jobDir), 'debug'));
  return candidates;
}

/** The debug output of a job directory, when one exists (the first of debugDirCandidates with a report.json). */
export function findDebugDir(jobDir: string): string | null {
  return debugDirCandidates(jobDir).find((dir) => isFile(join(dir, 'report.json'))) ?? null;
}

export interface DebugInfo {
  dir: string;
  report: Report | null;
  overview: string | null;
  problems: string[];
  /** Per task: the text of its detail file, read once when first asked. */
  details: Map<string, string | null>;
}

export function readDebugInfo(debugDir: string): DebugInfo {
  const problems: string[] = [];
  const reading = readReport(join(debugDir, 'report.json'));
  if (!reading.ok) problems.push(reading.error);
  const overview = readTextFile(join(debugDir, 'overview.md'), problems, `${debugDir}/overview.md`);
  return { dir: debugDir, report: reading.ok ? reading.report : null, overview, problems, details: new Map() };
}

/** The debug info of a job directory, or null when no debug output belongs to it. */
export function debugInfoForJob(jobDir: string): DebugInfo | null {
  const dir = findDebugDir(jobDir);
  return dir ? readDebugInfo(dir) : null;
}

/** TaskRow.debug of a task: the analyst's component and root cause when it ran, the signatures of its failures. */
export function taskDebug(info: DebugInfo, task: string): TaskRow['debug'] | undefined {
  const entry = info.report?.tasks[task];
  if (!entry) return undefined;
  const analysis = entry.analysis ?? undefined;
  return {
    ...(analysis
      ? { classification: analysis.suggested_component }
      : entry.partial
        ? { classification: 'partial' }
        : {}),
    ...(analysis ? { summary: analysis.root_cause } : entry.summary ? { summary: entry.summary } : {}),
    signatures: entry.signatures.map((s) => s.label),
  };
}

/** The text of a task's detail file (detail/<task>.md), cached. */
export function taskDetailText(info: DebugInfo, task: string): string | null {
  if (info.details.has(task)) return info.details.get(task) ?? null;
  const rel = info.report?.tasks[task]?.detail;
  // report.json names the file relative to the report directory; a name leading out of it is not followed.
  const text = rel && !rel.split(/[\\/]/).includes('..') ? readTextFile(join(info.dir, rel)) : null;
  info.details.set(task, text);
  return text;
}

/** A trial's digest (its `## Attempt <trial>` section of the task's detail file) and its signatures. */
export function trialDebug(
  info: DebugInfo,
  task: string,
  trial: string,
): { digest: string | null; signatures: string[] } {
  const entry = info.report?.tasks[task]?.trials.find((t) => t.trial === trial);
  const signatures = entry?.signatures.map((s) => s.label) ?? [];
  const text = taskDetailText(info, task);
  if (!text) return { digest: null, signatures };
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## Attempt ${trial} `) || l === `## Attempt ${trial}`);
  if (start === -1) return { digest: null, signatures };
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end === -1) end = lines.length;
  return { digest: lines.slice(start, end).join('\n').trim(), signatures };
}
