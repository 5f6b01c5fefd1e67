// Checks the bwrap backend's Dockerfile preparer on a folder of published tasks or Dockerfiles:
// each one is prepared (dry run by default: parsed, planned and shell-checked without executing;
// `--run`: for real in a bwrap sandbox) and the outcomes are tallied — prepared, or refused by reason.
//
//   node --import tsx scripts/check-dockerfiles.ts DIR [--run] [--timeout SEC] [--verbose] [--assume-installed]
//
// `--assume-installed` (dry run only) answers every package check with "installed": what is left refused
// is what the preparer refuses whatever this machine has (idioms, writes, downloads), not missing packages.
//
// DIR holds Dockerfiles anywhere below it (`Dockerfile`, `*.Dockerfile`, `Dockerfile.*`), with their
// build context beside them; a task.toml next to an `environment/` folder supplies allow_internet.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { loadTask } from '../src/bench/load-task.ts';
import { EnvironmentError, environmentWorkdir, prepareEnvironment } from '../src/bench/prepare-environment.ts';
import { environmentSystemWrites } from '../src/bench/system-writes.ts';
import type { Task } from '../src/bench/task.ts';
import type { ExecResult, Sandbox } from '../src/sandbox/types.ts';

interface Outcome {
  file: string;
  status: 'prepared' | 'refused';
  reason: string;
  detail: string;
}

const REASONS: [RegExp, string][] = [
  [/needs Debian packages/, 'Debian packages missing on this machine'],
  [/needs Python packages/, 'Python packages missing on this machine'],
  [/creates or changes a user/, "creates a user (useradd, adduser): /etc/passwd is the host's"],
  [/writes to .* read-only/, 'writes into the read-only host system (/usr, /lib, /bin)'],
  [/downloads? /, 'downloads while the task is offline'],
  [/copies files from the image/, 'COPY --from an image whose programs this machine lacks'],
  [/copies files from the build stage/, 'COPY --from another build stage'],
  [/another distribution's package manager/, "another distribution's package manager"],
  [
    /cannot be checked against this machine|package file|only known when it runs/,
    'installs what cannot be checked (path, URL, computed name)',
  ],
  [/could not be parsed/, 'shell that cannot be parsed'],
  [/prebuilt image/, 'prebuilt image only'],
  [/not valid shell/, 'RUN is not valid shell after preparation'],
  [/matches no file|not found in|outside the build context/, 'COPY source missing from the build context'],
  [/exited with[\s\S]*Read-only file system/, 'a RUN failed: writes where the host system is read-only'],
  [/exited with/, 'a RUN failed'],
  [/timeout/, 'build timeout'],
];

/** Task directories below `dir` without environment/Dockerfile that name a prebuilt `docker_image`. */
function imageOnlyTasks(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (!statSync(full).isDirectory() || name === 'node_modules' || name === '.git') continue;
    if (!existsSync(join(full, 'task.toml'))) out.push(...imageOnlyTasks(full).map((t) => join(name, t)));
    else if (!existsSync(join(full, 'environment', 'Dockerfile'))) {
      const { task } = loadTask(full);
      if (task?.environment.dockerImage) out.push(`${name} (${task.environment.dockerImage})`);
    }
  }
  return out;
}

function findDockerfiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'node_modules' && name !== '.git') out.push(...findDockerfiles(full));
    } else if (name === 'Dockerfile' || name.endsWith('.Dockerfile') || name.startsWith('Dockerfile.')) out.push(full);
  }
  return out;
}

/** The task around a Dockerfile: its own task.toml when it has one, else a minimal offline task. */
function taskFor(dockerfile: string): Task {
  const envDir = dirname(dockerfile);
  if (
    basename(envDir) === 'environment' &&
    basename(dockerfile) === 'Dockerfile' &&
    existsSync(join(dirname(envDir), 'task.toml'))
  ) {
    const { task } = loadTask(dirname(envDir));
    if (task) return task;
  }
  return {
    name: relative(process.cwd(), envDir),
    dir: dirname(envDir),
    format: 'harbor',
    instruction: '',
    tags: [],
    agentTimeoutSec: 600,
    verifierTimeoutSec: 600,
    environment: { dockerfile, buildContext: envDir, allowInternet: false, env: {} },
    verifierEnv: {},
    solutionEnv: {},
    steps: [],
    config: {},
  };
}

const hostHasDeb = (name: string) => {
  try {
    return /install ok installed/.test(
      execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(),
    );
  } catch {
    return false;
  }
};

async function hostMissingPython(names: string[]): Promise<string[]> {
  try {
    const script =
      'import importlib.metadata as m, sys\nfor p in sys.argv[1:]:\n    try: m.version(p)\n    except Exception: print(p)';
    // The python3 a sandbox finds: its PATH, not this shell's (a pyenv or venv here is not in the sandbox).
    const env = { ...process.env, PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
    return execFileSync('python3', ['-c', script, ...names], { stdio: ['ignore', 'pipe', 'ignore'], env })
      .toString()
      .split('\n')
      .filter(Boolean);
  } catch {
    return names;
  }
}

/** A sandbox that executes nothing: each RUN's final command is only checked to be valid shell for its SHELL. */
function dryRunSandbox(): Sandbox {
  const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 0, droppedBytes: 0 };
  return {
    kind: 'bwrap',
    workdir: '/',
    async exec(command) {
      // The preparer's own probes (is a program on the PATH?) are answered by this machine.
      if (command.startsWith('for c in ')) return { ...ok, stdout: execFileSync('sh', ['-c', command]).toString() };
      // The preparer runs `'<shell>' … '-c' '<script>'`: check <script> with that shell's -n.
      const m = /^'([^']+)'(?: '[^']*')* '((?:[^']|'\\'')*)'$/s.exec(command);
      if (!m || !/(^|\/)(sh|bash|dash)$/.test(m[1]!)) return ok;
      const script = m[2]!.replace(/'\\''/g, "'");
      try {
        execFileSync(m[1]!.endsWith('bash') ? 'bash' : 'sh', ['-n', '-c', script], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        return ok;
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
        return { ...ok, exitCode: 2, stderr: `not valid shell: ${stderr}` };
      }
    },
    readFile: async () => '',
    writeFile: async () => {},
    upload: async () => {},
    // What a build stage would have produced: one empty stand-in file (COPY --from=<stage>).
    download: async (_from, to) => {
      mkdirSync(to, { recursive: true });
      writeFileSync(join(to, 'dry-run'), '');
    },
    close: async () => {},
  };
}

async function realSandbox(task: Task, writableSystemDirs: string[]): Promise<Sandbox> {
  const { createBwrapSandbox } = await import('../src/sandbox/bwrap-sandbox.ts');
  return createBwrapSandbox({
    trialDir: mkdtempSync(join(tmpdir(), 'ahe-check-')),
    workdir: environmentWorkdir(task),
    allowInternet: task.environment.allowInternet,
    writableSystemDirs,
  });
}

interface CheckOptions {
  run: boolean;
  timeoutSec: number;
  assumeInstalled: boolean;
}

async function check(file: string, opts: CheckOptions): Promise<Outcome> {
  const task = taskFor(file);
  // As start-environment.ts does: the sandbox gets writable layers where the Dockerfile installs into the system.
  const writableSystemDirs = await environmentSystemWrites(task);
  const sandbox = opts.run ? await realSandbox(task, writableSystemDirs) : dryRunSandbox();
  try {
    await prepareEnvironment(sandbox, task, {
      timeoutSec: opts.timeoutSec,
      writableSystemDirs,
      openStageSandbox: async (stageWritable) => {
        if (!opts.run) return dryRunSandbox();
        const { createStageSandbox } = await import('../src/sandbox/bwrap-sandbox.ts');
        return createStageSandbox({ allowInternet: task.environment.allowInternet, writableSystemDirs: stageWritable });
      },
      hasDebPackage: opts.assumeInstalled ? () => true : hostHasDeb,
      ...(opts.run ? {} : { missingPythonPackages: opts.assumeInstalled ? async () => [] : hostMissingPython }),
    });
    return { file, status: 'prepared', reason: 'prepared', detail: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason =
      error instanceof EnvironmentError
        ? (REASONS.find(([re]) => re.test(message))?.[1] ?? error.type)
        : `internal error (${message.split('\n')[0]})`;
    return { file, status: 'refused', reason, detail: message.replace(/\s+/g, ' ').slice(0, 240) };
  } finally {
    await sandbox.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const dir = argv.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  const run = argv.includes('--run');
  const verbose = argv.includes('--verbose');
  const assumeInstalled = argv.includes('--assume-installed');
  const timeoutAt = argv.indexOf('--timeout');
  const timeoutSec = timeoutAt >= 0 ? Number(argv[timeoutAt + 1]) : 600;
  if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(
      `usage: node --import tsx scripts/check-dockerfiles.ts DIR [--run] [--timeout SEC] [--verbose] [--assume-installed]${dir ? `\n${dir}: not a directory` : ''}`,
    );
    return 2;
  }
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) {
    console.error(`--timeout: expected a number of seconds, got ${argv[timeoutAt + 1] ?? 'nothing'}`);
    return 2;
  }
  if (run && assumeInstalled) {
    console.error('--assume-installed is for the dry run: --run installs nothing, so it needs what the host has');
    return 2;
  }
  const files = findDockerfiles(resolve(dir));
  const outcomes: Outcome[] = [];
  for (const file of files) {
    const outcome = await check(file, { run, timeoutSec, assumeInstalled });
    outcomes.push(outcome);
    if (verbose || outcome.status === 'refused')
      console.log(
        `${outcome.status === 'prepared' ? 'ok     ' : 'REFUSED'} ${relative(dir, file)}${outcome.detail ? `\n        ${outcome.detail}` : ''}`,
      );
  }
  const tally = new Map<string, number>();
  for (const o of outcomes) tally.set(o.reason, (tally.get(o.reason) ?? 0) + 1);
  console.log(
    `\n${files.length} Dockerfiles under ${dir} (${run ? 'prepared in bwrap sandboxes' : assumeInstalled ? 'dry run, every package assumed installed' : 'dry run'}):`,
  );
  for (const [reason, n] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(5)}  ${reason}`);
  // Tasks with only a prebuilt image: nothing for the bwrap preparer; the container backends run the image.
  const imageOnly = imageOnlyTasks(resolve(dir));
  if (imageOnly.length) {
    if (verbose) for (const t of imageOnly) console.log(`image   ${t}`);
    console.log(
      `${String(imageOnly.length).padStart(5)}  more tasks have no Dockerfile, only docker_image (run with --backend docker|podman|image)`,
    );
  }
  return outcomes.some((o) => o.reason.startsWith('internal error')) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
