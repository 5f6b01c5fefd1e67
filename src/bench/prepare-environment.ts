// Prepares a task's environment inside a running sandbox by executing its Dockerfile without a
// container engine (the bwrap and host backends): WORKDIR, COPY/ADD, ENV/ARG and RUN are honoured;
// package installs in RUN are satisfied by what the host already has, or the trial fails with
// EnvironmentNotSatisfiableError naming what is missing; every instruction that is not honoured is
// reported in the notes, never dropped silently.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import type { Sandbox } from '../sandbox/types.ts';
import { expandVariables, parseDockerfile, parseEnvPairs, splitWords, type DockerInstruction } from './dockerfile.ts';
import { classifySegment, replaceSegments, splitShellSegments, type ShellSegment } from './package-installs.ts';
import type { Task } from './task.ts';
import { shellQuote } from '../sandbox/shell-quote.ts';

/** A trial's environment could not be prepared; `type` is the exception type recorded in result.json. */
export class EnvironmentError extends Error {
  constructor(
    readonly type: 'EnvironmentNotSatisfiableError' | 'EnvironmentSetupError' | 'EnvironmentSetupTimeoutError',
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export interface PreparedEnvironment {
  workdir: string;
  /** ENV of the Dockerfile and `[environment.env]` of the task, for every later command. */
  env: Record<string, string>;
  /** Instructions not honoured, and why (also written to the log). */
  notes: string[];
}

export interface PrepareOptions {
  /** Receives the output of each instruction (the trial's environment log). */
  log?: (line: string) => void;
  /** Total time for all RUN instructions (the task's build timeout). */
  timeoutSec?: number;
  signal?: AbortSignal;
  /** Installed Debian packages (default: asks dpkg on this machine). */
  hasDebPackage?: (name: string) => boolean;
}

const IGNORED = new Set(['EXPOSE', 'CMD', 'ENTRYPOINT', 'LABEL', 'HEALTHCHECK', 'STOPSIGNAL', 'VOLUME', 'MAINTAINER', 'ONBUILD']);
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2)$/;


const debCache = new Map<string, boolean>();
function hostHasDebPackage(name: string): boolean {
  if (!debCache.has(name)) {
    let ok = false;
    try {
      ok = /install ok installed/.test(execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());
    } catch {
      ok = false;
    }
    debCache.set(name, ok);
  }
  return debCache.get(name)!;
}

/** The working directory the Dockerfile leaves (its last WORKDIR), which the sandbox is created with. */
export function environmentWorkdir(task: Task): string {
  if (task.environment.workdir) return task.environment.workdir;
  if (!task.environment.dockerfile || !existsSync(task.environment.dockerfile)) return '/app';
  const vars: Record<string, string> = {};
  let workdir = '/';
  let seen = false;
  for (const ins of parseDockerfile(readFileSync(task.environment.dockerfile, 'utf8'))) {
    if (ins.keyword === 'ENV' || ins.keyword === 'ARG') for (const [k, v] of parseEnvPairs(ins.args)) vars[k] = expandVariables(v, vars);
    if (ins.keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, expandVariables(ins.args.trim(), vars));
      seen = true;
    }
  }
  return seen ? workdir : '/app';
}

/** Paths of the build context matched by one COPY source (a `*` or `?` glob in the last part is expanded). */
function expandSource(context: string, source: string, ignored: (rel: string) => boolean): string[] {
  const clean = posix.normalize(source.replace(/^\/+/, ''));
  if (clean.startsWith('..')) throw new EnvironmentError('EnvironmentSetupError', `COPY source ${source} is outside the build context`);
  if (!/[*?[]/.test(clean)) return [join(context, clean)];
  const dir = join(context, posix.dirname(clean));
  const pattern = new RegExp(`^${posix.basename(clean).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .map((name) => join(dir, name))
    .filter((p) => !ignored(relative(context, p)));
}

function readDockerignore(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const patterns = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((p) => new RegExp(`^${p.replace(/^\/+|\/+$/g, '').replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*')}(/.*)?$`));
  return (rel) => patterns.some((re) => re.test(rel));
}

export async function prepareEnvironment(sandbox: Sandbox, task: Task, options: PrepareOptions = {}): Promise<PreparedEnvironment> {
  const log = options.log ?? (() => {});
  const notes: string[] = [];
  const note = (text: string) => {
    notes.push(text);
    log(`note: ${text}`);
  };
  const env: Record<string, string> = {};
  const vars: Record<string, string> = {};
  const dockerfile = task.environment.dockerfile;
  const workdirStart = sandbox.workdir;
  if (!dockerfile || !existsSync(dockerfile)) {
    if (task.environment.dockerImage) {
      throw new EnvironmentError('EnvironmentNotSatisfiableError', `environment not satisfiable here: the task runs in the prebuilt image ${task.environment.dockerImage} and has no environment/Dockerfile; use a container backend (--backend podman)`);
    }
    note('the task has no environment/Dockerfile: it starts from an empty workdir');
    return { workdir: workdirStart, env: { ...task.environment.env }, notes };
  }
  const context = task.environment.buildContext ?? dirname(dockerfile);
  const ignored = readDockerignore(context);
  const where = (ins: DockerInstruction) => `${relative(task.dir, dockerfile)}:${ins.line}`;
  const deadline = Date.now() + (options.timeoutSec ?? 600) * 1000;
  const hasDeb = options.hasDebPackage ?? hostHasDebPackage;
  let workdir = '/';
  let shell = ['/bin/sh', '-c'];
  let stages = 0;
  let staging = 0;

  const run = async (command: string, ins: DockerInstruction) => {
    const remaining = (deadline - Date.now()) / 1000;
    if (remaining <= 0) throw new EnvironmentError('EnvironmentSetupTimeoutError', `${where(ins)}: the environment build timeout (${options.timeoutSec ?? 600}s) ran out`);
    // Build arguments (ARG) are in the environment of RUN, as in docker build; only ENV stays for the trial.
    const result = await sandbox.exec(command, { cwd: workdir, env: { ...vars }, timeoutSec: remaining, signal: options.signal, maxOutputBytes: 256 * 1024 });
    for (const line of `${result.stdout}${result.stderr}`.split('\n')) if (line) log(`  ${line}`);
    if (result.timedOut) throw new EnvironmentError('EnvironmentSetupTimeoutError', `${where(ins)}: ${ins.keyword} did not finish within the build timeout (${options.timeoutSec ?? 600}s)`);
    if (result.exitCode !== 0) {
      const tail = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-8).join('\n');
      throw new EnvironmentError('EnvironmentSetupError', `${where(ins)}: ${ins.keyword} ${ins.args.split('\n')[0]!.slice(0, 120)} exited with ${result.exitCode ?? 'a signal'}${tail ? `:\n${tail}` : ''}`);
    }
  };

  /** Copies host paths to a sandbox directory or file path, with Docker's COPY rules. */
  const copyInto = async (sources: string[], rawDest: string, ins: DockerInstruction, extract: boolean) => {
    const dest = posix.resolve(workdir, rawDest);
    const destIsDir = rawDest.endsWith('/') || sources.length > 1 || rawDest === '.';
    for (const source of sources) {
      if (!existsSync(source)) throw new EnvironmentError('EnvironmentSetupError', `${where(ins)}: ${ins.keyword} source ${relative(context, source) || '.'} not found in ${context}`);
      const isDir = statSync(source).isDirectory();
      // Stage on the per-trial /tmp, then copy inside the sandbox: the destination may be anywhere.
      const stage = `/tmp/.ahe-build-${process.pid}-${staging++}`;
      await sandbox.upload(source, isDir ? stage : `${stage}/${basename(source)}`);
      const staged = isDir ? stage : `${stage}/${basename(source)}`;
      let command: string;
      if (extract && !isDir && ARCHIVE.test(source)) command = `mkdir -p ${shellQuote(dest)} && tar -xf ${shellQuote(staged)} -C ${shellQuote(dest)}`;
      else if (isDir) command = `mkdir -p ${shellQuote(dest)} && cp -a ${shellQuote(staged)}/. ${shellQuote(dest)}/`;
      else if (destIsDir) command = `mkdir -p ${shellQuote(dest)} && cp -a ${shellQuote(staged)} ${shellQuote(dest)}/`;
      else command = `if [ -d ${shellQuote(dest)} ]; then cp -a ${shellQuote(staged)} ${shellQuote(dest)}/; else mkdir -p ${shellQuote(posix.dirname(dest))} && cp -a ${shellQuote(staged)} ${shellQuote(dest)}; fi`;
      const savedWorkdir = workdir;
      workdir = '/';
      try {
        await run(`${command}; status=$?; rm -rf ${shellQuote(stage)}; exit $status`, ins);
      } finally {
        workdir = savedWorkdir;
      }
      if (isDir) {
        // A directory's ignored entries were copied with it: remove them (Docker never sends them).
        const drop = listIgnored(source, context, ignored);
        if (drop.length) await sandbox.exec(`cd ${shellQuote(dest)} && rm -rf ${drop.map((d) => shellQuote(d)).join(' ')}`);
      }
    }
  };

  for (const ins of parseDockerfile(readFileSync(dockerfile, 'utf8'))) {
    const args = ins.keyword === 'RUN' ? ins.args : expandVariables(ins.args, vars);
    switch (ins.keyword) {
      case 'FROM':
        stages += 1;
        if (stages > 1) throw new EnvironmentError('EnvironmentNotSatisfiableError', `environment not satisfiable here: ${where(ins)} starts a second build stage (multi-stage builds need a container backend, --backend podman)`);
        note(`${where(ins)}: FROM ${args} — the bwrap backend uses this machine's system, not the image`);
        break;
      case 'ARG':
        for (const [k, v] of parseEnvPairs(args)) if (!(k in vars)) vars[k] = v;
        break;
      case 'ENV':
        for (const [k, v] of parseEnvPairs(ins.args)) {
          vars[k] = expandVariables(v, vars);
          env[k] = vars[k]!;
        }
        break;
      case 'WORKDIR':
        workdir = posix.resolve(workdir, args.trim());
        await run(`mkdir -p ${shellQuote(workdir)}`, ins);
        break;
      case 'COPY':
      case 'ADD': {
        if (ins.flags.from) throw new EnvironmentError('EnvironmentNotSatisfiableError', `environment not satisfiable here: ${where(ins)} copies --from=${ins.flags.from} (another image or stage); use a container backend (--backend podman)`);
        if (ins.flags.chown || ins.flags.chmod) note(`${where(ins)}: ${ins.keyword} --chown/--chmod ignored (everything belongs to root in the sandbox)`);
        const words = ins.json ?? splitWords(args);
        if (words.length < 2) throw new EnvironmentError('EnvironmentSetupError', `${where(ins)}: ${ins.keyword} needs a source and a destination`);
        const dest = words.at(-1)!;
        const sources = words.slice(0, -1);
        if (ins.keyword === 'ADD' && sources.some((s) => /^(https?|git):\/\//.test(s) || s.startsWith('git@'))) {
          throw new EnvironmentError('EnvironmentNotSatisfiableError', `environment not satisfiable here: ${where(ins)} downloads ${sources.join(' ')} (no network while preparing); use a container backend (--backend podman)`);
        }
        const paths = sources.flatMap((s) => expandSource(context, s, ignored));
        if (paths.length === 0) throw new EnvironmentError('EnvironmentSetupError', `${where(ins)}: ${ins.keyword} ${sources.join(' ')} matches no file in ${context}`);
        await copyInto(paths, dest, ins, ins.keyword === 'ADD');
        break;
      }
      case 'RUN': {
        if (ins.flags.mount) note(`${where(ins)}: RUN --mount=${ins.flags.mount} ignored`);
        let command = ins.json ? ins.json.map(shellQuote).join(' ') : ins.args;
        const heredoc = /^<<-?\s*["']?([A-Za-z_]+)["']?\s*\n([\s\S]*)\n\1$/.exec(command);
        if (heredoc) command = heredoc[2]!;
        command = await satisfyInstalls(command, where(ins), hasDeb, sandbox, note);
        await run(`${shell.map(shellQuote).join(' ')} ${shellQuote(command)}`, ins);
        break;
      }
      case 'SHELL':
        if (ins.json?.length) shell = ins.json;
        else note(`${where(ins)}: SHELL must be in JSON form; ignored`);
        break;
      case 'USER':
        note(`${where(ins)}: USER ${args} ignored — commands run as root inside the sandbox`);
        break;
      default:
        note(IGNORED.has(ins.keyword) ? `${where(ins)}: ${ins.keyword} has no effect in a trial and is ignored` : `${where(ins)}: unknown instruction ${ins.keyword} ignored`);
    }
  }
  for (const [k, v] of Object.entries(task.environment.env)) env[k] = v;
  return { workdir, env, notes };
}

/** Entries of a copied directory that .dockerignore excludes (relative to that directory). */
function listIgnored(dir: string, context: string, ignored: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (ignored(relative(context, full))) out.push(relative(dir, full));
      else if (statSync(full).isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

/** Checks every package install of a RUN against this machine and removes the satisfied ones. */
async function satisfyInstalls(
  command: string,
  where: string,
  hasDeb: (name: string) => boolean,
  sandbox: Sandbox,
  note: (text: string) => void,
): Promise<string> {
  const satisfied: ShellSegment[] = [];
  const missing: string[] = [];
  for (const segment of splitShellSegments(command)) {
    const kind = classifySegment(segment.text);
    if (kind.kind === 'apt-housekeeping') satisfied.push(segment);
    else if (kind.kind === 'apt-install') {
      const absent = kind.packages.filter((p) => !hasDeb(p));
      if (absent.length) missing.push(`Debian packages ${absent.join(', ')}`);
      else {
        satisfied.push(segment);
        if (kind.packages.length) note(`${where}: apt-get install ${kind.packages.join(' ')} — already on this machine`);
      }
    } else if (kind.kind === 'pip-install') {
      if (kind.requirementFiles.length) missing.push(`Python requirements from ${kind.requirementFiles.join(', ')}`);
      const probe = `python3 -c 'import importlib.metadata as m, sys
for p in sys.argv[1:]:
    try: m.version(p)
    except Exception: print(p)' ${kind.packages.map(shellQuote).join(' ')}`;
      const result = kind.packages.length ? await sandbox.exec(probe, { timeoutSec: 30 }) : undefined;
      const absent = result ? (result.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : kind.packages) : [];
      if (absent.length) missing.push(`Python packages ${absent.join(', ')}`);
      else if (!kind.requirementFiles.length) {
        satisfied.push(segment);
        note(`${where}: pip install ${kind.packages.join(' ')} — already on this machine`);
      }
    }
  }
  if (missing.length) {
    throw new EnvironmentError('EnvironmentNotSatisfiableError', `environment not satisfiable here: ${where} needs ${missing.join('; ')}, missing on this machine; install them on the host or use a container backend (--backend podman)`);
  }
  return satisfied.length ? replaceSegments(command, satisfied) : command;
}
