// The per-component-type outcome of a run, for its summary: of each type (memory, middleware, tool…),
// how many changes the evolve agent proposed (commit_change calls with edits, by change id), how many
// validated, how many were committed and reached an evaluation (in the accepted manifest after the leak
// audit), how many were kept, and how many the gate rolled back — so a user sees whether the evolver
// uses the whole harness or only writes memory notes. Read from RUN/iterations/N/evolve/commit-attempts.jsonl
// (written by evolve-session.ts), change_manifest.json and the run's rollbacks.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPONENT_TYPES } from '../debugger/analysis.ts';
import { checkEditablePath } from './edit-policy.ts';
import type { CommitAttempt } from './evolver-tools.ts';
import type { ChangeManifest } from './manifest.ts';
import { iterationDir, type RunState } from './run-state.ts';

/** The manifest's component types, and harness.yaml (its components: section) for changes that touch only it. */
export const OUTCOME_TYPES = [...COMPONENT_TYPES, 'harness_yaml'] as const;
export type OutcomeType = (typeof OUTCOME_TYPES)[number];

export interface TypeOutcome {
  proposed: number;
  validated: number;
  committed: number;
  kept: number;
  rolled_back: number;
}

/** Which kind of file decides a change's type when it touches several (a tool's .ts over its .yaml). */
const PRIORITY: OutcomeType[] = [
  'tool_implementation',
  'middleware',
  'tool_description',
  'skill',
  'subagent',
  'memory',
  'system_prompt',
  'harness_yaml',
];

/** The component type of a change from the files it touches. */
export function typeOfFiles(files: readonly string[]): OutcomeType {
  const kinds = new Set<string>(
    files.map((f) => {
      const r = checkEditablePath(f);
      return r.ok ? (r.kind === 'harness_components' ? 'harness_yaml' : r.kind) : 'system_prompt';
    }),
  );
  return PRIORITY.find((k) => kinds.has(k)) ?? 'system_prompt';
}

function readAttempts(file: string): CommitAttempt[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        const a = JSON.parse(line) as CommitAttempt;
        return typeof a.id === 'string' && Array.isArray(a.files) ? [a] : [];
      } catch {
        return [];
      }
    });
}

const readManifest = (file: string): ChangeManifest | undefined => {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChangeManifest;
  } catch {
    return undefined;
  }
};

export function componentOutcomes(runDir: string, state: RunState): Record<OutcomeType, TypeOutcome> {
  const out = Object.fromEntries(
    OUTCOME_TYPES.map((t) => [t, { proposed: 0, validated: 0, committed: 0, kept: 0, rolled_back: 0 }]),
  ) as Record<OutcomeType, TypeOutcome>;
  const rolledBack = new Set(state.rollbacks.map((r) => r.change_id));
  for (let n = 0; n <= state.iteration; n++) {
    const dir = iterationDir(runDir, n);
    if (!existsSync(dir)) continue;
    const manifest = readManifest(join(dir, 'change_manifest.json'));
    const declared = new Map((manifest?.changes ?? []).map((c) => [c.id, c.component as OutcomeType]));
    // By change id: a change refused as invalid and then committed under the same id is one proposal.
    const byId = new Map<string, { type: OutcomeType; validated: boolean }>();
    for (const a of readAttempts(join(dir, 'evolve', 'commit-attempts.jsonl'))) {
      const seen = byId.get(a.id);
      byId.set(a.id, {
        type: declared.get(a.id) ?? typeOfFiles(a.files),
        validated: (seen?.validated ?? false) || a.outcome !== 'invalid',
      });
    }
    // Runs from before attempts were recorded: what the manifest holds was proposed and validated.
    for (const [id, type] of declared) if (!byId.has(id)) byId.set(id, { type, validated: true });
    for (const [id, p] of byId) {
      const o = out[p.type];
      o.proposed++;
      if (p.validated) o.validated++;
      if (!declared.has(id)) continue;
      o.committed++;
      if (rolledBack.has(id)) o.rolled_back++;
      else o.kept++;
    }
  }
  return out;
}

/** The markdown table of the types that saw any change (a line saying so when none did). */
export function outcomeTable(outcomes: Record<OutcomeType, TypeOutcome>): string[] {
  const rows = OUTCOME_TYPES.filter((t) => outcomes[t].proposed > 0);
  if (rows.length === 0) return ['Changes by component type: none proposed.'];
  return [
    'Changes by component type (proposed: commit_change calls by change id; validated; committed: reached an evaluation; kept; rolled back by the gate):',
    '',
    '| component | proposed | validated | committed | kept | rolled back |',
    '|---|---|---|---|---|---|',
    ...rows.map((t) => {
      const o = outcomes[t];
      return `| ${t} | ${o.proposed} | ${o.validated} | ${o.committed} | ${o.kept} | ${o.rolled_back} |`;
    }),
  ];
}
