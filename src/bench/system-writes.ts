// Which directories of the host's system a task's Dockerfile writes into, so that the bwrap sandbox can
// make them writable for the trial before the Dockerfile runs (src/sandbox/writable-system-dirs.ts).
// /usr/local and /opt, where images install their own tools (`printf … > /usr/local/bin/nproc`,
// `COPY tool /usr/local/bin/`, `cp -r build /opt/ref`), and /etc, where they configure a service
// (`mkdir /etc/slurm`, `cp nginx.conf /etc/nginx/`); the distribution's own /usr and /lib stay read-only,
// and a write there is still refused by name.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { type BuildStage, buildStages, type StagePlan, stageChain } from './build-stages.ts';
import { expandVariables, parseDockerfile, parseEnvPairs, splitWords, walkInstructions } from './dockerfile.ts';
import { commandWords, findCommands, findWrittenPaths, isPythonCommandLink } from './package-installs.ts';
import type { Task } from './task.ts';

/** The system directories below which a Dockerfile may install (each written directory gets a per-trial layer). */
export const WRITABLE_SYSTEM_ROOTS = ['/usr/local', '/opt', '/etc'] as const;

function isHostDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The host directory whose contents a write to `path` changes: `path` itself when it is a directory,
 * else its nearest existing parent; undefined outside WRITABLE_SYSTEM_ROOTS.
 */
export function systemDirWrittenBy(path: string, isDirectory: (p: string) => boolean = isHostDirectory) {
  const p = posix.normalize(path).replace(/(.)\/+$/, '$1');
  const inRoot = (d: string) => WRITABLE_SYSTEM_ROOTS.some((r) => d === r || d.startsWith(`${r}/`));
  if (!inRoot(p)) return undefined;
  let dir = isDirectory(p) ? p : posix.dirname(p);
  while (dir !== '/' && !isDirectory(dir)) dir = posix.dirname(dir);
  return inRoot(dir) ? dir : undefined;
}

/** `FROM python:3.12-slim` (Docker Hub's python image, under any registry): it has `python` on its PATH. */
export function isPythonImage(base: string): boolean {
  return /^(?:[^/]+\/)*python(?:-[0-9-]+)?(?::[^/]*)?(?:@.*)?$/.test(base.trim().split(/\s+/)[0] ?? '');
}

/** This machine has python3 but no `python` command (Debian without python-is-python3). */
export function hostLacksPythonCommand(): boolean {
  const dirs = ['/usr/local/bin', '/usr/bin', '/bin'];
  return !dirs.some((d) => existsSync(`${d}/python`)) && dirs.some((d) => existsSync(`${d}/python3`));
}

/** The script links python3 to `python` (`ln -s /usr/bin/python3 /usr/bin/python`). */
export async function linksPythonCommand(script: string, vars: Record<string, string>): Promise<boolean> {
  try {
    return (await findCommands(script, vars)).some((c) => isPythonCommandLink(commandWords(c.words)));
  } catch {
    return false;
  }
}

/**
 * Whether building `stages` wants a `python` command: one is FROM a python image (its name expanded with
 * `from`, the build arguments FROM lines see), or one of their RUNs links python3 to `python` (expanded
 * with `run`, the variables in force before the first stage, then each ARG and ENV as it comes). The one
 * test for both the preparer, which gives the command before building a stage (prepare-environment.ts),
 * and environmentSystemWrites, which makes /usr/local/bin writable for it over the whole chain.
 */
export async function wantsPythonCommand(
  stages: readonly Pick<BuildStage, 'base' | 'instructions'>[],
  vars: { from?: Record<string, string>; run?: Record<string, string> } = {},
): Promise<boolean> {
  if (stages.some((s) => isPythonImage(expandVariables(s.base, vars.from ?? {})))) return true;
  for (const { ins, vars: walked } of walkInstructions(stages.flatMap((s) => s.instructions)))
    if (ins.keyword === 'RUN' && (await linksPythonCommand(runScript(ins), { ...vars.run, ...walked }))) return true;
  return false;
}

/** The values of the build arguments declared before the first FROM (what FROM lines expand). */
export function globalArgValues(plan: Pick<StagePlan, 'globalArgs'>, defaults: Record<string, string> = {}) {
  const globals: Record<string, string> = { ...defaults };
  for (const ins of plan.globalArgs)
    for (const [k, v] of parseEnvPairs(ins.args)) globals[k] = expandVariables(v, globals);
  return globals;
}

/** The script a RUN instruction gives its shell (the here-document of `RUN <<EOF`). */
export function runScript(ins: { args: string; json?: string[]; heredocs: { body: string }[] }): string {
  if (ins.json) return ins.json.join(' ');
  const only =
    ins.heredocs.length === 1 && /^<<-?\s*(["']?)[A-Za-z_][A-Za-z0-9_]*\1\s*$/.test(ins.args.split('\n')[0]!);
  return only ? ins.heredocs[0]!.body : ins.args;
}

/**
 * The host directories below /usr/local and /opt that the task's Dockerfile writes into (RUN
 * redirections, cp/mv/ln/install/mkdir/tee targets, COPY and ADD destinations), outermost first.
 */
export async function environmentSystemWrites(
  task: Task,
  isDirectory: (p: string) => boolean = isHostDirectory,
  /** A build stage other than the final image's (one a `COPY --from` reads), by index. */
  stageIndex?: number,
): Promise<string[]> {
  const dockerfile = task.environment.dockerfile;
  if (!dockerfile || !existsSync(dockerfile)) return [];
  const plan = buildStages(parseDockerfile(readFileSync(dockerfile, 'utf8')));
  const written: string[] = [];
  const chain = stageIndex === undefined ? plan.chain : stageChain(plan.stages, plan.stages[stageIndex]);
  for (const { ins, vars, workdir } of walkInstructions(chain.flatMap((stage) => stage.instructions))) {
    if (ins.keyword === 'WORKDIR') written.push(workdir);
    else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const words = ins.json ?? splitWords(expandVariables(ins.args.split('\n')[0]!, vars));
      const dest = words.filter((w) => !w.startsWith('<<')).at(-1);
      if (dest) written.push(posix.resolve(workdir, dest.endsWith('/') ? `${dest}x` : dest));
    } else if (ins.keyword === 'RUN') {
      try {
        const script = runScript(ins);
        for (const p of await findWrittenPaths(script, vars)) written.push(posix.resolve(workdir, p));
      } catch {
        // Shell that cannot be parsed: the preparer reports it when it reaches that RUN.
      }
    }
  }
  // A python image's `python`: given as a link to python3 in /usr/local/bin (prepare-environment.ts).
  if ((await wantsPythonCommand(chain, { from: globalArgValues(plan) })) && hostLacksPythonCommand())
    written.push('/usr/local/bin/python');
  const dirs = new Set<string>();
  for (const p of written) {
    const dir = systemDirWrittenBy(p, isDirectory);
    if (dir) dirs.add(dir);
  }
  return [...dirs].sort();
}
