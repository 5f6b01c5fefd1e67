// Which harnesses an ablation evaluates. From the run's seed and best: the seed, the best, and for each
// component type the best changed, "<type> only" (the seed with that type taken from the best) and
// "best − <type>" (the best with that type put back to the seed's). Every variant is written under
// RUN/ablation/harnesses/<name>/ and validated as `ahe harness validate` does; one that does not
// validate is reported with the validator's reason and not evaluated. A variant whose files are
// exactly another's (with one changed type, "<type> only" is the best) is not evaluated twice: it
// reads the other's job. Planning spends nothing.
import { join } from 'node:path';
import { harnessContentHash } from '../harness/content-hash.ts';
import { formatDiagnostic } from '../harness/harness-error.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import { validateHarness } from '../harness/validate-harness.ts';
import { ABLATION_TYPES, type AblationType, changedByType, composeHarness, untypedChanges } from './compose-harness.ts';
import { type ExperimentRun, exportSeed } from './open-run.ts';

export type VariantKind = 'seed' | 'best' | 'only' | 'without';

export interface PlannedVariant {
  /** Also its job's and harness's directory name: seed, best, only-<type>, without-<type>. */
  name: string;
  label: string;
  kind: VariantKind;
  type?: AblationType;
  harnessDir: string;
  /** Why `ahe harness validate` refuses it (then it is not evaluated). */
  invalid?: string[];
  /** The variant with exactly the same files, whose job this one reads. */
  sameAs?: string;
}

export interface AblationPlan {
  dir: string;
  seedDir: string;
  bestDir: string;
  /** Per type, the files (and harness.yaml parts) the best changed. */
  changed: Record<AblationType, string[]>;
  /** Types asked for that the best did not change: reported, not evaluated. */
  unchanged: AblationType[];
  /** Files of no component type that differ; they follow each variant's base harness. */
  untyped: string[];
  variants: PlannedVariant[];
}

export const ablationDir = (runDir: string) => join(runDir, 'ablation');
export const variantJobDir = (dir: string, name: string) => join(dir, 'jobs', name);

export function variantLabel(kind: VariantKind, type?: AblationType): string {
  if (kind === 'only') return `${type} only`;
  if (kind === 'without') return `best − ${type}`;
  return kind;
}

export async function planAblation(
  run: ExperimentRun,
  types: readonly AblationType[] = ABLATION_TYPES,
): Promise<AblationPlan> {
  const dir = ablationDir(run.runDir);
  const harnesses = join(dir, 'harnesses');
  const seedDir = join(harnesses, 'seed');
  await exportSeed(run, seedDir);
  const bestDir = run.bestDir;
  const changed = changedByType(seedDir, bestDir);
  const asked = ABLATION_TYPES.filter((t) => types.includes(t));
  const unchanged = asked.filter((t) => changed[t].length === 0);
  const variants: PlannedVariant[] = [
    { name: 'seed', label: 'seed', kind: 'seed', harnessDir: seedDir },
    { name: 'best', label: 'best', kind: 'best', harnessDir: bestDir },
  ];
  for (const kind of ['only', 'without'] as const)
    for (const type of asked.filter((t) => changed[t].length > 0)) {
      const name = `${kind}-${type}`;
      const harnessDir = join(harnesses, name);
      composeHarness(
        {
          baseDir: kind === 'only' ? seedDir : bestDir,
          otherDir: kind === 'only' ? bestDir : seedDir,
          swapped: new Set([type]),
        },
        harnessDir,
      );
      variants.push({ name, label: variantLabel(kind, type), kind, type, harnessDir });
    }
  const byHash = new Map<string, string>();
  for (const v of variants) {
    if (v.kind === 'only' || v.kind === 'without') {
      const report = await validateHarness(v.harnessDir);
      if (!report.ok) {
        v.invalid = report.diagnostics.map(formatDiagnostic);
        continue;
      }
    }
    const hash = harnessContentHash(v.harnessDir, listHarnessFiles(v.harnessDir));
    const same = byHash.get(hash);
    if (same) v.sameAs = same;
    else byHash.set(hash, v.name);
  }
  return { dir, seedDir, bestDir, changed, unchanged, untyped: untypedChanges(seedDir, bestDir), variants };
}

/** The variants that get a job of their own: valid, and not a copy of another. */
export const evaluatedVariants = (plan: AblationPlan) => plan.variants.filter((v) => !v.invalid && !v.sameAs);
