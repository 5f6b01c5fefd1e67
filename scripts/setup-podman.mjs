#!/usr/bin/env node
// Prepares this machine for the container tests (npm run test:containers), offline:
//  1. podman + runc: installed with apt-get when missing and running as root;
//  2. /etc/containers/containers.conf with `[containers] default_ulimits = []` when absent
//     (rootful podman inside a container cannot raise the default ulimits);
//  3. the base image `ahe-base:local`, imported from a tar of this machine's own system
//     directories (no registry needed), and tagged `debian:bookworm-slim`, the base image of the
//     bundled tasks' Dockerfiles. The tar is taken while this script holds dpkg's locks (after
//     waiting, bounded, for a running install to end), so it never captures a half-done install;
//     the image is checked (`dpkg --audit` clean, `apt-get check` offline) after import and on
//     every later run, and an image found broken is removed and rebuilt.
// It never fails the run: when something cannot be done it prints why and writes the reason to
// the skip file, and the container tests then skip with that reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SKIP_FILE = join(tmpdir(), 'ahe-containers-skip.txt');
const BASE = 'ahe-base:local';
const ALIASES = ['docker.io/library/debian:bookworm-slim'];
// What the base image holds: enough for bash, coreutils, python3, git, sqlite3, gcc, make and apt's
// view of the installed packages (so `apt-get install -y python3` finds it installed, offline).
const DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib64', 'etc', 'var/lib/dpkg', 'var/lib/apt'];
const EXCLUDE = [
  'usr/local',
  'usr/lib/google-cloud-sdk',
  'usr/lib/jvm',
  'usr/lib/llvm-*',
  'usr/lib/postgresql',
  'usr/lib/debug',
  'usr/lib/node_modules',
  'usr/lib/cni',
  'usr/share/doc',
  'usr/share/man',
  'usr/share/locale',
  'etc/containers',
];

const say = (line) => process.stdout.write(`setup-podman: ${line}\n`);
const flags = () =>
  (
    process.env.AHE_PODMAN_FLAGS ??
    (existsSync('/usr/sbin/runc') && process.getuid?.() === 0
      ? '--runtime /usr/sbin/runc --cgroup-manager=cgroupfs --storage-opt overlay.mountopt=nodev,redirect_dir=on'
      : '')
  )
    .split(/\s+/)
    .filter(Boolean);
const podman = (args, opts = {}) =>
  spawnSync('podman', [...flags(), ...args], { encoding: 'utf8', timeout: 600_000, ...opts });
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const tail = (r, n = 2) =>
  (r.stderr || r.stdout || (r.error ? r.error.message : '') || '').trim().split('\n').slice(-n).join(' | ');
/** How long to wait for a package install on this machine to end before refusing (AHE_DPKG_WAIT_SEC). */
const DPKG_WAIT_SEC = Number(process.env.AHE_DPKG_WAIT_SEC ?? 300);
// Runs a command while holding dpkg's locks (lock-frontend, then lock: the order apt uses), waiting
// up to the given seconds for them; exit 75 when they stay held. fcntl locks, as dpkg and apt take.
const UNDER_DPKG_LOCK = `
import fcntl, subprocess, sys, time
wait = float(sys.argv[1]); deadline = time.time() + wait
held = []
for path in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock'):
    f = open(path, 'a')
    while True:
        try:
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB); held.append(f); break
        except OSError:
            if time.time() >= deadline:
                print(f'{path} is still held after {wait:.0f} s (a package install is running)', file=sys.stderr); sys.exit(75)
            time.sleep(1)
sys.exit(subprocess.run(sys.argv[2:]).returncode)
`;
/** A base image is sound when dpkg has no half-installed package and apt's view is consistent, offline. */
const IMAGE_CHECK =
  'out=$(dpkg --audit 2>&1); [ -z "$out" ] || { echo "dpkg --audit: $out" | head -5; exit 1; }; apt-get check -q -o Debug::NoLocking=1 >/dev/null 2>&1 || { echo "apt-get check failed"; exit 1; }; python3 -c "print(42)"';
function imageProblem(image) {
  const r = podman(['run', '--rm', '--network', 'none', image, 'bash', '-c', IMAGE_CHECK], { timeout: 180_000 });
  return r.status === 0 && r.stdout.trim().endsWith('42') ? undefined : tail(r, 5) || `exit ${r.status}`;
}

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
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'podman', 'runc'], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  if (r.status !== 0)
    skip(
      `apt-get install -y podman runc failed (offline without a package cache?): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`,
    );
}

if (root && !existsSync('/etc/containers/containers.conf')) {
  mkdirSync('/etc/containers', { recursive: true });
  writeFileSync('/etc/containers/containers.conf', '[containers]\ndefault_ulimits = []\n');
  say('wrote /etc/containers/containers.conf (default_ulimits = [])');
}

const info = podman(['info', '--format', '{{.Host.OCIRuntime.Name}}'], { timeout: 60_000 });
if (info.status !== 0)
  skip(`podman does not work here: ${(info.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);

if (podman(['image', 'exists', BASE]).status === 0) {
  // Built earlier, perhaps from a snapshot taken mid-install (every later apt-get would fail with
  // "dpkg was interrupted"): checked on every run, removed and rebuilt when broken.
  const problem = imageProblem(BASE);
  if (problem) {
    if (!root) skip(`the base image ${BASE} is broken (${problem}) and rebuilding it needs root`);
    say(`${BASE} is broken (${problem}): removing it and its tags to rebuild`);
    for (const alias of ALIASES) podman(['rmi', alias]);
    const rmi = podman(['rmi', '-f', BASE]);
    if (rmi.status !== 0) skip(`cannot remove the broken ${BASE}: ${tail(rmi)}`);
  }
}
if (podman(['image', 'exists', BASE]).status !== 0) {
  if (!root) skip(`the base image ${BASE} is missing and building it from the host's directories needs root`);
  say(`building ${BASE} from this machine's ${DIRS.join(' ')} (once; ~1 min)`);
  const work = mkdtempSync(join(tmpdir(), 'ahe-rootfs-'));
  try {
    const skel = join(work, 'skel');
    for (const d of [
      'tmp',
      'var/tmp',
      'root',
      'run',
      'home',
      'proc',
      'sys',
      'dev',
      'var/log/apt',
      'var/cache/apt/archives/partial',
    ])
      mkdirSync(join(skel, d), { recursive: true });
    chmodSync(join(skel, 'tmp'), 0o1777);
    chmodSync(join(skel, 'var/tmp'), 0o1777);
    const tar = join(work, 'rootfs.tar');
    const present = DIRS.filter((d) => existsSync(`/${d}`));
    // The host itself must be sound: a snapshot of an interrupted dpkg would break every build.
    const audit = spawnSync('dpkg', ['--audit'], { encoding: 'utf8' });
    if (audit.status !== 0 || audit.stdout.trim())
      skip(
        `this machine's dpkg is not clean (dpkg --audit: ${tail(audit, 3) || `exit ${audit.status}`}); run \`dpkg --configure -a\` first`,
      );
    // Taken under dpkg's locks: no install can start, or be half-way, while the system is read.
    // Exit status 1 of GNU tar means "a file changed as we read it": harmless here.
    say(`waiting (at most ${DPKG_WAIT_SEC} s) for dpkg's lock, then taking the snapshot`);
    const t = spawnSync(
      'python3',
      [
        '-c',
        UNDER_DPKG_LOCK,
        String(DPKG_WAIT_SEC),
        'tar',
        '-C',
        '/',
        '-cf',
        tar,
        ...EXCLUDE.map((e) => `--exclude=${e}`),
        ...present,
      ],
      { encoding: 'utf8' },
    );
    if (t.status === 75)
      skip(
        `not taking a snapshot while a package install runs: ${tail(t)}; run npm run test:containers again when it is done (or set AHE_DPKG_WAIT_SEC)`,
      );
    if (t.status !== 0 && t.status !== 1) skip(`tar of the host directories failed: ${tail(t)}`);
    execFileSync('tar', ['-C', skel, '-rf', tar, '.']);
    const imp = podman([
      'import',
      '--change',
      'CMD ["/bin/bash"]',
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      tar,
      BASE,
    ]);
    if (imp.status !== 0) skip(`podman import failed: ${(imp.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);
    const problem = imageProblem(BASE);
    if (problem) {
      podman(['rmi', '-f', BASE]);
      skip(`the imported ${BASE} is broken (${problem}); removed, it is rebuilt on the next run`);
    }
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
const smoke = podman(['run', '--rm', '--network', 'none', BASE, 'bash', '-c', 'python3 -c "print(42)"'], {
  timeout: 120_000,
});
if (smoke.status !== 0 || smoke.stdout.trim() !== '42')
  skip(`podman run ${BASE} failed: ${(smoke.stderr || smoke.stdout).trim().split('\n').slice(-2).join(' | ')}`);
say(`ready: podman ${flags().join(' ')} runs ${BASE}`);
