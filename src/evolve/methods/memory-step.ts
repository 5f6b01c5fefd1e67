// The frame the memory-only methods (ace, tf-grpo) share: each proposes a delta to one file in the
// harness's memory/ from model calls, and this frame makes it a change like the evolve agent's — the
// anti-leak audit drops leaking items (recorded), the file is rewritten from the delta, committed as one
// commit through the Workspace, and described in change_manifest.json (component memory, no
// predictions), so evaluation, attribution, gate, budgets and reports treat it as any other change.
//
// Resume (a kill -9 anywhere): RUN/iterations/N/<method>/base.json records the commit the step started
// from, proposal.json the model calls' decision and spend. A re-run returns the written manifest when
// there is one; otherwise it resets the workspace to the base (dropping a commit whose manifest was never
// written) and re-applies the recorded proposal without calling the model again — a delta is never
// applied twice and never paid twice.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Spend, SpendJson } from '../../model/usage.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import type { EvolveStepInput, EvolveStepResult } from '../evolve-step.ts';
import { auditChange, type LeakFinding } from '../leak-audit.ts';
import { buildLeakIndex } from '../leak-index.ts';
import type { Change, ChangeManifest } from '../manifest.ts';

/** One piece of text a delta would write into the harness (audited on its own before the delta applies). */
export interface DeltaItem {
  /** Identifies the item within the delta, e.g. `operations.2`. */
  key: string;
  text: string;
}

export interface Proposal<D> {
  /** The delta decided by the model calls (null when the iteration is skipped). */
  delta: D | null;
  /** Why nothing is proposed (malformed replies, nothing to learn from). */
  skipped?: string;
  /** The iteration's evidence the calls read (section names), for the manifest. */
  evidence: string[];
  /** One sentence of what the calls found, for the manifest's root_cause. */
  finding: string;
  usage: Spend;
  /** The evolve model could not be reached: the run stops here, resumably. */
  unavailable?: string;
}

export interface AppliedDelta {
  /** The file's new text. */
  text: string;
  /** What the delta did, in one line (also the commit message and manifest description). */
  description: string;
}

export interface MemoryMethod<D> {
  name: 'ace' | 'tf-grpo';
  /** The harness-relative file the method owns, e.g. memory/playbook.md. */
  file: string;
  /** Runs the method's model calls. `current` is the file's text at the base commit (null: none yet). */
  propose(input: EvolveStepInput, current: string | null, methodDir: string): Promise<Proposal<D>>;
  /** The texts the delta would write, for the leak audit. */
  items(delta: D): DeltaItem[];
  /** The delta without the given items (the leaking ones). */
  without(delta: D, keys: ReadonlySet<string>): D;
  /** Applies the delta to the file's text; pure and deterministic (a resumed step re-applies it). */
  apply(current: string | null, delta: D): AppliedDelta;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

interface StoredProposal<D> extends Omit<Proposal<D>, 'usage'> {
  usage: unknown;
}

export async function runMemoryMethod<D>(input: EvolveStepInput, method: MemoryMethod<D>): Promise<EvolveStepResult> {
  const { workspace: ws, iteration: n, log } = input;
  const dir = join(input.iterationDir, method.name);
  const manifestFile = join(input.iterationDir, 'change_manifest.json');
  const proposalFile = join(dir, 'proposal.json');
  mkdirSync(dir, { recursive: true });

  const stored = existsSync(proposalFile) ? readJson<StoredProposal<D>>(proposalFile) : undefined;
  if (existsSync(manifestFile) && stored) {
    const manifest = readJson<ChangeManifest & { skipped?: string }>(manifestFile);
    return {
      manifest,
      usage: SpendJson.parse(stored.usage),
      ...(manifest.skipped ? { skipped: manifest.skipped } : {}),
    };
  }
  const baseFile = join(dir, 'base.json');
  if (!existsSync(baseFile)) writeJsonAtomic(baseFile, { head: await ws.head() });
  const base = readJson<{ head: string }>(baseFile).head;
  await ws.discardUncommitted();
  // A commit of this step whose manifest was never written (a crash between the two) is dropped: the
  // recorded proposal is applied again below, so the delta lands exactly once.
  if ((await ws.head()) !== base) await ws.resetTo(base);

  const current = (await ws.fileAt(base, method.file)) ?? null;
  let proposal: Proposal<D>;
  if (stored) proposal = { ...stored, usage: SpendJson.parse(stored.usage) };
  else {
    proposal = await method.propose(input, current, dir);
    if (proposal.unavailable)
      return { manifest: { iteration: n, changes: [] }, usage: proposal.usage, unavailable: proposal.unavailable };
    writeJsonAtomic(proposalFile, { ...proposal, usage: SpendJson.encode(proposal.usage) });
  }
  const finish = (manifest: ChangeManifest, skipped?: string): EvolveStepResult => {
    writeJsonAtomic(manifestFile, skipped ? { ...manifest, skipped } : manifest);
    // run-evolve logs a skip with its reason; a change is logged here with what the delta did.
    if (!skipped) log(`iteration ${n}: ${method.name}: ${manifest.changes[0]!.description}`);
    return { manifest, usage: proposal.usage, ...(skipped ? { skipped } : {}) };
  };
  if (!proposal.delta) return finish({ iteration: n, changes: [] }, proposal.skipped ?? 'nothing proposed');

  // The anti-leak audit, item by item: a leaking item is dropped with a record, the rest still apply.
  const index = buildLeakIndex(input.trainTasks);
  const rejected: { key: string; text: string; findings: LeakFinding[] }[] = [];
  for (const item of method.items(proposal.delta)) {
    const audit = auditChange({
      files: [{ path: method.file, before: null, after: item.text }],
      tasks: input.trainTasks,
      index,
    });
    if (!audit.ok) rejected.push({ key: item.key, text: item.text, findings: audit.findings });
  }
  const delta = rejected.length ? method.without(proposal.delta, new Set(rejected.map((r) => r.key))) : proposal.delta;
  const applied = method.apply(current, delta);
  // Defence in depth: the whole file change once more (what the items could only leak together).
  const whole = auditChange({
    files: [{ path: method.file, before: current, after: applied.text }],
    tasks: input.trainTasks,
    index,
  });
  if (rejected.length || !whole.ok)
    writeJsonAtomic(join(dir, 'leak-rejections.json'), {
      dropped_items: rejected,
      ...(whole.ok ? {} : { whole_change: whole.findings }),
    });
  const dropped = rejected.length ? `; ${rejected.length} item(s) dropped by the anti-leak audit` : '';
  if (!whole.ok)
    return finish(
      { iteration: n, changes: [] },
      `the delta still carries task-specific content after dropping leaking items (${method.name}/leak-rejections.json)`,
    );
  if (applied.text === (current ?? ''))
    return finish({ iteration: n, changes: [] }, `${applied.description}${dropped}`);

  const path = join(ws.dir, method.file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, applied.text);
  const id = `${method.name}-it${n}`;
  const description = `${applied.description}${dropped}`;
  const sha = await ws.commitChange({ message: `${id}: ${description}`, files: [method.file] });
  const change: Change = {
    id,
    type: current === null ? 'new' : 'improvement',
    component: 'memory',
    files: [method.file],
    description,
    evidence: proposal.evidence.length ? proposal.evidence : ['overview'],
    root_cause: proposal.finding || 'see the method record',
    failure_pattern: `learned by --method ${method.name} from this iteration's training rollouts`,
    // The method makes no predictions: its change is kept or rolled back by the paired test alone.
    predicted_fixes: [],
    risk_tasks: [],
    why_this_component: `--method ${method.name} edits only ${method.file} (memory)`,
    commit: sha,
  };
  return finish({ iteration: n, changes: [change] });
}
