// What scripts/setup-podman.mjs and scripts/setup-docker.mjs share: the skip file each engine's
// container tests read, installing a missing engine with apt-get, and the offline base image.
// The base image `ahe-base:local` is imported from a tar of this machine's own system directories
// (no registry needed) and tagged as the base image of the bundled tasks' Dockerfiles. The tar is
// taken while this process holds dpkg's locks (after waiting, bounded, for a running install to end),
// so it never captures a half-done install; the image is checked (`dpkg --audit` clean, `apt-get check`
// offline, python3 runs) after import and on every later run, and an image found broken is removed and
// rebuilt. Nothing here fails the run: `skip(reason)` writes the reason to the engine's skip file,
// prints it and exits 0; the container tests then skip with that reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE = 'ahe-base:local';

/** The file whose presence (and text) says why an engine's container tests skip. */
export function skipFile(engine) {
  return join(tmpdir(), engine === 'podman' ? 'ahe-containers-skip.txt' : `ahe-containers-skip-${engine}.txt`);
}

/** The printer, and the exit with a reason, of one setup script; the skip file is cleared at start. */
export function setupReporter(engine) {
  const file = skipFile(engine);
  const say = (line) => process.stdout.write(`setup-${engine}: ${line}\n`);
  const skip = (reason) => {
    say(`SKIP: ${reason}`);
    writeFileSync(file, `${reason}\n`);
    process.exit(0);
  };
  rmSync(file, { force: true });
  process.on('uncaughtException', (error) => skip(`setup failed: ${error.message}`));
  if (process.platform !== 'linux') skip(`container tests need Linux (this is ${process.platform})`);
  return { say, skip };
}

export const isRoot = () => process.getuid?.() === 0;
export const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
/** The last lines of a spawnSync result, on one line. */
export const tail = (r, n = 2) =>
  (r.stderr || r.stdout || (r.error ? r.error.message : '') || '').trim().split('\n').slice(-n).join(' | ');

/** Installs Debian packages with apt-get (root only); skips with the reason when it cannot. */
export function aptInstall(packages, { say, skip }) {
  const line = `apt-get install -y ${packages.join(' ')}`;
  if (!isRoot()) skip(`${packages.join('/')} missing and not root: install with \`sudo ${line}\``);
  if (!has('apt-get')) skip(`${packages.join('/')} missing and no apt-get to install it`);
  say(`installing ${packages.join(' ')} with apt-get`);
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  if (r.status !== 0) skip(`${line} failed (offline without a package cache?): ${tail(r, 3)}`);
}

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
  'etc/docker',
];
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

/** Writes the tar of this machine's system directories (plus an empty skeleton) to `tar`. */
function snapshotHost(work, tar, { say, skip }) {
  const skel = join(work, 'skel');
  for (const d of ['tmp', 'var/tmp', 'root', 'run', 'home', 'proc', 'sys', 'dev', 'var/log/apt'])
    mkdirSync(join(skel, d), { recursive: true });
  mkdirSync(join(skel, 'var/cache/apt/archives/partial'), { recursive: true });
  chmodSync(join(skel, 'tmp'), 0o1777);
  chmodSync(join(skel, 'var/tmp'), 0o1777);
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
}

/**
 * Makes sure `engine` (its argv prefix: the binary and its global flags) holds a sound `ahe-base:local`
 * tagged with each of `aliases`, building it from the host when missing or broken, then runs it once.
 */
export function ensureBaseImage({ name, argv, aliases }, { say, skip }) {
  const run = (args, opts = {}) =>
    spawnSync(argv[0], [...argv.slice(1), ...args], { encoding: 'utf8', timeout: 600_000, ...opts });
  const exists = (image) => run(['image', 'inspect', '--format', '{{.Id}}', image], { timeout: 60_000 }).status === 0;
  const problem = (image) => {
    const r = run(['run', '--rm', '--network', 'none', image, 'bash', '-c', IMAGE_CHECK], { timeout: 180_000 });
    return r.status === 0 && r.stdout.trim().endsWith('42') ? undefined : tail(r, 5) || `exit ${r.status}`;
  };

  if (exists(BASE)) {
    // Built earlier, perhaps from a snapshot taken mid-install (every later apt-get would fail with
    // "dpkg was interrupted"): checked on every run, removed and rebuilt when broken.
    const broken = problem(BASE);
    if (broken) {
      if (!isRoot()) skip(`the base image ${BASE} is broken (${broken}) and rebuilding it needs root`);
      say(`${BASE} is broken (${broken}): removing it and its tags to rebuild`);
      for (const alias of aliases) run(['rmi', alias]);
      const rmi = run(['rmi', '-f', BASE]);
      if (rmi.status !== 0) skip(`cannot remove the broken ${BASE}: ${tail(rmi)}`);
    }
  }
  if (!exists(BASE)) {
    if (!isRoot()) skip(`the base image ${BASE} is missing and building it from the host's directories needs root`);
    say(`building ${BASE} from this machine's ${DIRS.join(' ')} (once; ~1 min)`);
    const work = mkdtempSync(join(tmpdir(), 'ahe-rootfs-'));
    try {
      const tar = join(work, 'rootfs.tar');
      snapshotHost(work, tar, { say, skip });
      const imp = run([
        'import',
        '--change',
        'CMD ["/bin/bash"]',
        '--change',
        'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        tar,
        BASE,
      ]);
      if (imp.status !== 0) skip(`${name} import failed: ${tail(imp)}`);
      const broken = problem(BASE);
      if (broken) {
        run(['rmi', '-f', BASE]);
        skip(`the imported ${BASE} is broken (${broken}); removed, it is rebuilt on the next run`);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  for (const alias of aliases) {
    if (!exists(alias)) {
      const tag = run(['tag', BASE, alias]);
      if (tag.status !== 0) skip(`${name} tag ${BASE} ${alias} failed: ${tail(tag)}`);
      say(`tagged ${BASE} as ${alias} (the bundled tasks' base image, offline)`);
    }
  }
  const smoke = run(['run', '--rm', '--network', 'none', BASE, 'bash', '-c', 'python3 -c "print(42)"'], {
    timeout: 120_000,
  });
  if (smoke.status !== 0 || smoke.stdout.trim() !== '42') skip(`${name} run ${BASE} failed: ${tail(smoke)}`);
  say(`ready: ${argv.join(' ')} runs ${BASE}`);
}
