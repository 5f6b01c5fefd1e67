import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { shellQuote } from '../sandbox/shell-quote.ts';
import type { Sandbox } from '../sandbox/types.ts';
import { expandSource, listIgnored, readDockerignore } from './build-context.ts';
import { type BuildStage, buildStages, findStage, stageChain } from './build-stages.ts';
import {
  type DockerInstruction,
  expandVariables,
  parseDockerfile,
  parseEnvPairs,
  splitWords,
  walkInstructions,
} from './dockerfile.ts';
import { EnvironmentError } from './environment-error.ts';
import { hostHasDebPackage, planInstalls, probePythonPackages } from './satisfy-installs.ts';
import { environmentSystemWrites, hostLacksPythonCommand, wantsPythonCommand } from './system-writes.ts';
import type { Task } from './task.ts';

export { EnvironmentError } from './environment-error.ts';

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
  /** The names among `names` not installed for python3 (default: asks python3 inside the sandbox). */
  missingPythonPackages?: (names: string[]) => Promise<string[]>;
  /**
   * System directories the bwrap sandbox was created writable (`environmentSystemWrites`, passed to
   * `createBwrapSandbox` as `writableSystemDirs`); a write anywhere else in the system is refused.
   */
  writableSystemDirs?: readonly string[];
  /**
   * Opens a fresh sandbox of the same kind for a build stage that `COPY --from=<stage>` reads: the stage
   * is built there, apart from the trial's sandbox, and only the files copied from it reach the trial
   * (as in docker build, where a stage is a separate image). Without it, such a COPY is refused.
   */
  openStageSandbox?: (writableSystemDirs: string[]) => Promise<Sandbox>;
  /** Build this stage (by index) instead of the final image (for a stage that `COPY --from` reads). */
  stageIndex?: number;
}

/** This machine's system as the bwrap sandbox mounts it: read-only (docs/sandboxes.md). */
const BWRAP_READ_ONLY = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/** What `$PATH` and `$HOME` are in a Dockerfile before any ENV sets them (Docker's defaults). */
const IMAGE_DEFAULTS: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
};

const IGNORED = new Set([
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'LABEL',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'VOLUME',
  'MAINTAINER',
  'ONBUILD',
]);
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2)$/;

/** The working directory the Dockerfile leaves (its last WORKDIR), which the sandbox is created with. */
export function environmentWorkdir(task: Task): string {
  if (task.environment.workdir) return task.environment.workdir;
  if (!task.environment.dockerfile || !existsSync(task.environment.dockerfile)) return '/app';
  const plan = buildStages(parseDockerfile(readFileSync(task.environment.dockerfile, 'utf8')));
  let last: string | undefined;
  for (const { ins, workdir } of walkInstructions(plan.chain.flatMap((stage) => stage.instructions)))
    if (ins.keyword === 'WORKDIR') last = workdir;
  return last ?? '/app';
}

export async function prepareEnvironment(
  sandbox: Sandbox,
  task: Task,
  options: PrepareOptions = {},
): Promise<PreparedEnvironment> {
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
      throw new EnvironmentError(
        'EnvironmentNotSatisfiableError',
        `environment not satisfiable here: the task runs in the prebuilt image ${task.environment.dockerImage} and has no environment/Dockerfile; use a container backend (--backend podman)`,
      );
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
  let staging = 0;

  const run = async (command: string, ins: DockerInstruction) => {
    const remaining = (deadline - Date.now()) / 1000;
    if (remaining <= 0)
      throw new EnvironmentError(
        'EnvironmentSetupTimeoutError',
        `${where(ins)}: the environment build timeout (${options.timeoutSec ?? 600}s) ran out`,
      );
    // Build arguments (ARG) are in the environment of RUN, as in docker build; only ENV stays for the trial.
    const result = await sandbox.exec(command, {
      cwd: workdir,
      env: { ...vars },
      timeoutSec: remaining,
      signal: options.signal,
      maxOutputBytes: 256 * 1024,
    });
    for (const line of `${result.stdout}${result.stderr}`.split('\n')) if (line) log(`  ${line}`);
    if (result.timedOut)
      throw new EnvironmentError(
        'EnvironmentSetupTimeoutError',
        `${where(ins)}: ${ins.keyword} did not finish within the build timeout (${options.timeoutSec ?? 600}s)`,
      );
    if (result.exitCode !== 0) {
      const tail = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-8).join('\n');
      throw new EnvironmentError(
        'EnvironmentSetupError',
        `${where(ins)}: ${ins.keyword} ${ins.args.split('\n')[0]!.slice(0, 120)} exited with ${result.exitCode ?? 'a signal'}${result.exitCode === 127 ? ' (a command not found: one the image provides and this machine lacks? install it on the host or use a container backend (--backend podman))' : ''}${tail ? `:\n${tail}` : ''}`,
      );
    }
  };

  /** Copies host paths to a sandbox directory or file path, with Docker's COPY rules. */
  const copyInto = async (sources: string[], rawDest: string, ins: DockerInstruction, extract: boolean) => {
    const dest = posix.resolve(workdir, rawDest);
    const destIsDir = rawDest.endsWith('/') || sources.length > 1 || rawDest === '.';
    for (const source of sources) {
      if (!existsSync(source))
        throw new EnvironmentError(
          'EnvironmentSetupError',
          `${where(ins)}: ${ins.keyword} source ${relative(context, source) || '.'} not found in ${context}`,
        );
      const isDir = statSync(source).isDirectory();
      // Stage on the per-trial /tmp, then copy inside the sandbox: the destination may be anywhere.
      const stage = `/tmp/.ahe-build-${process.pid}-${staging++}`;
      await sandbox.upload(source, isDir ? stage : `${stage}/${basename(source)}`);
      const staged = isDir ? stage : `${stage}/${basename(source)}`;
      let command: string;
      if (extract && !isDir && ARCHIVE.test(source))
        command = `mkdir -p ${shellQuote(dest)} && tar -xf ${shellQuote(staged)} -C ${shellQuote(dest)}`;
      else if (isDir) command = `mkdir -p ${shellQuote(dest)} && cp -a ${shellQuote(staged)}/. ${shellQuote(dest)}/`;
      else if (destIsDir) command = `mkdir -p ${shellQuote(dest)} && cp -a ${shellQuote(staged)} ${shellQuote(dest)}/`;
      else
        command = `if [ -d ${shellQuote(dest)} ]; then cp -a ${shellQuote(staged)} ${shellQuote(dest)}/; else mkdir -p ${shellQuote(posix.dirname(dest))} && cp -a ${shellQuote(staged)} ${shellQuote(dest)}; fi`;
      const savedWorkdir = workdir;
      workdir = '/';
      try {
        await run(`${command}; status=$?; rm -rf ${shellQuote(stage)}; exit $status`, ins);
      } finally {
        workdir = savedWorkdir;
      }
      if (isDir && !relative(context, source).startsWith('..')) {
        // A directory's ignored entries were copied with it: remove them (Docker never sends them).
        const drop = listIgnored(source, context, ignored);
        if (drop.length)
          await sandbox.exec(`cd ${shellQuote(dest)} && rm -rf ${drop.map((d) => shellQuote(d)).join(' ')}`);
      }
    }
  };

  const notSatisfiable = (ins: DockerInstruction, why: string) =>
    new EnvironmentError(
      'EnvironmentNotSatisfiableError',
      `environment not satisfiable here: ${where(ins)} ${why}; use a container backend (--backend podman)`,
    );
  /** Sandbox paths COPY wrote, and the host files they came from (to read a requirements file). */
  const copied = new Map<string, string>();
  const readCopied = async (path: string): Promise<string | undefined> => {
    const target = posix.resolve(workdir, path);
    for (const [dest, source] of copied) {
      const host =
        target === dest
          ? source
          : target.startsWith(`${dest}/`)
            ? join(source, target.slice(dest.length + 1))
            : undefined;
      if (host && existsSync(host) && statSync(host).isFile()) return readFileSync(host, 'utf8');
    }
    return undefined;
  };
  const missingPython = options.missingPythonPackages ?? ((names: string[]) => probePythonPackages(sandbox, names));

  const plan = buildStages(parseDockerfile(readFileSync(dockerfile, 'utf8')));
  const chain =
    options.stageIndex === undefined ? plan.chain : stageChain(plan.stages, plan.stages[options.stageIndex]);
  /** Sandboxes of the build stages `COPY --from` has read, each built once; closed when preparation ends. */
  const stageSandboxes = new Map<number, Sandbox>();
  const globals: Record<string, string> = { ...IMAGE_DEFAULTS };
  for (const ins of plan.globalArgs)
    for (const [k, v] of parseEnvPairs(ins.args)) globals[k] = expandVariables(v, globals);
  if (options.stageIndex === undefined)
    for (const stage of plan.stages) {
      const copiedFrom = plan.stages.some((s) =>
        s.instructions.some((i) => i.flags.from && findStage(plan.stages.slice(0, s.index), i.flags.from) === stage),
      );
      if (!chain.includes(stage))
        note(
          `${where(stage.from)}: build stage ${stage.name ?? stage.index} is not part of the final image and is ${copiedFrom ? 'built apart, in its own sandbox, when COPY --from reads it' : 'skipped'}`,
        );
    }
  try {
    for (const stage of chain) {
      // Build arguments are per stage; ENV is inherited by a stage built FROM another.
      for (const k of Object.keys(vars)) if (!(k in env)) delete vars[k];
      Object.assign(vars, IMAGE_DEFAULTS, env);
      note(
        `${where(stage.from)}: FROM ${expandVariables(stage.from.args, globals)} — the bwrap backend uses this machine's system, not the image`,
      );
      // A python image, or a stage that links python3 to `python` itself (the test environmentSystemWrites makes).
      if (await wantsPythonCommand([stage], { from: globals, run: vars })) await givePythonCommand(stage);
      for (const ins of stage.instructions) await dispatch(ins, stage.index);
    }
  } finally {
    for (const sb of stageSandboxes.values()) await sb.close();
  }
  for (const [k, v] of Object.entries(task.environment.env)) env[k] = v;
  return { workdir, env, notes };

  /** A python image runs `python`; a Debian host has only python3: link it where the sandbox may write. */
  async function givePythonCommand(stage: BuildStage): Promise<void> {
    const writable = (options.writableSystemDirs ?? []).some((d) => d === '/usr/local/bin' || d === '/usr/local');
    if (sandbox.kind !== 'bwrap' || !writable || !hostLacksPythonCommand()) return;
    const r = await sandbox.exec(
      'command -v python >/dev/null || ln -s "$(command -v python3)" /usr/local/bin/python; command -v pip >/dev/null || { command -v pip3 >/dev/null && ln -s "$(command -v pip3)" /usr/local/bin/pip; }; true',
      { timeoutSec: 30 },
    );
    if (r.exitCode === 0)
      note(`${where(stage.from)}: \`python\` is this machine's python3 (linked in /usr/local/bin for the trial)`);
  }

  /** The sandbox in which `stage` has been built (built on first use). */
  async function stageSandbox(stage: BuildStage): Promise<Sandbox> {
    const existing = stageSandboxes.get(stage.index);
    if (existing) return existing;
    const writable = await environmentSystemWrites(task, undefined, stage.index);
    const sb = await options.openStageSandbox!(writable);
    stageSandboxes.set(stage.index, sb);
    const label = stage.name ?? String(stage.index);
    const built = await prepareEnvironment(sb, task, {
      ...options,
      stageIndex: stage.index,
      writableSystemDirs: writable,
      timeoutSec: Math.max(1, (deadline - Date.now()) / 1000),
      log: (line) => log(`[stage ${label}] ${line}`),
    });
    for (const text of built.notes) notes.push(`[stage ${label}] ${text}`);
    return sb;
  }

  /** `COPY --from=<stage> src… dest`: the sources are read from the stage's own sandbox (paths from its root). */
  async function copyFromStage(ins: DockerInstruction, stage: BuildStage, words: string[]): Promise<void> {
    const sb = await stageSandbox(stage);
    const dest = words.at(-1)!;
    const sources: string[] = [];
    const host = mkdtempSync(join(tmpdir(), 'ahe-stage-copy-'));
    try {
      for (const [i, source] of words.slice(0, -1).entries()) {
        const out = `/tmp/.ahe-stage-out-${process.pid}-${staging++}`;
        const from = posix.resolve('/', source);
        // A glob in the source is left to the stage's shell; anything else is quoted.
        const quoted = /[*?[]/.test(from) ? from.replace(/[^A-Za-z0-9_*?[\]/.,=+-]/g, '\\$&') : shellQuote(from);
        // -H: a source that is a link (to a host program, in a writable layer) is copied as the file it names.
        const r = await sb.exec(`mkdir -p ${out} && cp -a -H ${quoted} ${out}/`, { timeoutSec: 300 });
        if (r.exitCode !== 0)
          throw new EnvironmentError(
            'EnvironmentSetupError',
            `${where(ins)}: COPY --from=${stage.name ?? stage.index} ${source}: not found in that stage (${`${r.stdout}${r.stderr}`.trim().split('\n').at(-1)})`,
          );
        const local = join(host, String(i));
        await sb.download(out, local);
        await sb.exec(`rm -rf ${out}`, { timeoutSec: 60 });
        if (existsSync(local)) sources.push(...readdirSync(local).map((name) => join(local, name)));
      }
      if (!sources.length)
        throw new EnvironmentError(
          'EnvironmentSetupError',
          `${where(ins)}: COPY --from=${stage.name ?? stage.index} copied nothing out of that stage (only links leading outside it?)`,
        );
      await copyInto(sources, dest, ins, false);
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  }

  async function dispatch(ins: DockerInstruction, stageIndex: number): Promise<void> {
    const args = ins.keyword === 'RUN' ? ins.args : expandVariables(ins.args, vars);
    switch (ins.keyword) {
      case 'ARG':
        for (const [k, v] of parseEnvPairs(args)) {
          const declared = ins.args.includes('=') ? expandVariables(v, vars) : (globals[k] ?? v);
          if (!(k in env)) vars[k] = declared;
        }
        break;
      case 'ENV':
        for (const [k, v] of parseEnvPairs(ins.args)) {
          vars[k] = expandVariables(v, vars);
          env[k] = vars[k]!;
        }
        break;
      case 'WORKDIR': {
        // Created from /: in a build stage's sandbox it does not exist yet.
        const next = posix.resolve(workdir, args.trim());
        workdir = '/';
        await run(`mkdir -p ${shellQuote(next)}`, ins);
        workdir = next;
        break;
      }
      case 'COPY':
      case 'ADD':
        await copy(ins, args, stageIndex);
        break;
      case 'RUN':
        await runInstruction(ins);
        break;
      case 'SHELL':
        if (ins.json?.length) shell = ins.json;
        else note(`${where(ins)}: SHELL must be in JSON form; ignored`);
        break;
      case 'USER':
        note(`${where(ins)}: USER ${args} ignored — commands run as root inside the sandbox`);
        break;
      default:
        note(
          IGNORED.has(ins.keyword)
            ? `${where(ins)}: ${ins.keyword} has no effect in a trial and is ignored`
            : `${where(ins)}: unknown instruction ${ins.keyword} ignored`,
        );
    }
  }

  async function copy(ins: DockerInstruction, args: string, stageIndex: number): Promise<void> {
    if (ins.flags.from) {
      const from = expandVariables(ins.flags.from, vars);
      const stage = findStage(plan.stages.slice(0, stageIndex), from);
      if (stage && options.openStageSandbox) return copyFromStage(ins, stage, ins.json ?? splitWords(args));
      if (stage)
        throw notSatisfiable(
          ins,
          `copies files from the build stage ${from} (a multi-stage build whose stages are separate images)`,
        );
      await copyProgramsFromImage(ins, from, (ins.json ?? splitWords(args)).slice(0, -1));
      return;
    }
    if (ins.flags.chown || ins.flags.chmod)
      note(`${where(ins)}: ${ins.keyword} --chown/--chmod ignored (everything belongs to root in the sandbox)`);
    if (ins.heredocs.length) {
      // COPY <<EOF /path: the here-document is the file; unquoted ones get build variables substituted.
      const dest = splitWords(expandVariables(ins.args.split('\n')[0]!, vars))
        .filter((w) => !w.startsWith('<<'))
        .at(-1);
      if (!dest)
        throw new EnvironmentError(
          'EnvironmentSetupError',
          `${where(ins)}: ${ins.keyword} <<${ins.heredocs[0]!.name} needs a destination`,
        );
      for (const doc of ins.heredocs) {
        const target = posix.resolve(workdir, dest.endsWith('/') ? `${dest}${doc.name}` : dest);
        await run(`mkdir -p ${shellQuote(posix.dirname(target))}`, ins);
        await sandbox.writeFile(target, doc.quoted ? doc.body : expandVariables(doc.body, vars));
      }
      return;
    }
    const words = ins.json ?? splitWords(args);
    if (words.length < 2)
      throw new EnvironmentError(
        'EnvironmentSetupError',
        `${where(ins)}: ${ins.keyword} needs a source and a destination`,
      );
    const dest = words.at(-1)!;
    const sources = words.slice(0, -1);
    if (ins.keyword === 'ADD' && sources.some((s) => /^(https?|git):\/\//.test(s) || s.startsWith('git@'))) {
      throw notSatisfiable(ins, `downloads ${sources.join(' ')} (no network while preparing)`);
    }
    const paths = sources.flatMap((s) => expandSource(context, s, ignored));
    if (paths.length === 0)
      throw new EnvironmentError(
        'EnvironmentSetupError',
        `${where(ins)}: ${ins.keyword} ${sources.join(' ')} matches no file in ${context}`,
      );
    await copyInto(paths, dest, ins, ins.keyword === 'ADD');
    const destPath = posix.resolve(workdir, dest);
    for (const p of paths)
      copied.set(
        statSync(p).isDirectory() || !(dest.endsWith('/') || paths.length > 1 || dest === '.')
          ? destPath
          : posix.join(destPath, basename(p)),
        p,
      );
  }

  /**
   * `COPY --from=ghcr.io/astral-sh/uv /uv /uvx /bin/`: a tool's image used as a package. Satisfied when
   * this machine has the same programs on its PATH, as an apt-get install is.
   */
  async function copyProgramsFromImage(ins: DockerInstruction, image: string, sources: string[]): Promise<void> {
    const names = sources.map((s) => posix.basename(s)).filter(Boolean);
    const probe = names.length
      ? await sandbox.exec(
          `for c in ${names.map(shellQuote).join(' ')}; do command -v "$c" >/dev/null || echo "$c"; done`,
          { timeoutSec: 30 },
        )
      : undefined;
    const absent = probe && probe.exitCode === 0 ? probe.stdout.split('\n').filter(Boolean) : names;
    if (!names.length || absent.length) {
      throw new EnvironmentError(
        'EnvironmentNotSatisfiableError',
        `environment not satisfiable here: ${where(ins)} copies files from the image ${image}, and ${absent.length ? `${absent.join(', ')} is not a program on this machine's PATH` : 'no program is named'}; install it on the host or use a container backend (--backend podman)`,
      );
    }
    note(`${where(ins)}: COPY --from=${image} ${names.join(' ')} — already on this machine's PATH`);
  }

  async function runInstruction(ins: DockerInstruction): Promise<void> {
    if (ins.flags.mount) note(`${where(ins)}: RUN --mount=${ins.flags.mount} ignored`);
    let command = ins.json ? ins.json.map(shellQuote).join(' ') : ins.args;
    const only =
      ins.heredocs.length === 1 && /^<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\1\s*$/.test(command.split('\n')[0]!);
    if (only) {
      // RUN <<EOF: the here-document is the script (with a #! line, its own interpreter runs it).
      const body = ins.heredocs[0]!.body;
      if (body.startsWith('#!')) {
        const script = `/tmp/.ahe-heredoc-${process.pid}-${staging++}`;
        await sandbox.writeFile(script, body);
        await run(
          `chmod +x ${shellQuote(script)} && ${shellQuote(script)}; status=$?; rm -f ${shellQuote(script)}; exit $status`,
          ins,
        );
        return;
      }
      command = body;
    }
    const installs = await planInstalls(command, {
      vars,
      hasDebPackage: hasDeb,
      missingPythonPackages: missingPython,
      readFile: readCopied,
      network: task.environment.allowInternet,
      readOnlyDirs: sandbox.kind === 'bwrap' ? BWRAP_READ_ONLY : [],
      writableDirs: options.writableSystemDirs ?? [],
    });
    for (const text of installs.notes) note(`${where(ins)}: ${text}`);
    if (installs.refused.length) throw notSatisfiable(ins, installs.refused.join('; '));
    if (installs.missing.length) {
      throw new EnvironmentError(
        'EnvironmentNotSatisfiableError',
        `environment not satisfiable here: ${where(ins)} needs ${installs.missing.join('; ')}, missing on this machine; install them on the host or use a container backend (--backend podman)`,
      );
    }
    await run(`${shell.map(shellQuote).join(' ')} ${shellQuote(installs.command)}`, ins);
  }
}
