// Reading an image's root when it is a stack of overlay layers (top first), as the merged view would
// show it: the topmost layer holding a path wins, and a whiteout (a 0/0 character device) hides it.
// Used before any overlay is mounted: to find the image's bash and /etc/passwd, and to create
// directories in a layer above with the attributes the image gives them. (Opaque directories are not
// consulted: these lookups only need the paths an image keeps.)
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';

/** The host path of `rel` in the topmost layer that has it, or undefined (absent or whited out). */
export function lookupInLayers(layers: readonly string[], rel: string): string | undefined {
  for (const layer of layers) {
    const path = join(layer, rel);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    return st.isCharacterDevice() && st.rdev === 0 ? undefined : path;
  }
  return undefined;
}

/**
 * Creates the directory `path` (absolute) and its parents in `target`, a layer above `layers`: a
 * directory the image has keeps its owner and mode (the upper copy is what the merged view shows);
 * a new one gets `owner` when given. Stops at a path the image holds as a file or a link.
 */
export function makeDirsLike(
  layers: readonly string[],
  target: string,
  path: string,
  owner?: { uid: number; gid: number },
): void {
  let rel = '';
  for (const part of path.split('/').filter(Boolean)) {
    rel = posix.join(rel, part);
    const made = join(target, rel);
    if (existsSync(made)) continue;
    const lower = lookupInLayers(layers, rel);
    const st = lower ? lstatSync(lower) : undefined;
    if (st && !st.isDirectory()) return;
    mkdirSync(made);
    if (st) {
      chmodSync(made, st.mode & 0o7777);
      chownSync(made, st.uid, st.gid);
    } else if (owner) chownSync(made, owner.uid, owner.gid);
  }
}
