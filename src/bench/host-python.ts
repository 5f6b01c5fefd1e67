// Where the sandbox's python3 (this machine's, found on the sandbox's PATH) installs packages as root:
// `pip install` puts modules in its purelib/platlib directories and console scripts in its scripts
// directory (Debian: /usr/local/lib/python3.X/dist-packages and /usr/local/bin). The bwrap backend makes
// these per-trial writable layers when a Dockerfile installs wheels offline from its build context.
import { execFileSync } from 'node:child_process';

/** The PATH of commands in a bwrap sandbox (Docker's default). */
const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let dirs: string[] | undefined;

/** The directories `python3 -m pip install` writes to, run as root in the sandbox; [] without python3. */
export function hostPythonInstallDirs(): string[] {
  if (!dirs) {
    try {
      const script = 'import sysconfig\nfor k in ("purelib", "platlib", "scripts"): print(sysconfig.get_path(k))';
      const out = execFileSync('python3', ['-c', script], {
        env: { PATH: SANDBOX_PATH, LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 30_000,
      }).toString();
      dirs = [...new Set(out.split('\n').filter((line) => line.startsWith('/')))];
    } catch {
      dirs = [];
    }
  }
  return dirs;
}
