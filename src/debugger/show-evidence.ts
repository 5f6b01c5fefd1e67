// Drilling from the report down to the evidence: a task (its attempts, signatures, analysis), one
// trial (its digest), one step (cleaned, or --raw: exactly what the trace holds). `ahe debug show`
// prints these; the evolve agent calls the same functions as tools.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../errors.ts';
import { findTrialDirs } from './debug-job.ts';
import type { DigestStep, TrialDigest } from './digest.ts';
import { digestTrial } from './digest-trial.ts';
import { readLines } from './read-lines.ts';
import { renderDigest } from './render-digest.ts';
import { readReport } from './report-schema.ts';
import { type Classifier, classifyTrials } from './signatures.ts';
import { atifCandidates } from './source-atif.ts';

/** Output of one step printed whole up to this many characters (the rest is counted). */
const RAW_CAP = 200_000;

async function taskDigests(jobDir: string, task: string): Promise<TrialDigest[]> {
  const dirs = findTrialDirs(jobDir);
  // Trial directories are usually named for their task; when none is, every trial is read to find it.
  const named = (d: string) =>
    basename(d) === task || basename(d).startsWith(`${task}__`) || basename(d).startsWith(`${task}.`);
  const candidates = dirs.some(named) ? dirs.filter(named) : dirs;
  const digests = await Promise.all(candidates.map((d) => digestTrial(d)));
  const mine = digests.filter((d) => d.task === task);
  if (mine.length === 0) {
    const names = [
      ...new Set(
        (candidates === dirs ? digests : await Promise.all(dirs.map((d) => digestTrial(d)))).map((d) => d.task),
      ),
    ].sort();
    throw new UserError(
      `task ${task} is not in ${jobDir} (tasks: ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', …' : ''})`,
    );
  }
  return mine.sort((a, b) => a.trial.localeCompare(b.trial, 'en', { numeric: true }));
}

/**
 * A task: its attempts with outcome and signatures, and the analysis when a report has one. The
 * signatures come from classifyTrials, the one classification `ahe debug` writes into its report.
 */
export async function showTask(
  jobDir: string,
  task: string,
  reportDir = join(jobDir, 'debug'),
  /** Test seam, as debugJob's: the classifier each trial goes through (default classifyTrial). */
  classify?: Classifier,
): Promise<string> {
  const digests = await taskDigests(jobDir, task);
  const classified = classifyTrials(digests, classify);
  const lines = [`# ${task}: ${digests.filter((d) => d.passed).length}/${digests.length} attempts passed`, ''];
  classified.forEach(({ digest: d, signatures }, i) => {
    const sigs = signatures.map((s) => `${s.label}${s.steps.length ? ` @${s.steps.slice(0, 4).join(',')}` : ''}`);
    lines.push(
      `[${i + 1}] ${d.trial} · ${d.passed ? 'pass' : 'FAIL'} · reward ${d.reward ?? 'none'}${d.exception ? ` · ${d.exception.type}` : ''} · ${d.stats.steps} steps, ${d.stats.commands} commands${sigs.length ? `\n    ${sigs.join('; ')}` : ''}`,
    );
  });
  const reportFile = join(reportDir, 'report.json');
  if (existsSync(reportFile)) {
    const read = readReport(reportFile);
    const analysis = read.ok ? read.report.tasks[task]?.analysis : undefined;
    if (analysis) {
      lines.push(
        '',
        '## Analysis',
        `root cause: ${analysis.root_cause}`,
        `pass vs fail: ${analysis.pass_vs_fail}`,
        `critical mistake: ${analysis.critical_mistake}`,
        `mechanism (${analysis.suggested_component}): ${analysis.general_mechanism}`,
      );
      for (const e of analysis.evidence)
        lines.push(`  - ${e.trial}${e.step !== undefined ? ` step ${e.step}` : ''}: ${e.note}`);
    }
  }
  lines.push('', `more: ahe debug show ${jobDir} ${task} --trial <n> [--step <n>] [--raw]`);
  return lines.join('\n');
}

/** Picks a trial by attempt index (1-based, in trial order) or by its full name. */
function pickTrial(digests: TrialDigest[], trial: string): TrialDigest {
  const byName = digests.find((d) => d.trial === trial);
  if (byName) return byName;
  const index = Number(trial);
  if (Number.isInteger(index) && index >= 1 && index <= digests.length) return digests[index - 1]!;
  throw new UserError(
    `--trial ${trial}: expected 1…${digests.length} or one of ${digests.map((d) => d.trial).join(', ')}`,
  );
}

export async function showTrial(
  jobDir: string,
  task: string,
  trial: string,
  options: { raw?: boolean } = {},
): Promise<string> {
  const d = pickTrial(await taskDigests(jobDir, task), trial);
  if (!options.raw) return renderDigest(d);
  const lines = [`# ${d.trial} — raw evidence in ${d.dir}`, ...d.sourceFiles.map((f) => `  ${f}`)];
  const stdout = join(d.dir, 'verifier', 'test-stdout.txt');
  if (existsSync(stdout)) lines.push('', '## verifier/test-stdout.txt', cap(readFileSync(stdout, 'utf8')));
  return lines.join('\n');
}

export async function showStep(
  jobDir: string,
  task: string,
  trial: string,
  step: number,
  options: { raw?: boolean } = {},
): Promise<string> {
  const d = pickTrial(await taskDigests(jobDir, task), trial);
  const steps = d.steps.filter((s) => s.step === step);
  if (steps.length === 0)
    throw new UserError(
      `--step ${step}: ${d.trial} has steps ${d.steps.length ? `${d.steps[0]!.step}…${d.steps.at(-1)!.step}` : 'none'}`,
    );
  if (!options.raw) return steps.map(renderStep).join('\n\n');
  // A multi-step trial's step lives in its task step's own trace, numbered there from 1.
  const origin = steps[0]!.origin;
  const traceDir = origin ? join(d.dir, origin.dir) : d.dir;
  const traceStep = origin ? origin.step : step;
  const raw = (await rawAheStep(traceDir, traceStep)) ?? rawAtifStep(traceDir, traceStep);
  return (
    raw ?? `${steps.map(renderStep).join('\n\n')}\n\n(no raw trace holds step ${step}; this is the cleaned digest)`
  );
}

function renderStep(s: DigestStep): string {
  const head = `#${s.step} ${s.kind}${s.subagent ? ` (sub-agent ${s.subagent})` : ''}${s.tool ? ` ${s.tool}` : ''}`;
  return [
    head,
    s.command ? `$ ${s.command}` : s.args ? `args: ${s.args}` : '',
    s.exitCode !== undefined
      ? `exit ${s.exitCode ?? 'signal'}${s.durationMs !== undefined ? ` · ${(s.durationMs / 1000).toFixed(1)}s` : ''}${s.timedOut ? ' · timed out' : ''}`
      : '',
    s.text ? `text: ${s.text}` : '',
    s.repeatOf !== undefined ? `(same output as step ${s.repeatOf})` : s.output ? s.output : '',
    s.errors?.length ? `errors:\n${s.errors.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

const cap = (text: string) =>
  text.length <= RAW_CAP ? text : `${text.slice(0, RAW_CAP)}\n[… ${text.length - RAW_CAP} more characters]`;

/** Step n of ahe's events.jsonl: the model's message and tool calls, and every tool output in full. */
async function rawAheStep(trialDir: string, step: number): Promise<string | undefined> {
  const file = join(trialDir, 'agent', 'events.jsonl');
  if (!existsSync(file)) return undefined;
  const out: string[] = [];
  let session: string | undefined;
  for await (const line of readLines(file)) {
    if (!('text' in line)) continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line.text) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (event.type === 'session_start' && !event.parent_session_id) session ??= event.session_id as string;
    if (event.session_id !== session || event.step !== step) continue;
    if (event.type === 'model_call') out.push(`## model_call (step ${step})`, JSON.stringify(event.message, null, 2));
    else if (event.type === 'tool_result') {
      const full =
        typeof event.full_output_file === 'string' ? join(trialDir, 'agent', event.full_output_file) : undefined;
      const output = full && existsSync(full) ? readFileSync(full, 'utf8') : String(event.output ?? '');
      out.push(
        `## tool_result ${event.name} (${event.call_id})${event.is_error ? ' · error' : ''}${event.metadata ? ` · ${JSON.stringify(event.metadata)}` : ''}`,
        cap(output),
      );
    } else out.push(`## ${String(event.type)}`, JSON.stringify(event, null, 2));
  }
  return out.length ? out.join('\n') : undefined;
}

/** Step n of an ATIF trajectory, as the writer wrote it. */
function rawAtifStep(trialDir: string, step: number): string | undefined {
  for (const file of atifCandidates(trialDir)) {
    try {
      const trajectory = JSON.parse(readFileSync(file, 'utf8')) as { steps?: { step_id?: number }[] };
      const found = trajectory.steps?.find((s) => s.step_id === step);
      if (found) return `## ${file} step ${step}\n${cap(JSON.stringify(found, null, 2))}`;
    } catch {
      // unreadable trajectory: try the next one
    }
  }
  return undefined;
}
