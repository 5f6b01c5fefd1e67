// Decides, for one RUN command, what the bwrap backend does with its package installs and downloads:
// installs the host already satisfies become `true` (on the shell's syntax tree, so the command keeps
// its control flow), the rest is listed as missing, and what cannot work offline on this machine is a
// refusal with its reason. Returns a value; the preparer turns missing/refused into its errors.
import { execFileSync } from 'node:child_process';
import { shellQuote } from '../sandbox/shell-quote.ts';
import type { Sandbox } from '../sandbox/types.ts';
import {
  commandWords,
  findCommands,
  findWrittenPaths,
  isPythonCommandLink,
  offlinePipInstall,
  parseRequirements,
  replaceCommands,
  type ShellCommand,
  ShellSyntaxError,
} from './package-installs.ts';

export interface InstallContext {
  /** ARG and ENV values at this RUN (for `apt-get install $PKGS`). */
  vars: Record<string, string>;
  hasDebPackage: (name: string) => boolean;
  /** Returns the names among `names` that are not installed for the host's python3. */
  missingPythonPackages: (names: string[]) => Promise<string[]>;
  /** The text of a file the RUN refers to (a requirements file), or undefined when unknown. */
  readFile: (path: string) => Promise<string | undefined>;
  /** Downloads work while preparing (the task allows internet). */
  network: boolean;
  /** Directories the RUN cannot write to (this machine's system, mounted read-only). */
  readOnlyDirs: readonly string[];
  /** Directories below those that the sandbox made writable for this trial (/usr/local/bin, /opt). */
  writableDirs?: readonly string[];
}

export interface InstallPlan {
  /** The command to run (satisfied installs replaced by `true`). */
  command: string;
  notes: string[];
  /** What this machine lacks ("Debian packages x, y"). */
  missing: string[];
  /** Why this RUN cannot be prepared here at all. */
  refused: string[];
}

const DOWNLOADERS = new Set(['curl', 'wget']);
/** Commands that add or change users and groups: they rewrite /etc/passwd and /etc/group, the host's. */
const USER_ADMIN = new Set(['useradd', 'adduser', 'groupadd', 'addgroup', 'usermod', 'groupmod', 'chpasswd']);
const URL = /^(https?|ftp):\/\//;

export async function planInstalls(command: string, ctx: InstallContext): Promise<InstallPlan> {
  const plan: InstallPlan = { command, notes: [], missing: [], refused: [] };
  let commands: ShellCommand[];
  try {
    commands = await findCommands(command, ctx.vars);
  } catch (error) {
    if (!(error instanceof ShellSyntaxError)) throw error;
    // Not shell ahe can read: run it as written when it installs nothing, as docker build would.
    if (/\b(apt-get|apt|pip3?|apk|yum|dnf)\b/.test(command))
      plan.refused.push(`has shell that could not be parsed to find its package installs (${error.message})`);
    return plan;
  }
  const satisfied: ShellCommand[] = [];
  /** Installs run another way (offline pip from the build context's wheels). */
  const rewritten: { command: ShellCommand; text: string }[] = [];
  const absentDebs: string[] = [];
  const absentPython: string[] = [];
  for (const c of commands) {
    const kind = c.kind;
    const words = commandWords(c.words);
    const program = (words[0] ?? '').split('/').at(-1) ?? '';
    if (ctx.readOnlyDirs.length && isPythonCommandLink(words)) {
      // The preparer gives `python`/`pip` in /usr/local/bin instead (prepare-environment.ts).
      satisfied.push(c);
      plan.notes.push(
        `\`${c.text.slice(0, 80)}\` — \`${words.at(-1)!.split('/').at(-1)}\` is this machine's, or a link in /usr/local/bin`,
      );
      continue;
    }
    if (ctx.readOnlyDirs.includes('/etc') && USER_ADMIN.has(program)) {
      plan.refused.push(
        `\`${c.text.split('\n')[0]!.slice(0, 80)}\` creates or changes a user, which writes this machine's /etc/passwd (read-only in the sandbox, where everything runs as root)`,
      );
      continue;
    }
    if (kind.kind === 'apt-housekeeping') satisfied.push(c);
    else if (kind.kind === 'foreign-install')
      plan.refused.push(
        `\`${c.text.split('\n')[0]!.slice(0, 80)}\` uses ${kind.manager}, another distribution's package manager (the bwrap backend runs this machine's Debian userland)`,
      );
    else if (kind.kind === 'apt-install') {
      const unknown = kind.packages.filter((p) => p === '?');
      const absent = kind.packages.filter((p) => p !== '?' && !ctx.hasDebPackage(p));
      if (unknown.length)
        plan.refused.push(`\`${c.text.slice(0, 80)}\` names its packages through a value only known when it runs`);
      if (kind.localFiles.length) plan.refused.push(`installs the package file ${kind.localFiles.join(', ')}`);
      absentDebs.push(...absent);
      if (!unknown.length && !absent.length && !kind.localFiles.length) {
        satisfied.push(c);
        if (kind.packages.length)
          plan.notes.push(`apt-get install ${kind.packages.join(' ')} — already on this machine`);
      }
    } else if (kind.kind === 'pip-install') {
      const packages = kind.packages.filter((p) => p !== '?');
      const unchecked: string[] = kind.localPaths.map((p) => `the path or URL ${p}`);
      if (packages.length < kind.packages.length) unchecked.push('a package name only known when it runs');
      for (const file of kind.requirementFiles) {
        const text = await ctx.readFile(file);
        if (text === undefined) unchecked.push(`the requirements file ${file} (not found)`);
        else {
          const reqs = parseRequirements(text);
          packages.push(...reqs.packages);
          unchecked.push(...reqs.unsupported.map((u) => `\`${u}\` in ${file}`));
        }
      }
      const absent = packages.length ? await ctx.missingPythonPackages(packages) : [];
      const offline = offlinePipInstall(words);
      if (unchecked.length)
        plan.refused.push(
          `\`${c.text.split('\n')[0]!.slice(0, 80)}\` installs ${unchecked.join(', ')}, which cannot be checked against this machine`,
        );
      else if (!absent.length) {
        satisfied.push(c);
        if (packages.length) plan.notes.push(`pip install ${packages.join(' ')} — already on this machine`);
      } else if (offline) {
        // Wheels the Dockerfile copied in: pip installs them offline, into this trial's layer (system-writes.ts).
        rewritten.push({ command: c, text: offlinePipCommand(c, offline.installAt) });
        plan.notes.push(
          `pip install ${absent.join(' ')} — not on this machine: installed offline from ${offline.from.join(', ')} with this machine's python3, into this trial's writable layer`,
        );
      } else absentPython.push(...absent);
    } else if (!ctx.network) {
      const download = findDownload(c);
      if (download) plan.refused.push(`downloads ${download} while the task has no network (allow_internet = false)`);
    }
  }
  if (absentDebs.length) plan.missing.push(`Debian packages ${[...new Set(absentDebs)].join(', ')}`);
  if (absentPython.length) plan.missing.push(`Python packages ${[...new Set(absentPython)].join(', ')}`);
  // Replaced installs write where they like (they are not run); everything else must stay off the host's system.
  const replacements = [...satisfied.map((command) => ({ command, text: 'true' })), ...rewritten];
  const prepared = replacements.length ? await replaceCommands(command, replacements) : command;
  const kept = await findWrittenPaths(prepared, ctx.vars);
  const readOnly = [
    ...new Set(
      kept.filter(
        (p) =>
          p.startsWith('/') &&
          ctx.readOnlyDirs.some((d) => p === d || p.startsWith(`${d}/`)) &&
          !ctx.writableDirs?.some((d) => p === d || p.startsWith(`${d}/`)) &&
          !/^\/(usr\/local\/bin|usr\/bin|bin)\/?$/.test(p),
      ),
    ),
  ];
  if (readOnly.length)
    plan.refused.push(
      `writes to ${readOnly.slice(0, 3).join(', ')}, part of this machine's system, which the sandbox mounts read-only`,
    );
  if (replacements.length && !plan.missing.length && !plan.refused.length) plan.command = prepared;
  return plan;
}

/**
 * `pip install --no-index --find-links DIR …` as this machine's python3 runs it: `python3 -m pip` with the
 * same arguments (the image's `pip` may not exist here), allowed to install beside Debian's packages
 * (PEP 668: the system python3 is "externally managed"; the install goes to this trial's layer only).
 */
function offlinePipCommand(c: ShellCommand, installAt: number): string {
  // `VAR=x` prefixes are not words of the command (the parser keeps them apart): kept as written.
  const assignments = /^(?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"])*\s+)*/.exec(c.text)![0];
  const args = commandWords(c.words)
    .slice(installAt + 1)
    .map((w) => shellQuote(w!));
  return `${assignments}PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install ${args.join(' ')}`;
}

/** The URL a command downloads, for curl, wget and git clone. */
function findDownload(c: ShellCommand): string | undefined {
  const [cmd, sub] = c.words;
  if (DOWNLOADERS.has(cmd ?? '') || (cmd === 'git' && sub === 'clone'))
    return c.words.find((w) => w !== undefined && (URL.test(w) || w.startsWith('git@')));
  return undefined;
}

const debCache = new Map<string, boolean>();

/** Whether this machine has the Debian package installed (dpkg-query; answers are kept for the process). */
export function hostHasDebPackage(name: string): boolean {
  if (!debCache.has(name)) {
    let ok = false;
    try {
      ok = /install ok installed/.test(
        execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(),
      );
    } catch {
      ok = false;
    }
    debCache.set(name, ok);
  }
  return debCache.get(name)!;
}

/** The names among `names` that python3 inside the sandbox has no distribution metadata for. */
export async function probePythonPackages(sandbox: Sandbox, names: string[]): Promise<string[]> {
  const probe = `python3 -c 'import importlib.metadata as m, sys
for p in sys.argv[1:]:
    try: m.version(p)
    except Exception: print(p)' ${names.map(shellQuote).join(' ')}`;
  const result = await sandbox.exec(probe, { timeoutSec: 30 });
  return result.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : names;
}
