// Package installs inside a Dockerfile RUN (`apt-get update && apt-get install -y python3 git && rm
// -rf /var/lib/apt/lists/*`, `pip install numpy==1.26`), found so a backend without a container
// engine can tell whether the host already has what the task asks for. The command is split at its
// top-level `&&`, `||`, `;` and newlines; the install segments are then checked and replaced.

export interface ShellSegment {
  text: string;
  /** Offsets in the original command. */
  start: number;
  end: number;
}

export type SegmentKind =
  | { kind: 'apt-housekeeping' }
  | { kind: 'apt-install'; packages: string[] }
  | { kind: 'pip-install'; packages: string[]; requirementFiles: string[] }
  | { kind: 'other' };

/** Top-level segments of a shell command (quotes, `$(…)`, `(…)` and `{…}` are not split). */
export function splitShellSegments(command: string): ShellSegment[] {
  const segments: ShellSegment[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  const push = (end: number) => {
    if (command.slice(start, end).trim()) segments.push({ text: command.slice(start, end), start, end });
  };
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '{') depth++;
    else if ((ch === ')' || ch === '}') && depth > 0) depth--;
    else if (depth === 0 && (ch === ';' || ch === '\n')) {
      push(i);
      start = i + 1;
    } else if (depth === 0 && (command.startsWith('&&', i) || command.startsWith('||', i))) {
      push(i);
      start = i + 2;
      i++;
    }
  }
  push(command.length);
  return segments;
}

/** The words of a simple command, without `sudo`, `env`, `VAR=value` prefixes. */
function commandWords(segment: string): string[] {
  const words = segment.trim().split(/\s+/).filter(Boolean);
  while (words.length && (words[0] === 'sudo' || words[0] === 'env' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!))) words.shift();
  return words;
}

/** apt options that take a value as the next word. */
const APT_VALUE_FLAGS = new Set(['-o', '-t', '--target-release', '-c', '--config-file']);
const PIP_VALUE_FLAGS = new Set(['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-c', '--constraint', '-t', '--target', '--python', '--prefix', '--root']);

export function classifySegment(segment: string): SegmentKind {
  const words = commandWords(segment);
  const [cmd, sub] = words;
  if (cmd === 'apt-get' || cmd === 'apt' || cmd === 'aptitude') {
    const verb = words.slice(1).find((w) => !w.startsWith('-'));
    if (verb === 'install') {
      const packages: string[] = [];
      const rest = words.slice(words.indexOf('install') + 1);
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i]!;
        if (APT_VALUE_FLAGS.has(w)) i++;
        else if (!w.startsWith('-')) packages.push(w.replace(/[=:].*$/, ''));
      }
      return { kind: 'apt-install', packages };
    }
    if (['update', 'clean', 'autoclean', 'autoremove', 'upgrade', 'dist-upgrade'].includes(verb ?? '')) return { kind: 'apt-housekeeping' };
  }
  if (cmd === 'rm' && /\/var\/lib\/apt\/lists|\/var\/cache\/apt/.test(segment)) return { kind: 'apt-housekeeping' };
  const pipAt =
    cmd === 'pip' || cmd === 'pip3'
      ? 1
      : /^python3?(\.\d+)?$/.test(cmd ?? '') && sub === '-m' && /^pip3?$/.test(words[2] ?? '')
        ? 3
        : cmd === 'uv' && sub === 'pip'
          ? 2
          : -1;
  if (pipAt >= 0 && words[pipAt] === 'install') {
    const packages: string[] = [];
    const requirementFiles: string[] = [];
    const rest = words.slice(pipAt + 1);
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i]!;
      if (w === '-r' || w === '--requirement') requirementFiles.push(rest[++i] ?? '');
      else if (PIP_VALUE_FLAGS.has(w)) i++;
      else if (!w.startsWith('-')) packages.push(w.replace(/^['"]|['"]$/g, '').replace(/\[.*?\]/, '').replace(/[=<>!~;].*$/, ''));
    }
    return { kind: 'pip-install', packages, requirementFiles };
  }
  return { kind: 'other' };
}

/** Replaces the given segments of a command by `true`, keeping its connectors. */
export function replaceSegments(command: string, segments: readonly ShellSegment[]): string {
  let out = command;
  for (const s of [...segments].sort((a, b) => b.start - a.start)) out = `${out.slice(0, s.start)} true ${out.slice(s.end)}`;
  return out;
}
