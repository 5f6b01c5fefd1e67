// The evolve step of one iteration: the evolve agent (ahe's own runtime, the fixed harnesses/evolver
// harness plus host tools) reads the evidence, edits component files, commits one change at a time and
// writes its manifest. A session that ends without an accepted manifest is retried with the reason;
// after the last try the iteration is skipped and every commit it made is reverted (harness unchanged).
// A step run again after an interruption keeps the interrupted run's records aside and counts what they
// spent (interrupted-attempts.ts).

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordSession } from '../agent/record-session.ts';
import type { Task } from '../bench/task.ts';
import { bundledPath } from '../bundled-path.ts';
import { InterruptedError, isInfrastructureError } from '../errors.ts';
import { formatDiagnostic } from '../harness/harness-error.ts';
import { loadHarness } from '../harness/load-harness.ts';
import type { LoadedMiddleware, Middleware } from '../harness/types.ts';
import { validateHarness } from '../harness/validate-harness.ts';
import type { Model } from '../model/types.ts';
import { addSpend, type Spend, spendOf } from '../model/usage.ts';
import { createHostSandbox } from '../sandbox/host-sandbox.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { checkManifest } from './check-manifest.ts';
import { checkEditablePath, checkFileEdit } from './edit-policy.ts';
import { type CommittedChange, createEvolverTools } from './evolver-tools.ts';
import { interruptedAttemptsSpend, keepInterruptedAttempt } from './interrupted-attempts.ts';
import { auditChange, type ChangedFile, formatLeakFindings } from './leak-audit.ts';
import { buildLeakIndex, type LeakIndex } from './leak-index.ts';
import type { ChangeManifest } from './manifest.ts';
import { SEED_TAG, type Workspace } from './workspace.ts';

export const EVOLVER_HARNESS_DIR = bundledPath('harnesses/evolver');

export interface EvolveSessionOptions {
  iteration: number;
  workspace: Workspace;
  /** RUN/iterations/N: the manifest, transcript and audit are written here. */
  iterationDir: string;
  /**
   * Where this session's own files go (manifest, transcript, commit attempts, leak records); default
   * iterationDir. Best-of-N gives each candidate session its own directory, while the evidence and
   * traces it reads stay the iteration's (iterationDir/job, iterationDir/debug).
   */
  outputDir?: string;
  model: Model;
  trainTasks: Task[];
  evidenceSections: string[];
  readEvidence: (section: string) => Promise<string>;
  /** Sessions before the iteration is skipped (default 2). */
  maxSessions?: number;
  /** Model calls and wall time of each session (--evolve-max-steps, --evolve-max-minutes); default: the evolver harness's. */
  maxSteps?: number;
  maxWallSec?: number;
  /** A strategy hint for this session (best-of-N's --evolver-hints), added to its instruction. */
  strategyHint?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface EvolveSessionResult {
  manifest: ChangeManifest;
  skipped?: string;
  /**
   * What the step's sessions spent: this run's, and those of earlier runs of the step that were
   * interrupted or stopped (kept aside in evolve.interrupted-<n>/, interrupted-attempts.ts).
   */
  usage: Spend;
  /** Commits reverted because the iteration was skipped or a change leaked. */
  reverted: string[];
  /**
   * Set when the evolve agent's model could not be reached (infrastructure, not the agent): the step
   * ends here without a manifest and without reverting, so the run stops and `--resume` runs it again.
   */
  unavailable?: string;
}

const MANIFEST_FILE = 'change_manifest.json';
/** RUN/iterations/N/evolve/commit-attempts.jsonl: one line per commit_change call that had edits. */
export const COMMIT_ATTEMPTS_FILE = 'commit-attempts.jsonl';

function instruction(o: EvolveSessionOptions, retry?: string): string {
  return [
    `Iteration ${o.iteration} of the evolution. Improve the coding agent's harness from the evidence of its last evaluation.`,
    `Training tasks (names only; predictions must use these names): ${o.trainTasks.map((t) => t.name).join(', ')}.`,
    `Evidence sections: ${o.evidenceSections.join(', ')}. Start with read_evidence("overview").`,
    'Commit each change with commit_change, then write_manifest with iteration',
    `${o.iteration}, then reply with a short summary.`,
    o.strategyHint ? `\nStrategy for this session: ${o.strategyHint}.` : '',
    retry
      ? `\nYour previous session ended without an accepted manifest: ${retry}. Your committed changes are still there; describe them in write_manifest (or commit what is missing first).`
      : '',
  ].join(' ');
}

/**
 * Once the session's conversation has been compacted (it got shorter between two model calls), every
 * later model call carries the session's ground truth in its system message: the changes committed so
 * far (id, files) and that each must be in write_manifest — so a long session that lost its early turns
 * to compaction still writes a complete manifest. Before any compaction the request is left as it is.
 */
export function progressAfterCompaction(
  committed: readonly CommittedChange[],
  manifestDone: () => boolean,
): LoadedMiddleware {
  const hooks: Middleware = {
    name: 'evolve-progress',
    beforeModel(request, ctx) {
      const store = ctx.state.store as { seenMessages?: number; compacted?: boolean };
      if (store.seenMessages !== undefined && request.messages.length < store.seenMessages) store.compacted = true;
      store.seenMessages = request.messages.length;
      if (!store.compacted) return;
      const note = [
        '',
        '# Progress of this session (kept across compaction)',
        committed.length
          ? `Committed so far: ${committed.map((c) => `${c.id} (${c.files.join(', ')})`).join('; ')}.`
          : 'Nothing committed yet.',
        manifestDone()
          ? 'The manifest is accepted: reply with a short summary and stop.'
          : `Still to do: commit what you are working on, then write_manifest with one entry per committed change${committed.length ? ` (${committed.map((c) => c.id).join(', ')})` : ''}.`,
      ].join('\n');
      const system = request.messages.findIndex((m) => m.role === 'system');
      const messages =
        system >= 0
          ? request.messages.map((m, i) => (i === system ? { ...m, content: `${m.content}\n${note}` } : m))
          : [{ role: 'system' as const, content: note.trim() }, ...request.messages];
      return { ...request, messages };
    },
  };
  return { name: 'evolve-progress', file: 'builtin', hooks };
}

/** Leak audit of one commit against the training tasks (defence in depth: commit_change audits too). */
async function auditCommit(ws: Workspace, sha: string, tasks: Task[], index: LeakIndex): Promise<string | undefined> {
  const files: ChangedFile[] = [];
  for (const path of await ws.changedFiles(`${sha}^`, sha)) {
    const after = await ws.fileAt(sha, path);
    if (after === undefined) continue;
    files.push({ path, before: (await ws.fileAt(`${sha}^`, path)) ?? null, after });
  }
  const audit = auditChange({ files, tasks, index });
  return audit.ok ? undefined : formatLeakFindings(audit);
}

export async function runEvolveSession(o: EvolveSessionOptions): Promise<EvolveSessionResult> {
  const ws = o.workspace;
  const out = o.outputDir ?? o.iterationDir;
  const log = o.log ?? (() => {});
  await ws.discardUncommitted();
  // An evolve step interrupted after some commits (Ctrl-C, crash) left changes without a manifest:
  // they are reverted before the step runs again, so nothing unexplained reaches an evaluation.
  const baseFile = join(out, 'evolve-base.json');
  if (existsSync(baseFile)) {
    const base = (JSON.parse(readFileSync(baseFile, 'utf8')) as { head: string }).head;
    for (const sha of await ws.commitsAfter(base))
      await ws.revert(sha, `discard an interrupted evolve session of iteration ${o.iteration}`);
  }
  writeJsonAtomic(baseFile, { head: await ws.head() });
  // This step starts afresh: the sessions and commit attempts of an interrupted (or stopped) run of it,
  // which described commits now reverted, are kept aside, and what they spent counts with this run's.
  keepInterruptedAttempt(out);
  const earlier = interruptedAttemptsSpend(out);
  const trainNames = new Set(o.trainTasks.map((t) => t.name));
  const seedPrompt = (await ws.fileAt(SEED_TAG, 'system_prompt.md')) ?? '';
  const evolver = await loadHarness(EVOLVER_HARNESS_DIR);
  let usage = earlier;
  const committed: CommittedChange[] = [];
  let manifest: ChangeManifest | undefined;
  let retry: string | undefined;
  const maxSessions = o.maxSessions ?? 2;
  const leakIndex = buildLeakIndex(o.trainTasks);
  mkdirSync(out, { recursive: true });

  for (let session = 1; session <= maxSessions && !manifest; session++) {
    const tools = createEvolverTools({
      harnessDir: ws.dir,
      checkPath: (rel) => {
        const r = checkEditablePath(rel, { harnessDir: ws.dir });
        return r.ok ? undefined : r.reason;
      },
      checkContent: (rel, before, after) => {
        const r = checkFileEdit(rel, { before, after, seedPrompt, harnessDir: ws.dir });
        return r.ok ? undefined : r.reason;
      },
      evidenceSections: () => o.evidenceSections,
      readEvidence: o.readEvidence,
      // The training job of this iteration (held-out trials are in holdout-job/, never here) and its report.
      traceScope: {
        jobDir: join(o.iterationDir, 'job'),
        reportDir: join(o.iterationDir, 'debug'),
        trainTasks: trainNames,
      },
      validate: async () => {
        const report = await validateHarness(ws.dir);
        const lines = report.diagnostics.map(formatDiagnostic);
        return {
          ok: report.ok,
          text: report.ok
            ? `ok: ${report.stats.tools} tools, ${report.stats.middleware} middleware, ${report.stats.skills} skills, ${report.stats.subagents} sub-agents, ${report.stats.memory} memory files`
            : lines.join('\n'),
        };
      },
      uncommittedFiles: () => ws.uncommittedFiles(),
      // Every attempt is kept for the run summary's per-component-type outcome (run-summary.ts).
      onCommitAttempt: (attempt) => {
        mkdirSync(join(out, 'evolve'), { recursive: true });
        appendFileSync(
          join(out, 'evolve', COMMIT_ATTEMPTS_FILE),
          `${JSON.stringify({ ts: new Date().toISOString(), session, ...attempt })}\n`,
        );
      },
      auditUncommitted: async () => {
        const files: ChangedFile[] = [];
        for (const path of await ws.uncommittedFiles()) {
          const file = join(ws.dir, path);
          if (!existsSync(file)) continue;
          files.push({ path, before: (await ws.fileAt('HEAD', path)) ?? null, after: readFileSync(file, 'utf8') });
        }
        const audit = auditChange({ files, tasks: o.trainTasks, index: leakIndex });
        if (audit.ok) return undefined;
        // Rejected attempts are kept for the record: what the agent tried to write, and why it leaked.
        appendFileSync(
          join(out, 'leak-rejections.jsonl'),
          `${JSON.stringify({ ts: new Date().toISOString(), session, findings: audit.findings })}\n`,
        );
        return formatLeakFindings(audit);
      },
      commit: async (id, message) => {
        const files = await ws.uncommittedFiles();
        const sha = await ws.commitChange({ message: `${id}: ${message}` });
        const change = { id, sha, files };
        committed.push(change);
        log(`  committed ${id} (${files.join(', ')})`);
        return change;
      },
      writeManifest: async (value) => {
        const check = checkManifest(value, { iteration: o.iteration, committed, trainTasks: trainNames });
        if (!check.ok) return check.problems;
        manifest = check.manifest;
        return [];
      },
    });
    // Changes committed in an earlier session of this iteration are still there for the manifest.
    tools.committed.push(...committed.filter((c) => !tools.committed.includes(c)));
    const result = await recordSession({
      harness: {
        ...evolver,
        tools: [...evolver.tools, ...tools.tools],
        middleware: [...evolver.middleware, progressAfterCompaction(tools.committed, () => manifest !== undefined)],
      },
      model: o.model,
      instruction: instruction(o, retry),
      limits: {
        ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
        ...(o.maxWallSec ? { maxWallSec: o.maxWallSec } : {}),
      },
      sandbox: createHostSandbox({ workdir: ws.dir }),
      outDir: join(out, 'evolve', `session-${session}`),
      signal: o.signal,
    });
    usage = addSpend(usage, spendOf(result, result.steps));
    if (o.signal?.aborted) throw new InterruptedError('the evolve session');
    if (!manifest && result.status === 'error' && isInfrastructureError(result.errorType)) {
      log(`  evolve session ${session}: the model could not be used (${result.error ?? result.errorType})`);
      return {
        manifest: { iteration: o.iteration, changes: [] },
        usage,
        reverted: [],
        unavailable: result.error ?? String(result.errorType),
      };
    }
    if (!manifest)
      retry =
        result.status === 'completed'
          ? 'the session finished without calling write_manifest successfully'
          : `the session stopped (${result.status}${result.error ? `: ${result.error}` : ''})`;
    log(
      `  evolve session ${session}: ${result.status}, ${result.steps} steps${manifest ? ', manifest accepted' : `; ${retry}`}`,
    );
  }

  const reverted: string[] = [];
  let skipped: string | undefined;
  if (!manifest) {
    skipped = `no accepted manifest after ${maxSessions} sessions (${retry}); the iteration's changes are reverted`;
    for (const c of [...committed].reverse())
      reverted.push(await ws.revert(c.sha, `skip iteration ${o.iteration}: ${c.id} had no accepted manifest`));
    await ws.discardUncommitted();
    manifest = { iteration: o.iteration, changes: [] };
  } else {
    // Defence in depth: audit each committed change again; a leaking one is reverted before evaluation.
    const leaks: Record<string, string> = {};
    for (const change of [...manifest.changes].reverse()) {
      const leak = await auditCommit(ws, change.commit!, o.trainTasks, leakIndex);
      if (leak) {
        leaks[change.id] = leak;
        reverted.push(await ws.revert(change.commit!, `reject ${change.id}: task-specific content`));
      }
    }
    if (Object.keys(leaks).length) {
      writeJsonAtomic(join(out, 'leak-audit.json'), leaks);
      manifest = { ...manifest, changes: manifest.changes.filter((c) => !(c.id in leaks)) };
    }
    await ws.discardUncommitted();
  }
  writeJsonAtomic(join(out, MANIFEST_FILE), skipped ? { ...manifest, skipped } : manifest);
  return { manifest, usage, reverted, ...(skipped ? { skipped } : {}) };
}
