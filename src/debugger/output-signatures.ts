// What one step's output says went wrong: the shell, the package managers, the interpreters and the
// compilers each phrase their failures in a few stable ways, so a small set of patterns recognises
// most of them. Every "No such file or directory" line is classified once — a missing executable, a
// missing header or a wrong path — because the same words mean different causes.
import type { DigestStep } from './digest.ts';
import { normaliseDetail } from './normalise-detail.ts';

export interface StepFinding {
  id: string;
  label: string;
}

const SHELL_PREFIX = /^(?:\S*\/)?(?:ba|da|z)?sh: (?:line \d+: |\d+: )?/;
const COMMAND_NOT_FOUND = [
  /(?:^|\s)([^\s:'"]+): command not found/gm,
  /^(?:\S*\/)?(?:ba|da|z)?sh: (?:\d+: )?([^\s:]+): not found$/gm,
  /^(?:\/usr\/bin\/)?env: ['‘]?([^\s'’:]+)['’]?: No such file or directory/gm,
];

const MISSING_DEPENDENCY: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/No module named ['"]?([\w.]+)['"]?/g, (m) => m[1]!.split('.')[0]!],
  [/cannot find -l([\w+.-]+)/g, (m) => `lib${m[1]}`],
  [/fatal error: ([\w./+-]+\.h(?:pp|h)?): No such file or directory/g, (m) => m[1]!],
  [/Cannot find (?:module|package) ['"]([^./'"][^'"]*)['"]/g, (m) => packageName(m[1]!)],
  [/Unable to locate package (\S+)/g, (m) => m[1]!],
  [/Package ['"]?([\w.+-]+)['"]?,? was not found in the pkg-config search path/g, (m) => m[1]!],
  [/can't find crate for `(\w+)`/g, (m) => m[1]!],
  [/cannot find package "([^"]+)"|no required module provides package ([\w./-]+)/g, (m) => (m[1] ?? m[2])!],
  [/No matching distribution found for ([\w.-]+)/g, (m) => m[1]!],
];

/** Paths in "no such file" messages of coreutils, Python, Node and the shell's `cd`. */
const MISSING_PATH = [
  /No such file or directory: ['"]([^'"]+)['"]/g,
  /can't open file ['"]([^'"]+)['"]/g,
  /ENOENT: no such file or directory, \w+ '([^']+)'/g,
  /Cannot find module ['"]([./][^'"]*)['"]/g,
  /(?:^|: )(?:cannot (?:access|open|stat|create [\w ]+) )?['"‘]?([^\s'"‘’:]+)['"’]?: No such file or directory/gm,
];

const PERMISSION_DENIED = /Permission denied|Operation not permitted|EACCES/;
const DENIED_PATH = /([^\s:'"]+): (?:Permission denied|Operation not permitted)/;
const SHELL_SYNTAX =
  /syntax error near unexpected token|syntax error: unexpected end of file|unexpected EOF while looking for matching/;
const INTERPRETER_SYNTAX = /^\s*(?:SyntaxError|IndentationError|TabError)\b/m;
const COMPILE_ERRORS: Array<[RegExp, string]> = [
  [/^[^\s:]+\.(?:c|cc|cpp|cxx|h|hpp):\d+(?::\d+)?: (?:fatal )?error: (?!.*No such file or directory)/m, 'c/c++'],
  [/error\[E\d+\]/, 'rust'],
  [/error TS\d+:/, 'typescript'],
  [/\.java:\d+: error:/, 'java'],
  [/\.go:\d+:\d+: (?!warning)/, 'go'],
  [/undefined reference to|ld returned \d+ exit status|ld: symbol\(s\) not found/, 'link'],
];
const INVALID_ARGUMENTS =
  /invalid (?:tool )?(?:arguments|input|parameters)|unknown tool|missing required (?:argument|property|parameter)|validation (?:failed|error)|could not parse (?:the )?arguments/i;

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The heads of the command's segments (`cd x && ./run.sh | tee` → `cd`, `./run.sh`, `tee`). */
function commandHeads(command: string | undefined): Set<string> {
  if (!command) return new Set();
  return new Set(
    command
      .split(/&&|\|\||[;|\n]/)
      .map(
        (seg) =>
          seg
            .trim()
            .replace(/^(?:sudo|exec|time|env(?: \w+=\S+)*) /, '')
            .split(/\s+/)[0] ?? '',
      )
      .filter(Boolean),
  );
}

const basename = (path: string) => path.split('/').filter(Boolean).pop() ?? path;

/** Findings in one step's text (its output, error lines and, for errors, its message), in a fixed order. */
export function findOutputSignatures(text: string, step: DigestStep): StepFinding[] {
  const found: StepFinding[] = [];
  const add = (id: string, detail?: string) =>
    found.push({ id, label: `${id.replace(/-/g, ' ')}${detail ? `: ${normaliseDetail(detail)}` : ''}` });
  const failed = step.isError === true || (step.exitCode != null && step.exitCode !== 0);
  const heads = commandHeads(step.command);
  const claimed = new Set<string>(); // "No such file" lines already explained

  // Most outputs mention no missing file at all; the line-by-line scans below are skipped for them.
  const missingFile = /No such file|not found|ENOENT|can't open file|Cannot find module/i.test(text);
  if (missingFile)
    for (const pattern of COMMAND_NOT_FOUND)
      for (const m of text.matchAll(pattern)) add('command-not-found', basename(m[1]!));
  for (const line of missingFile ? text.split('\n') : []) {
    if (!SHELL_PREFIX.test(line) || !line.endsWith('No such file or directory')) continue;
    const target = line.replace(SHELL_PREFIX, '').replace(/: No such file or directory$/, '');
    if (heads.has(target)) {
      add('command-not-found', basename(target));
      claimed.add(line);
    }
  }
  let dependency = false;
  for (const [pattern, name] of MISSING_DEPENDENCY) {
    for (const m of text.matchAll(pattern)) {
      add('missing-dependency', name(m));
      dependency = true;
    }
  }
  for (const line of missingFile ? text.split('\n') : []) {
    if (claimed.has(line) || /fatal error: .*\.h\w*: No such file|^(?:\/usr\/bin\/)?env: /.test(line)) continue;
    for (const pattern of MISSING_PATH) {
      for (const m of line.matchAll(pattern)) {
        const path = m[1]!;
        if (/^(?:cd|cat|ls|bash|sh|python3?|node)$/.test(path)) continue;
        if (failed || step.command?.includes(path)) add('wrong-path', path);
      }
    }
  }
  if (PERMISSION_DENIED.test(text)) {
    const path = DENIED_PATH.exec(text)?.[1];
    add('permission-denied', path && path !== 'bash' && path !== 'sh' ? path : undefined);
  }
  if (SHELL_SYNTAX.test(text)) add('syntax-error', 'shell');
  else if (INTERPRETER_SYNTAX.test(text))
    add(
      'syntax-error',
      /\.py\b|python|Traceback/.test(`${text} ${step.command ?? ''}`)
        ? 'python'
        : /\bnode\b|\.m?[jt]s\b/.test(`${text} ${step.command ?? ''}`)
          ? 'javascript'
          : undefined,
    );
  // A missing library or header makes the build fail too; the missing dependency is the cause to report.
  if (!dependency)
    for (const [pattern, language] of COMPILE_ERRORS)
      if (pattern.test(text) && (language !== 'go' || /\bgo (?:build|run|test|vet)\b/.test(step.command ?? '')))
        add('compile-error', language);
  if (step.isError && (INVALID_ARGUMENTS.test(text) || (step.kind === 'tool' && !step.command)))
    add('tool-error', INVALID_ARGUMENTS.test(text) ? 'invalid arguments' : step.tool);
  if (step.exitCode === 127 && step.command && !found.some((f) => f.id === 'command-not-found'))
    add('command-not-found', basename([...heads][0] ?? step.command));
  return found;
}
