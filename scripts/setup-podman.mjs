#!/usr/bin/env node
// Prepares this machine for the container tests (npm run test:containers), offline:
//  1. podman + runc: installed with apt-get when missing and running as root;
//  2. /etc/containers/containers.conf with `[containers] default_ulimits = []` when absent
//     (rootful podman inside a container cannot raise the default ulimits);
//  3. the base image `ahe-base:local`, imported from a tar of this machine's own system
//     directories (no registry needed), and tagged `debian:bookworm-slim`, the base image of the
//     bundled tasks' Dockerfiles.
// It never fails the run: when something cannot be done it prints why and writes the reason to
// the skip file, and the container tests then skip with that reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SKIP_FILE = join(tmpdir(), 'ahe-containers-skip.txt');
const BASE = 'ahe-base:local';
const ALIASES = ['docker.io/library/debian:bookworm-slim'];
// What the base image holds: enough for bash, coreutils, python3, git, sqlite3, gcc, make and apt's
// view of the installed packages (so `apt-get install -y python3` finds it installed, offline).
const DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib64', 'etc', 'var/lib/dpkg', 'var/lib/apt'];
const EXCLUDE = ['usr/local', 'usr/lib/google-cloud-sdk', 'usr/lib/jvm', 'usr/lib/llvm-*', 'usr/lib/postgresql', 'usr/lib/debug', 'usr/lib/node_modules', 'usr/lib/cni', 'usr/share/doc', 'usr/share/man', 'usr/share/locale', 'etc/containers'];

const say = (line) => process.stdout.write(`setup-podman: ${line}\n`);
const flags = () => (process.env.AHE_PODMAN_FLAGS ?? (existsSync('/usr/sbin/runc') && process.getuid?.() === 0 ? '--runtime /usr/sbin/runc --cgroup-manager=cgroupfs --storage-opt overlay.mountopt=nodev,redirect_dir=on' : '')).split(/\s+/).filter(Boolean);
const podman = (args, opts = {}) => spawnSync('podman', [...flags(), ...args], { encoding: 'utf8', timeout: 600_000, ...opts });
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

function skip(reason) {
  say(`SKIP: ${reason}`);
  writeFileSync(SKIP_FILE, `${reason}\n`);
  process.exit(0);
}

process.on('uncaughtException', (error) => skip(`setup failed: ${error.message}`));
rmSync(SKIP_FILE, { force: true });
if (process.platform !== 'linux') skip(`container tests need Linux (this is ${process.platform})`);
const root = process.getuid?.() === 0;

if (!has('podman') || !existsSync('/usr/sbin/runc')) {
  if (!root) skip('podman/runc missing and not root: install them with `sudo apt-get install -y podman runc`');
  if (!has('apt-get')) skip('podman missing and no apt-get to install it: install podman and runc');
  say('installing podman and runc with apt-get');
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'podman', 'runc'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  if (r.status !== 0) skip(`apt-get install -y podman runc failed (offline without a package cache?): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`);
}

if (root && !existsSync('/etc/containers/containers.conf')) {
  mkdirSync('/etc/containers', { recursive: true });
  writeFileSync('/etc/containers/containers.conf', '[containers]\ndefault_ulimits = []\n');
  say('wrote /etc/containers/containers.conf (default_ulimits = [])');
}

const info = podman(['info', '--format', '{{.Host.OCIRuntime.Name}}'], { timeout: 60_000 });
if (info.status !== 0) skip(`podman does not work here: ${(info.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);

if (podman(['image', 'exists', BASE]).status !== 0) {
  if (!root) skip(`the base image ${BASE} is missing and building it from the host's directories needs root`);
  say(`building ${BASE} from this machine's ${DIRS.join(' ')} (once; ~1 min)`);
  const work = mkdtempSync(join(tmpdir(), 'ahe-rootfs-'));
  try {
    const skel = join(work, 'skel');
    for (const d of ['tmp', 'var/tmp', 'root', 'run', 'home', 'proc', 'sys', 'dev', 'var/log/apt', 'var/cache/apt/archives/partial']) mkdirSync(join(skel, d), { recursive: true });
    chmodSync(join(skel, 'tmp'), 0o1777);
    chmodSync(join(skel, 'var/tmp'), 0o1777);
    const tar = join(work, 'rootfs.tar');
    const present = DIRS.filter((d) => existsSync(`/${d}`));
    // Exit status 1 of GNU tar means "a file changed as we read it": harmless here.
    const t = spawnSync('tar', ['-C', '/', '-cf', tar, ...EXCLUDE.map((e) => `--exclude=${e}`), ...present], { encoding: 'utf8' });
    if (t.status !== 0 && t.status !== 1) skip(`tar of the host directories failed: ${t.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    execFileSync('tar', ['-C', skel, '-rf', tar, '.']);
    const imp = podman(['import', '--change', 'CMD ["/bin/bash"]', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', tar, BASE]);
    if (imp.status !== 0) skip(`podman import failed: ${(imp.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
for (const alias of ALIASES) {
  if (podman(['image', 'exists', alias]).status !== 0) {
    const tag = podman(['tag', BASE, alias]);
    if (tag.status !== 0) skip(`podman tag ${BASE} ${alias} failed: ${tag.stderr.trim()}`);
    say(`tagged ${BASE} as ${alias} (the bundled tasks' base image, offline)`);
  }
}
const smoke = podman(['run', '--rm', '--network', 'none', BASE, 'bash', '-c', 'python3 -c "print(42)"'], { timeout: 120_000 });
if (smoke.status !== 0 || smoke.stdout.trim() !== '42') skip(`podman run ${BASE} failed: ${(smoke.stderr || smoke.stdout).trim().split('\n').slice(-2).join(' | ')}`);
say(`ready: podman ${flags().join(' ')} runs ${BASE}`);
