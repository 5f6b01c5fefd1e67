// A manifest must describe exactly the changes the evolve agent committed in this iteration: one entry
// per commit (same id), naming the files that commit touched, for the current iteration, predicting
// only training tasks. Anything else is sent back to the agent with the problems.
import type { CommittedChange } from './evolver-tools.ts';
import { type ChangeManifest, parseManifest } from './manifest.ts';

export type ManifestCheck = { ok: true; manifest: ChangeManifest } | { ok: false; problems: string[] };

export function checkManifest(
  value: unknown,
  options: { iteration: number; committed: readonly CommittedChange[]; trainTasks: ReadonlySet<string> },
): ManifestCheck {
  const parsed = parseManifest(value, options.trainTasks);
  if (!parsed.ok) return parsed;
  const manifest = parsed.manifest;
  const problems: string[] = [];
  if (manifest.iteration !== options.iteration)
    problems.push(`iteration: this is iteration ${options.iteration}, not ${manifest.iteration}`);
  const byId = new Map(options.committed.map((c) => [c.id, c]));
  manifest.changes.forEach((change, i) => {
    const commit = byId.get(change.id);
    if (!commit) {
      problems.push(
        `changes.${i}.id: no committed change has id ${change.id} (committed: ${[...byId.keys()].join(', ') || 'none'})`,
      );
      return;
    }
    const missing = commit.files.filter((f) => !change.files.includes(f));
    const extra = change.files.filter((f) => !commit.files.includes(f));
    if (missing.length || extra.length)
      problems.push(
        `changes.${i}.files: commit ${change.id} touched ${commit.files.join(', ')}${extra.length ? `; not in it: ${extra.join(', ')}` : ''}`,
      );
  });
  const described = new Set(manifest.changes.map((c) => c.id));
  const undescribed = options.committed.filter((c) => !described.has(c.id)).map((c) => c.id);
  if (undescribed.length)
    problems.push(`changes: every committed change needs an entry; missing: ${undescribed.join(', ')}`);
  if (problems.length) return { ok: false, problems };
  // The loop, not the agent, records which commit made each change.
  return {
    ok: true,
    manifest: { ...manifest, changes: manifest.changes.map((c) => ({ ...c, commit: byId.get(c.id)!.sha })) },
  };
}
