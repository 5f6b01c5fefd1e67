// `ahe gc` at work: removes (or lists) every container labelled ahe=1 of an engine, or the image
// backend's cached roots that no running trial holds.
import { checkEngine, containerEngine, outputTail, runEngine } from '../sandbox/container-engine.ts';
import { CONTAINER_LABEL, removeLeftoverContainers } from '../sandbox/container-sandbox.ts';
import {
  cacheBytes,
  formatBytes,
  type ImageRootEntry,
  imageRootCacheDir,
  listImageRoots,
  removeImageRoots,
} from '../sandbox/image-root.ts';
import type { GcBackend } from './gc-command.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function collectGarbage(backend: GcBackend, listOnly: boolean, all = false): Promise<void> {
  if (backend === 'image') return collectImageRoots(listOnly);
  const engine = containerEngine(backend);
  await checkEngine(engine);
  if (listOnly) {
    const r = await runEngine(engine, ['ps', '-a', '-q', '--filter', `label=${CONTAINER_LABEL}=1`], {
      timeoutSec: 60,
    });
    if (r.exitCode !== 0) throw new Error(`${engine.kind} ps failed: ${outputTail(r, 5)}`);
    const ids = r.stdout.split('\n').filter(Boolean);
    process.stdout.write(
      `${plural(ids.length, 'container')} labelled ${CONTAINER_LABEL}=1${ids.length ? `: ${ids.join(' ')}` : ''}\n`,
    );
    return;
  }
  const { removed, kept } = await removeLeftoverContainers(engine, { all });
  process.stdout.write(
    `${plural(removed.length, 'container')} removed${removed.length ? `: ${removed.map((id) => id.slice(0, 12)).join(' ')}` : ''}\n`,
  );
  if (kept.length)
    process.stdout.write(
      `${plural(kept.length, 'container')} kept: the run that made ${kept.length === 1 ? 'it' : 'them'} still runs (--all removes ${kept.length === 1 ? 'it' : 'them'} too): ${kept.map((id) => id.slice(0, 12)).join(' ')}\n`,
    );
}

function describe(e: ImageRootEntry): string {
  const users = e.users.length ? `in use by pid ${e.users.join(', ')}` : 'not in use';
  return `  ${e.key}  ${e.image}  ${formatBytes(e.sizeBytes)}${e.layers ? ` in ${e.layers} layers` : ''}  last used ${e.lastUsed.toISOString()}  ${users}`;
}

async function collectImageRoots(listOnly: boolean): Promise<void> {
  const cache = imageRootCacheDir();
  if (listOnly) {
    const entries = listImageRoots(cache);
    // Layers shared by several images count once.
    process.stdout.write(
      `${plural(entries.length, 'image root')} cached in ${cache} (${formatBytes(cacheBytes(cache))} on disk)\n`,
    );
    for (const e of entries) process.stdout.write(`${describe(e)}\n`);
    return;
  }
  const before = cacheBytes(cache);
  const { removed, kept } = await removeImageRoots({ cache });
  const freed = before - cacheBytes(cache);
  process.stdout.write(`${plural(removed.length, 'image root')} removed from ${cache} (${formatBytes(freed)} freed)\n`);
  for (const e of removed) process.stdout.write(`${describe(e)}\n`);
  if (kept.length) {
    process.stdout.write(
      `${plural(kept.length, 'image root')} kept: a running trial holds ${kept.length === 1 ? 'it' : 'them'}\n`,
    );
    for (const e of kept) process.stdout.write(`${describe(e)}\n`);
  }
}
