// Artifacts: paths copied out of the sandbox into the trial after a step, as Harbor collects them. The
// convention directory /logs/artifacts (anything the agent, a setup script or the verifier put there) is
// always collected first; each other entry lands at its `destination`, or at its source path without the
// leading `/` (`/app/x.sh` → `artifacts/app/x.sh`). manifest.json lists every attempt with its status.
// Collection is best effort: a missing path is a `failed` entry, never the trial's exception.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Sandbox } from '../sandbox/types.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import type { ArtifactEntry } from './task.ts';

/** Where the agent and the verifier may leave files to be collected (Harbor's convention). */
export const ARTIFACTS_DIR = '/logs/artifacts';

export interface ArtifactManifestEntry {
  source: string;
  /** Relative to the step directory: `artifacts/<path>`. */
  destination: string;
  type: 'file' | 'directory';
  status: 'ok' | 'failed' | 'empty';
  /** The compose service; always null here (only the main service exists). */
  service: null;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const relativeOf = (entry: ArtifactEntry) =>
  (entry.destination ?? entry.source)
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..')
    .join('/');

/** Copies the entries (the convention directory first) into `artifactsDir` and writes its manifest.json. */
export async function collectArtifacts(
  sandbox: Sandbox,
  entries: readonly ArtifactEntry[],
  artifactsDir: string,
  log: (line: string) => void,
): Promise<ArtifactManifestEntry[]> {
  const all = entries.some((e) => e.source.replace(/\/+$/, '') === ARTIFACTS_DIR && !e.destination)
    ? entries
    : [{ source: ARTIFACTS_DIR }, ...entries];
  mkdirSync(artifactsDir, { recursive: true });
  const manifest: ArtifactManifestEntry[] = [];
  for (const entry of all) manifest.push(await collectOne(sandbox, entry, artifactsDir, log));
  writeJsonAtomic(join(artifactsDir, 'manifest.json'), manifest);
  return manifest;
}

async function collectOne(
  sandbox: Sandbox,
  entry: ArtifactEntry,
  artifactsDir: string,
  log: (line: string) => void,
): Promise<ArtifactManifestEntry> {
  const relative = relativeOf(entry);
  const target = relative ? join(artifactsDir, relative) : artifactsDir;
  const record = (type: ArtifactManifestEntry['type'], status: ArtifactManifestEntry['status']) => ({
    source: entry.source,
    destination: relative ? `artifacts/${relative}` : 'artifacts',
    type,
    status,
    service: null,
  });
  const probe = await sandbox.exec(
    `p=${shellQuote(entry.source)}; if [ -d "$p" ]; then echo directory; elif [ -e "$p" ]; then echo file; fi`,
    { timeoutSec: 30 },
  );
  const kind = probe.stdout.trim();
  if (kind !== 'directory' && kind !== 'file') {
    log(`artifacts: ${entry.source} is not there`);
    return record(/\.[^/]+$/.test(entry.source) ? 'file' : 'directory', 'failed');
  }
  try {
    // Only the parent: a container engine's `cp` of a directory onto an existing one nests it inside.
    mkdirSync(dirname(target), { recursive: true });
    await sandbox.download(entry.source, target);
  } catch (error) {
    log(`artifacts: cannot copy ${entry.source}: ${(error as Error).message}`);
    return record(kind, 'failed');
  }
  const empty = kind === 'directory' && (!existsSync(target) || readdirSync(target).length === 0);
  return record(kind, empty ? 'empty' : 'ok');
}
