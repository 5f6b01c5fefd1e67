// The image backend's sandbox: a bwrap sandbox whose root is a container image's cached root
// filesystem (image-root.ts) under a per-trial copy-on-write layer. The overlay is mounted inside a
// private mount namespace (`unshare --mount`) that then execs bwrap: no mount ever exists on the
// host, and the kernel drops the overlay when the sandbox's last process ends, whatever killed it.
// The trial's writes land in `<trialDir>/.image/upper`. Commands run as the image's USER; the host
// reaches the files through /proc/<init>/root, resolving symbolic links inside the image's root.
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { UserError } from '../errors.ts';
import { bwrapAvailable, bwrapInstallHint, startNamespaceSandbox } from './bwrap-sandbox.ts';
import { ContainerEngineError } from './container-engine.ts';
import { lookupInLayers, makeDirsLike } from './image-layers.ts';
import type { Sandbox } from './types.ts';

/** Directories every trial gets, owned by the user commands run as (the verifier writes /logs/verifier). */
const TRIAL_DIRS = ['/logs', '/logs/verifier', '/logs/agent', '/tests', '/solution'];

export interface ImageSandboxOptions {
  /** The image's root as overlay lower layers, top first (read-only; `ImageRoot.lowerDirs`). */
  lowerDirs: readonly string[];
  /** Host directory of this trial: the overlay's upper layer and work directory go in `.image/`. */
  trialDir: string;
  workdir: string;
  /** USER of the image ('' or root: root). A name is looked up in the image's /etc/passwd. */
  user?: string;
  allowInternet?: boolean;
  env?: Record<string, string>;
  pidsMax?: number;
  memoryMb?: number;
  /** Called once the sandbox is gone (the trial's hold on the cached root is released). */
  onClose?: () => void;
}

export interface ImageUser {
  uid: number;
  gid: number;
  home: string;
}

/** Reads `name:x:uid:gid:…:home:shell` style files of the image. */
function readTable(layers: readonly string[], file: string): string[][] {
  const path = lookupInLayers(layers, file);
  if (!path) return [];
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** The uid, gid and home of the image's USER (`name`, `uid`, `name:group`, `uid:gid`), as docker resolves it. */
export function resolveImageUser(layers: readonly string[], user: string): ImageUser {
  const [who = '', group] = user.split(':');
  const passwd = readTable(layers, 'etc/passwd');
  const entry = /^\d+$/.test(who) ? passwd.find((e) => e[2] === who) : passwd.find((e) => e[0] === who);
  if (!entry && !/^\d+$/.test(who))
    throw new ContainerEngineError(
      'ContainerStartError',
      `the image's USER ${user} is not in its /etc/passwd: give a uid (USER 1000) or create the user in the Dockerfile`,
    );
  const uid = Number(entry?.[2] ?? who);
  let gid = Number(entry?.[3] ?? uid);
  if (group !== undefined) {
    const g = /^\d+$/.test(group) ? group : readTable(layers, 'etc/group').find((e) => e[0] === group)?.[2];
    if (g === undefined)
      throw new ContainerEngineError(
        'ContainerStartError',
        `the image's USER ${user}: no group ${group} in its /etc/group`,
      );
    gid = Number(g);
  }
  return { uid, gid, home: entry?.[5] || (uid === 0 ? '/root' : '/') };
}

/** A path inside the sandbox's root, its symbolic links resolved as the sandbox would (never outside `root`). */
export function resolveInRoot(root: string, path: string): string {
  const parts = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let target: string | undefined;
    try {
      if (lstatSync(host).isSymbolicLink()) target = readlinkSync(host);
    } catch {
      // missing: created later by the caller
    }
    if (target === undefined) {
      done.push(part);
      continue;
    }
    if (++links > 40) throw new Error(`${path}: too many levels of symbolic links`);
    if (target.startsWith('/')) done.length = 0;
    parts.unshift(...target.split('/').filter(Boolean));
  }
  return join(root, ...done);
}

/** Gives `path` and what is below it to `owner` (files the host copied in for a non-root user). */
function chownTree(path: string, owner: ImageUser): void {
  lchownSync(path, owner.uid, owner.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), owner);
}

export async function createImageSandbox(options: ImageSandboxOptions): Promise<Sandbox> {
  if (!bwrapAvailable()) throw new UserError(bwrapInstallHint());
  const { lowerDirs, workdir } = options;
  if (!['bin/bash', 'usr/bin/bash'].some((b) => lookupInLayers(lowerDirs, b)))
    throw new ContainerEngineError(
      'ContainerStartError',
      'the image has no bash (/bin/bash or /usr/bin/bash): ahe runs every command with bash, as on the container backends',
    );
  const user =
    options.user && options.user !== 'root' && options.user !== '0'
      ? resolveImageUser(lowerDirs, options.user)
      : undefined;
  const owner = user && user.uid !== 0 ? user : undefined;
  const layer = join(options.trialDir, '.image');
  const upper = join(layer, 'upper');
  const work = join(layer, 'work');
  const merged = join(layer, 'merged');
  for (const d of [upper, work, merged]) mkdirSync(d, { recursive: true });
  // The root directory of the merged view is the upper layer's: as the image's.
  chmodSync(upper, lstatSync(lowerDirs[0]!).mode & 0o7777);
  for (const dir of [...TRIAL_DIRS, workdir]) makeDirsLike(lowerDirs, upper, dir, owner);
  for (const dir of TRIAL_DIRS)
    if (owner && existsSync(join(upper, dir))) chownSync(join(upper, dir), owner.uid, owner.gid);
  for (const p of [...lowerDirs, upper, work])
    if (/[,:\\]/.test(p))
      throw new UserError(`the image backend cannot mount overlay paths with , : or \\ in them: ${p}`);
  // redirect_dir: renaming a directory that came from the image works (without it, rename(2) says EXDEV).
  const mountOptions = `lowerdir=${lowerDirs.join(':')},upperdir=${upper},workdir=${work},redirect_dir=on`;
  const bwrap = ['bwrap', '--bind', merged, '/', '--dev', '/dev', '--proc', '/proc', '--unshare-all'];
  if (options.allowInternet) bwrap.push('--share-net');
  bwrap.push(
    '--die-with-parent',
    '--chdir',
    workdir,
    '--info-fd',
    '3',
    'bash',
    '-c',
    'echo ready; exec sleep infinity',
  );
  const argv = [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    'mount -t overlay ahe-image -o "$1" "$2" || exit 1; shift 2; exec "$@"',
    'ahe-image',
    mountOptions,
    merged,
    ...bwrap,
  ];
  const env = { HOME: user?.home ?? '/root', ...options.env };
  return startNamespaceSandbox({
    kind: 'image',
    network: options.allowInternet ?? false,
    argv,
    limits: { pidsMax: options.pidsMax, memoryMb: options.memoryMb },
    workdir,
    env,
    ...(user ? { user: { uid: user.uid, gid: user.gid } } : {}),
    onClose: options.onClose,
    files: (initPid) => {
      const root = `/proc/${initPid}/root`;
      const at = (path: string) => resolveInRoot(root, posix.resolve(workdir, path));
      const give = (path: string) => owner && chownTree(path, owner);
      return {
        async readFile(path) {
          return readFileSync(at(path), 'utf8');
        },
        async writeFile(path, content) {
          const target = at(path);
          const made = mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, content);
          give(made ?? target);
        },
        async upload(from, to) {
          const target = at(to);
          cpSync(from, target, { recursive: true });
          give(target);
        },
        async download(from, to) {
          // Symbolic links are left behind: on the host they would point at the host's files.
          cpSync(at(from), to, { recursive: true, filter: (src) => !lstatSync(src).isSymbolicLink() });
        },
      };
    },
  });
}
