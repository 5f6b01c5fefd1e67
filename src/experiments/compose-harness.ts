// Harnesses made of two others, for ablation: the seed with one component type taken from the best
// harness ("memory only"), or the best with one type put back to the seed's ("best − memory"). A
// component type is a set of files (tools/…, memory/…) plus its part of harness.yaml: the
// `components.<kind>` entry that enables those files (and, for tools, `mcp_servers`) travels with the
// files, so a component taken from the best is enabled as the best enables it and one put back is
// enabled as the seed did. The rest of harness.yaml (name, model, limits, truncation, compaction) is
// its own type, `harness_yaml`. Files outside every type (a README) follow the base harness.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseDocument } from 'yaml';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import { writeFileAtomic } from '../trace/write-atomic.ts';

export { ABLATION_TYPES, type AblationType, ablationTypeOf } from './ablation-types.ts';

import { ABLATION_TYPES, type AblationType } from './ablation-types.ts';

const COMPONENT_KINDS = ['tools', 'middleware', 'skills', 'subagents', 'memory'] as const;
/** The type a harness file belongs to; undefined for harness.yaml (split by key) and files of no type. */
export function typeOfPath(path: string): AblationType | undefined {
  if (path === 'system_prompt.md') return 'system_prompt';
  const top = path.split('/')[0]!;
  return path.includes('/') && (COMPONENT_KINDS as readonly string[]).includes(top) ? (top as AblationType) : undefined;
}

type Manifest = Record<string, unknown> & { components?: Record<string, unknown> };

function readManifest(dir: string): Manifest {
  const value = parse(readFileSync(join(dir, 'harness.yaml'), 'utf8')) as unknown;
  return value && typeof value === 'object' ? (value as Manifest) : {};
}

/** The part of harness.yaml a type owns; absent entries read as their defaults (`all`, no MCP servers). */
function manifestPart(manifest: Manifest, type: AblationType): unknown {
  if (type === 'harness_yaml') {
    const { components: _c, mcp_servers: _m, ...rest } = manifest;
    return rest;
  }
  if (!(COMPONENT_KINDS as readonly string[]).includes(type)) return undefined;
  const selection = manifest.components?.[type] ?? 'all';
  return type === 'tools' ? { selection, mcp_servers: manifest.mcp_servers ?? [] } : selection;
}

/** What differs between two harnesses, per type: the files (and `harness.yaml <part>`) that changed. */
export function changedByType(seedDir: string, bestDir: string): Record<AblationType, string[]> {
  const out = Object.fromEntries(ABLATION_TYPES.map((t) => [t, [] as string[]])) as Record<AblationType, string[]>;
  const files = new Set([...listHarnessFiles(seedDir), ...listHarnessFiles(bestDir)]);
  for (const file of [...files].sort()) {
    const type = typeOfPath(file);
    if (!type) continue;
    const a = join(seedDir, file);
    const b = join(bestDir, file);
    const same = existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
    if (!same) out[type].push(file);
  }
  const seed = readManifest(seedDir);
  const best = readManifest(bestDir);
  for (const type of ABLATION_TYPES)
    if (!isDeepStrictEqual(manifestPart(seed, type), manifestPart(best, type)))
      out[type].push(type === 'harness_yaml' ? 'harness.yaml' : `harness.yaml components.${type}`);
  return out;
}

/** Files of no type that differ (they follow the base harness of each variant). */
export function untypedChanges(seedDir: string, bestDir: string): string[] {
  const files = new Set([...listHarnessFiles(seedDir), ...listHarnessFiles(bestDir)]);
  return [...files]
    .filter((f) => f !== 'harness.yaml' && !typeOfPath(f))
    .filter((f) => {
      const a = join(seedDir, f);
      const b = join(bestDir, f);
      return !(existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b)));
    })
    .sort();
}

export interface Composition {
  /** The harness everything not swapped comes from. */
  baseDir: string;
  /** The other harness, where the swapped types come from. */
  otherDir: string;
  swapped: ReadonlySet<AblationType>;
}

/**
 * harness.yaml of the composition: the base's, with the `components.<kind>` entries (and `mcp_servers`)
 * of swapped kinds taken from the other side — or the other side's whole file when `harness_yaml` is
 * swapped, with the base's entries for the kinds that are not. Written as the source file itself
 * whenever it equals one side (comments kept), else the base document edited in place.
 */
function composeManifest({ baseDir, otherDir, swapped }: Composition): string {
  const takeRest = swapped.has('harness_yaml');
  const restDir = takeRest ? otherDir : baseDir;
  const rest = readManifest(restDir);
  const base = readManifest(baseDir);
  const other = readManifest(otherDir);
  const doc = parseDocument(readFileSync(join(restDir, 'harness.yaml'), 'utf8'));
  for (const kind of COMPONENT_KINDS) {
    // The kind's entry comes from the side its files come from.
    const source = swapped.has(kind) ? other : base;
    const value = source.components?.[kind];
    if (isDeepStrictEqual(value, rest.components?.[kind])) continue;
    if (value === undefined) doc.deleteIn(['components', kind]);
    else doc.setIn(['components', kind], value);
  }
  const mcpSource = swapped.has('tools') ? other : base;
  if (!isDeepStrictEqual(mcpSource.mcp_servers, rest.mcp_servers)) {
    if (mcpSource.mcp_servers === undefined) doc.deleteIn(['mcp_servers']);
    else doc.setIn(['mcp_servers'], mcpSource.mcp_servers);
  }
  const components = doc.getIn(['components']) as { items?: unknown[] } | undefined;
  if (components && Array.isArray(components.items) && components.items.length === 0) doc.deleteIn(['components']);
  const composed = doc.toJS() as Manifest;
  for (const dir of [baseDir, otherDir])
    if (isDeepStrictEqual(composed, readManifest(dir))) return readFileSync(join(dir, 'harness.yaml'), 'utf8');
  return String(doc);
}

/**
 * Writes the composition into `outDir` (replacing what is there; built in a temporary sibling and
 * renamed into place, so a reader never sees half a harness). Every file of a swapped type comes from
 * the other side — present there, it is copied; absent there, it is left out.
 */
export function composeHarness(composition: Composition, outDir: string): void {
  const { baseDir, otherDir, swapped } = composition;
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const prefix = `.${basename(outDir)}.compose-`;
  for (const stale of readdirSync(parent).filter((n) => n.startsWith(prefix)))
    rmSync(join(parent, stale), { recursive: true, force: true });
  const temp = join(parent, `${prefix}${process.pid}-${Date.now()}`);
  const files = new Set([...listHarnessFiles(baseDir), ...listHarnessFiles(otherDir)]);
  try {
    mkdirSync(temp);
    for (const file of files) {
      if (file === 'harness.yaml') continue;
      const type = typeOfPath(file);
      const from = type && swapped.has(type) ? otherDir : baseDir;
      if (!existsSync(join(from, file))) continue;
      mkdirSync(dirname(join(temp, file)), { recursive: true });
      copyFileSync(join(from, file), join(temp, file));
    }
    writeFileAtomic(join(temp, 'harness.yaml'), composeManifest(composition));
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  const old = existsSync(outDir) ? `${temp}.old` : undefined;
  if (old) renameSync(outDir, old);
  renameSync(temp, outDir);
  if (old) rmSync(old, { recursive: true, force: true });
}
