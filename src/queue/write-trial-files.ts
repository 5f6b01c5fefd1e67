// The producer's side of a finished remote trial: its files land in the local job directory exactly
// where a local run puts them, worker paths replaced by the producer's, result.json last and atomic
// (so a crash mid-way leaves an unfinished trial that the next run fetches again).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrialResult } from '../bench/trial-result.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { unpackBundle } from './file-bundle.ts';

/** Replaces each `from` prefix by its `to` in every string of a JSON value (longest first). */
export function rewritePaths<T>(value: T, map: [from: string, to: string][]): T {
  const pairs = map.filter(([from, to]) => from && from !== to).sort((a, b) => b[0].length - a[0].length);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      for (const [from, to] of pairs) if (v.includes(from)) return v.split(from).join(to);
      return v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

export function writeTrialFiles(trialDir: string, files: Buffer, pathMap: [string, string][]): TrialResult {
  rmSync(trialDir, { recursive: true, force: true });
  const written = unpackBundle(files, trialDir, (path) => path !== 'result.json');
  if (written.includes('config.json')) {
    const config = JSON.parse(readFileSync(join(trialDir, 'config.json'), 'utf8'));
    writeFileAtomic(join(trialDir, 'config.json'), `${JSON.stringify(rewritePaths(config, pathMap), null, 2)}\n`);
  }
  const temp = join(trialDir, '.incoming');
  unpackBundle(files, temp, (path) => path === 'result.json');
  const result = rewritePaths(JSON.parse(readFileSync(join(temp, 'result.json'), 'utf8')) as TrialResult, pathMap);
  rmSync(temp, { recursive: true, force: true });
  writeJsonAtomic(join(trialDir, 'result.json'), result);
  return result;
}
