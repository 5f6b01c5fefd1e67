// Package installs inside a Dockerfile RUN (`apt-get update && apt-get install -y python3 git && rm
// -rf /var/lib/apt/lists/*`, `pip install numpy==1.26`), found on the shell's syntax tree (mvdan-sh,
// the parser of shfmt) so a backend without a container engine can tell whether the host already has
// what the task asks for. Each install is a simple command of the tree; a satisfied one is replaced by
// `true` in place, so what remains is valid shell with the same control flow (`a && true && b`,
// `if true; then …`, `true | tee log`).
import type { ShNode, ShParser } from 'mvdan-sh';
import { hostPythonInstallDirs } from './host-python.ts';

export type CommandKind =
  | { kind: 'apt-housekeeping' }
  | { kind: 'apt-install'; packages: string[]; localFiles: string[] }
  | { kind: 'pip-install'; packages: string[]; requirementFiles: string[]; localPaths: string[] }
  /** apk, yum, dnf…: another distribution's package manager. */
  | { kind: 'foreign-install'; manager: string }
  | { kind: 'other' };

export interface ShellCommand {
  /** The command as written. */
  text: string;
  /** Byte offsets of the simple command (its `VAR=x` prefixes included) in the script. */
  start: number;
  end: number;
  /** 1-based line in the script. */
  line: number;
  /** Its words after quote removal and expansion of known variables; undefined where not static. */
  words: (string | undefined)[];
  kind: CommandKind;
}

/** The script is not valid shell; `message` is the parser's (`line:col: reason`). */
export class ShellSyntaxError extends Error {}

let parser: ShParser | undefined;
let syntax: typeof import('mvdan-sh').default.syntax | undefined;

async function parse(script: string): Promise<ShNode> {
  if (!syntax) {
    // Loaded on first use: it is a large module and most commands never need it.
    syntax = (await import('mvdan-sh')).default.syntax;
    parser = syntax.NewParser(syntax.KeepComments(false), syntax.Variant(syntax.LangBash));
  }
  try {
    return parser!.Parse(script, '');
  } catch (error) {
    const e = error as { Error?: () => string };
    throw new ShellSyntaxError(typeof e.Error === 'function' ? e.Error().replace(/^:/, '') : String(error));
  }
}

/** Every simple command of a script, classified; `vars` are the build's ARG/ENV values. */
export async function findCommands(script: string, vars: Record<string, string> = {}): Promise<ShellCommand[]> {
  const file = await parse(script);
  const bytes = Buffer.from(script);
  const out: ShellCommand[] = [];
  syntax!.Walk(file, (node) => {
    if (node && syntax!.NodeType(node) === 'CallExpr' && node.Args.length > 0) {
      const words = (node.Args as ShNode[]).flatMap((w) => wordFields(w, bytes, vars));
      const start = node.Pos().Offset();
      const end = node.End().Offset();
      out.push({
        text: bytes.subarray(start, end).toString(),
        start,
        end,
        line: node.Pos().Line(),
        words,
        kind: classifyWords(words),
      });
    }
    return true;
  });
  return out;
}

/** Replaces the given commands by `true` and checks that the result is still valid shell. */
export function neutraliseCommands(script: string, commands: readonly ShellCommand[]): Promise<string> {
  return replaceCommands(
    script,
    commands.map((command) => ({ command, text: 'true' })),
  );
}

/**
 * Replaces each given command by its text (`true` for a satisfied install, another command for one
 * run differently) and checks that the result is still valid shell.
 */
export async function replaceCommands(
  script: string,
  replacements: readonly { command: ShellCommand; text: string }[],
): Promise<string> {
  const bytes = Buffer.from(script);
  const chosen: { command: ShellCommand; text: string }[] = [];
  for (const r of [...replacements].sort((a, b) => a.command.start - b.command.start)) {
    const c = r.command;
    // An install nested inside another replaced command goes with it.
    if (!chosen.some((o) => c.start >= o.command.start && c.end <= o.command.end)) chosen.push(r);
  }
  let out = Buffer.alloc(0);
  let at = 0;
  for (const { command, text } of chosen) {
    out = Buffer.concat([out, bytes.subarray(at, command.start), Buffer.from(text)]);
    at = command.end;
  }
  const result = Buffer.concat([out, bytes.subarray(at)]).toString();
  await parse(result);
  return result;
}

/** The fields a word expands to: quotes removed, known variables substituted, unknown parts undefined. */
function wordFields(word: ShNode, bytes: Buffer, vars: Record<string, string>): (string | undefined)[] {
  let value = '';
  let splits = false;
  const walkParts = (parts: ShNode[], quoted: boolean): boolean => {
    for (const part of parts) {
      const type = syntax!.NodeType(part);
      if (type === 'Lit') value += quoted ? unescapeQuoted(part.Value as string) : unescapeWord(part.Value as string);
      else if (type === 'SglQuoted') value += part.Value as string;
      else if (type === 'DblQuoted') {
        if (!walkParts(part.Parts as ShNode[], true)) return false;
      } else if (type === 'ParamExp') {
        const expanded = expandParam(part, bytes, vars);
        if (expanded === undefined) return false;
        value += expanded;
        if (!quoted) splits = true;
      } else return false;
    }
    return true;
  };
  if (!walkParts(word.Parts as ShNode[], false)) return [undefined];
  return splits ? value.split(/\s+/).filter(Boolean) : [value];
}

function expandParam(node: ShNode, bytes: Buffer, vars: Record<string, string>): string | undefined {
  if (node.Length || node.Excl || node.Slice || node.Repl || node.Index || node.Names) return undefined;
  const name = node.Param.Value as string;
  const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
  if (!node.Exp) return value;
  const opEnd = node.Exp.Word ? node.Exp.Word.Pos().Offset() : node.End().Offset() - 1;
  const op = bytes.subarray(node.Param.End().Offset(), opEnd).toString();
  const fields = node.Exp.Word ? wordFields(node.Exp.Word, bytes, vars) : [];
  if (fields.some((f) => f === undefined)) return undefined;
  const word = fields.join(' ');
  if (op === ':-' || op === ':=') return value ? value : word;
  if (op === '-' || op === '=') return value ?? word;
  if (op === ':+') return value ? word : '';
  if (op === '+') return value !== undefined ? word : '';
  return undefined;
}

const unescapeWord = (lit: string) => lit.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
const unescapeQuoted = (lit: string) => lit.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');

/** apt options that take a value as the next word. */
const APT_VALUE_FLAGS = new Set(['-o', '-t', '--target-release', '-c', '--config-file']);
const APT_HOUSEKEEPING = new Set([
  'update',
  'clean',
  'autoclean',
  'autoremove',
  'upgrade',
  'dist-upgrade',
  'full-upgrade',
  'remove',
  'purge',
]);
const PIP_VALUE_FLAGS = new Set([
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '-c',
  '--constraint',
  '-t',
  '--target',
  '--python',
  '--prefix',
  '--root',
  '--trusted-host',
  '--platform',
  '--python-version',
  '--implementation',
  '--abi',
  '--only-binary',
  '--no-binary',
  '--progress-bar',
  '--cache-dir',
  '--src',
  '--upgrade-strategy',
  '--timeout',
  '--retries',
]);
const FOREIGN = new Set(['apk', 'yum', 'dnf', 'microdnf', 'zypper', 'pacman', 'brew']);

/**
 * `ln -s /usr/bin/python3 /usr/bin/python` (or `pip3` → `pip`): an image giving itself a `python` command.
 * `words` are a simple command's words without prefixes (`commandWords`).
 */
export function isPythonCommandLink(words: readonly (string | undefined)[]): boolean {
  if (words[0] !== 'ln' || !words.some((w) => w !== undefined && /^-[a-zA-Z]*s/.test(w))) return false;
  const operands = words.slice(1).filter((w) => w === undefined || !w.startsWith('-'));
  if (operands.length !== 2 || operands.includes(undefined)) return false;
  const [from, to] = operands as [string, string];
  return /(^|\/)(python3|pip3)(\.\d+)?$/.test(from) && /^\/usr\/(local\/)?s?bin\/(python|pip)$/.test(to);
}

/** The command words of a simple command, without `sudo`, `env` and `VAR=value` prefixes. */
export function commandWords(words: readonly (string | undefined)[]): (string | undefined)[] {
  const rest = [...words];
  while (
    rest.length &&
    (rest[0] === 'sudo' || rest[0] === 'env' || rest[0] === '-E' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0] ?? ''))
  )
    rest.shift();
  return rest;
}

/** The index of `install` in `pip install …`, `python3 -m pip install …` or `uv pip install …`; else undefined. */
function pipInstallAt(words: readonly (string | undefined)[]): number | undefined {
  const [cmd, sub] = words;
  const pipAt = /^pip(3(\.\d+)?)?$/.test(cmd ?? '')
    ? 1
    : /^python(3(\.\d+)?)?$/.test(cmd ?? '') && sub === '-m' && /^pip3?$/.test(words[2] ?? '')
      ? 3
      : cmd === 'uv' && sub === 'pip'
        ? 2
        : -1;
  if (pipAt < 0) return undefined;
  let verbAt = pipAt;
  while (verbAt < words.length && (words[verbAt] ?? '').startsWith('-')) verbAt++;
  return words[verbAt] === 'install' ? verbAt : undefined;
}

/**
 * `pip install --no-index --find-links DIR …` (the offline form: wheels copied in from the build
 * context): the local directories pip reads and where its arguments start (after `install`). Undefined
 * when pip may use an index, reads a URL, or is `uv pip`. `words` are without prefixes (`commandWords`).
 */
export function offlinePipInstall(
  words: readonly (string | undefined)[],
): { from: string[]; installAt: number } | undefined {
  const installAt = pipInstallAt(words);
  if (installAt === undefined || words[0] === 'uv') return undefined;
  const rest = words.slice(installAt + 1);
  const from: (string | undefined)[] = [];
  let noIndex = false;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (w === '--no-index') noIndex = true;
    else if (w === '-f' || w === '--find-links') from.push(rest[++i]);
    else if (w?.startsWith('--find-links=')) from.push(w.slice('--find-links='.length));
    else if (w !== undefined && /^-f[^-]/.test(w)) from.push(w.slice(2));
  }
  const local = from.every((d) => d !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(d));
  return noIndex && from.length && local ? { from: from as string[], installAt } : undefined;
}

export function classifyWords(all: readonly (string | undefined)[]): CommandKind {
  const words = commandWords(all);
  const [cmd, sub] = words;
  if (cmd === 'apt-get' || cmd === 'apt' || cmd === 'aptitude') {
    let verbAt = 1;
    while (verbAt < words.length && (words[verbAt] ?? '').startsWith('-'))
      verbAt += APT_VALUE_FLAGS.has(words[verbAt]!) ? 2 : 1;
    const verb = words[verbAt];
    if (verb === 'install') {
      const packages: string[] = [];
      const localFiles: string[] = [];
      const rest = words.slice(verbAt + 1);
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i];
        if (w === undefined) packages.push('?');
        else if (APT_VALUE_FLAGS.has(w)) i++;
        else if (w.startsWith('-')) continue;
        else if (w.includes('/') || w.endsWith('.deb')) localFiles.push(w);
        else packages.push(w.replace(/[=:].*$/, ''));
      }
      return { kind: 'apt-install', packages, localFiles };
    }
    if (APT_HOUSEKEEPING.has(verb ?? '')) return { kind: 'apt-housekeeping' };
  }
  if (cmd === 'rm' && words.some((w) => /^\/var\/(lib\/apt\/lists|cache\/apt)/.test(w ?? '')))
    return { kind: 'apt-housekeeping' };
  if (FOREIGN.has(cmd ?? '') && ['add', 'install', 'groupinstall'].includes(sub ?? ''))
    return { kind: 'foreign-install', manager: cmd! };
  const install = pipInstallAt(words);
  if (install !== undefined) return classifyPipArgs(words.slice(install + 1));
  return { kind: 'other' };
}

function classifyPipArgs(rest: readonly (string | undefined)[]): CommandKind {
  const packages: string[] = [];
  const requirementFiles: string[] = [];
  const localPaths: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (w === undefined) packages.push('?');
    else if (w === '-r' || w === '--requirement') requirementFiles.push(rest[++i] ?? '?');
    else if (w.startsWith('--requirement=')) requirementFiles.push(w.slice('--requirement='.length));
    else if (w === '-e' || w === '--editable') localPaths.push(rest[++i] ?? '?');
    else if (PIP_VALUE_FLAGS.has(w)) i++;
    else if (w.startsWith('-')) continue;
    else if (isLocalPath(w)) localPaths.push(w);
    else packages.push(requirementName(w));
  }
  return { kind: 'pip-install', packages, requirementFiles, localPaths };
}

const isLocalPath = (w: string) => /^[./~]/.test(w) || /\.(whl|tar\.gz|zip)$/.test(w) || /^(git\+|https?:)/.test(w);
/** `numpy==1.26`, `requests[socks]>=2`, `pkg @ url`, `x; python_version<"3.12"` → the distribution name. */
const requirementName = (spec: string) =>
  spec
    .trim()
    .replace(/\[.*?\]/, '')
    .replace(/\s*[=<>!~;@ (].*$/s, '');

/** A requirements file's packages, and what in it cannot be checked against this machine. */
export function parseRequirements(text: string): { packages: string[]; unsupported: string[] } {
  const packages: string[] = [];
  const unsupported: string[] = [];
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    if (/^(-r|--requirement|-c|--constraint|-e|--editable)\b/.test(line)) unsupported.push(line);
    else if (line.startsWith('-')) continue;
    else if (isLocalPath(line)) unsupported.push(line);
    else packages.push(requirementName(line));
  }
  return { packages, unsupported };
}

/** Commands that change files `find … -exec` runs them on. */
const FIND_EXEC_WRITERS = new Set(['touch', 'chmod', 'chown', 'chgrp', 'rm', 'sed', 'mv', 'truncate', 'setfattr']);

/**
 * The start points of `find DIR… -exec touch {} +` (or chmod, chown, rm, `sed -i`, … and `-delete`):
 * every file below them may change. `find /app /opt/fixtures -type f -exec touch -t 202001010000 {} +`
 * writes below /opt/fixtures, which a program of the same RUN created.
 */
function findRootsWritten(args: readonly (string | undefined)[]): string[] {
  const roots: string[] = [];
  let at = 0;
  // Options before the start points (-H, -L, -P, -D debugopts, -Olevel).
  while (at < args.length && /^-[HLP]$|^-O\d*$/.test(args[at] ?? '')) at++;
  if (args[at] === '-D') at += 2;
  for (; at < args.length; at++) {
    const w = args[at];
    if (w === undefined || w.startsWith('-') || w === '(' || w === '!') break;
    roots.push(w);
  }
  const expr = args.slice(at);
  const writes =
    expr.includes('-delete') ||
    expr.some((w, i) => /^-(exec|execdir|ok|okdir)$/.test(w ?? '') && FIND_EXEC_WRITERS.has(expr[i + 1] ?? ''));
  return writes ? roots : [];
}

const WRITERS_LAST = new Set(['cp', 'mv', 'ln', 'install', 'touch', 'tee', 'mkdir']);
const WRITERS_ALL = new Set(['chmod', 'chown']);

/**
 * Paths a script writes, as far as its syntax tells: redirect targets (`> f`, `>> f`), the destination
 * of cp/mv/ln/install, the operands of touch/tee/mkdir/chmod/chown and `sed -i`, and the install
 * directories of this machine's python3 for `pip install --no-index --find-links DIR` (which the bwrap
 * backend runs, offline). Used to say up front that a RUN writes where the sandbox is read-only, and to
 * make the directories a Dockerfile installs into writable for the trial.
 */
export async function findWrittenPaths(script: string, vars: Record<string, string> = {}): Promise<string[]> {
  const file = await parse(script);
  const bytes = Buffer.from(script);
  const out: string[] = [];
  syntax!.Walk(file, (node) => {
    if (!node) return true;
    const type = syntax!.NodeType(node);
    if (type === 'Redirect' && node.Word) {
      const op = bytes.subarray(node.OpPos.Offset(), node.Word.Pos().Offset()).toString().trim();
      if (/^(>|>>|>\||&>|&>>)$/.test(op))
        out.push(...wordFields(node.Word, bytes, vars).filter((w): w is string => w !== undefined));
    } else if (type === 'CallExpr' && node.Args.length > 0) {
      const words = commandWords((node.Args as ShNode[]).flatMap((w) => wordFields(w, bytes, vars)));
      const [cmd, ...rest] = words;
      const operands = rest.filter((w): w is string => w !== undefined && !w.startsWith('-'));
      if (WRITERS_LAST.has(cmd ?? ''))
        out.push(...(cmd === 'touch' || cmd === 'tee' || cmd === 'mkdir' ? operands : operands.slice(-1)));
      else if (WRITERS_ALL.has(cmd ?? '')) out.push(...operands.slice(1));
      else if (cmd === 'sed' && rest.some((w) => w?.startsWith('-i'))) out.push(...operands.slice(1));
      else if (cmd === 'find') out.push(...findRootsWritten(rest));
      // Wheels installed offline from the build context: where this machine's python3 puts them.
      else if (offlinePipInstall(words)) out.push(...hostPythonInstallDirs().map((d) => `${d}/`));
    }
    return true;
  });
  return out;
}
