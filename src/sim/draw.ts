// The simulator's randomness and the harness it reads. A trial's draw is a pure function of (seed,
// task, attempt, harness content hash, iteration), so `ahe simulate` (in memory) and `ahe evolve` with
// `sim:` models (real sandboxes) draw the same number for the same trial, and every run is reproducible.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashFileEntries } from '../harness/content-hash.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';

export interface DrawKey {
  seed: number;
  task: string;
  attempt: number;
  /** The evaluated harness's content hash (src/harness/content-hash.ts), as a job records it. */
  harnessHash: string;
  iteration: number;
}

/** A uniform number in [0, 1) from the key: the first 53 bits of sha256 over its fields. */
export function simDraw(key: DrawKey): number {
  const digest = createHash('sha256')
    .update(`ahe-sim\0${key.seed}\0${key.task}\0${key.attempt}\0${key.harnessHash}\0${key.iteration}`)
    .digest();
  return Number(digest.readBigUInt64BE(0) >> 11n) / 2 ** 53;
}

/** A harness as the simulator sees it: its content hash (the same as a loaded harness's) and its text. */
export interface HarnessSnapshot {
  hash: string;
  /** Every component file's content, in path order: what effects' `when.text` is matched against. */
  text: string;
}

/** The snapshot of harness files held in memory (path → content), hashed exactly as on disk. */
export function snapshotOf(files: ReadonlyMap<string, string>): HarnessSnapshot {
  const entries = [...files].map(([path, content]) => ({ path, mode: 0, data: Buffer.from(content) }));
  const paths = [...files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { hash: hashFileEntries(entries), text: paths.map((p) => files.get(p)!).join('\n') };
}

/** A harness directory's files (what its content hash covers: every file, hidden ones left out). */
export function readHarnessFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const rel of listHarnessFiles(dir)) files.set(rel.split('\\').join('/'), readFileSync(join(dir, rel), 'utf8'));
  return files;
}
