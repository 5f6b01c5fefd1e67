// A Dockerfile read into instructions, for backends that prepare a task's environment without a
// container engine. The Dockerfile is parsed by dockerfile-ast (the parser of the Docker language
// server: parser directives, escape character, flags, JSON forms, heredocs); what reaches the shell is
// then assembled as BuildKit does: a line continuation is removed with its newline, and comment or
// empty lines inside a continued instruction are dropped. Parsing never fails on an instruction it
// doesn't know: deciding what is supported is the preparer's job, which reports it.
import { posix } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export interface Heredoc {
  name: string;
  /** The lines between the opening line and the terminator (tabs stripped for `<<-`). */
  body: string;
  /** `<<"EOF"` or `<<'EOF'`: no variable expansion in the body. */
  quoted: boolean;
}

export interface DockerInstruction {
  /** Upper-cased keyword: FROM, RUN, COPY, … */
  keyword: string;
  /**
   * The arguments without flags, continuations joined as Docker joins them; with heredocs, the
   * opening line, a newline and the heredoc bodies with their terminators (a valid shell script).
   */
  args: string;
  /** `--name=value` flags before the arguments (`--chown`, `--from`, `--chmod`, `--mount`). */
  flags: Record<string, string>;
  /** Arguments of the JSON (exec) form, when used. */
  json?: string[];
  /** Here-documents of a RUN or COPY (`RUN <<EOF`, `COPY <<EOF /etc/x.conf`), in order. */
  heredocs: Heredoc[];
  /** 1-based line of the instruction's first line. */
  line: number;
}

const HEREDOC_START = /<<(-?)\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

export function parseDockerfile(text: string): DockerInstruction[] {
  const dockerfile = DockerfileParser.parse(text.replace(/^\uFEFF/, ''));
  const escapeChar = dockerfile.getEscapeCharacter();
  return dockerfile.getInstructions().map((ins) => readInstruction(ins, escapeChar));
}

function readInstruction(ins: Instruction, escapeChar: string): DockerInstruction {
  const keyword = ins.getKeyword().toUpperCase();
  const withFlags = ins as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  const flags: Record<string, string> = {};
  for (const flag of withFlags.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue() ?? 'true';
  const raw = (ins.getRawArgumentsContent() ?? '').replace(/\r\n/g, '\n');
  const { first, rest } = joinContinuations(raw, escapeChar);
  const heredocs: Heredoc[] = [];
  if ((keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') && rest.length) {
    let at = 0;
    for (const m of first.matchAll(HEREDOC_START)) {
      const [, dash, quote, name] = m;
      const body: string[] = [];
      while (at < rest.length && (dash ? rest[at]!.replace(/^\t+/, '') : rest[at]) !== name)
        body.push(dash ? rest[at++]!.replace(/^\t+/, '') : rest[at++]!);
      at += 1;
      heredocs.push({ name: name!, body: body.length ? `${body.join('\n')}\n` : '', quoted: Boolean(quote) });
    }
  }
  const args = rest.length ? `${first}\n${rest.join('\n')}` : first;
  let json: string[] | undefined;
  if (first.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(first.trim());
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) json = parsed as string[];
    } catch {
      // not JSON: the shell form
    }
  }
  return {
    keyword,
    args: args.trim(),
    flags,
    ...(json ? { json } : {}),
    heredocs,
    line: ins.getRange().start.line + 1,
  };
}

/** The instruction's logical first line (continuations removed, as Docker does) and the lines after it. */
function joinContinuations(raw: string, escapeChar: string): { first: string; rest: string[] } {
  const lines = raw.split('\n');
  const continued = new RegExp(`${escapeChar.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[ \t]*$`);
  let first = '';
  let i = 0;
  while (i < lines.length) {
    const line = lines[i++]!;
    if (!continued.test(line)) {
      first += line;
      break;
    }
    first += line.replace(continued, '');
    // Comment and empty lines inside a continued instruction are not part of it.
    while (i < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) i++;
  }
  return { first, rest: lines.slice(i) };
}

/** `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` (and `-`/`+` for unset only) from the build's variables, as Docker substitutes them. */
export function expandVariables(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, op, word, bare) => {
      if (whole === '\\$') return '$';
      const name = (braced ?? bare) as string;
      const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
      if (op === ':-') return value ? value : (word as string);
      if (op === '-') return value ?? (word as string);
      if (op === ':+') return value ? (word as string) : '';
      if (op === '+') return value !== undefined ? (word as string) : '';
      return value ?? '';
    },
  );
}

/** Words of a shell-form argument list, honouring quotes (COPY "a b" /app/). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || word) words.push(word);
      word = '';
      has = false;
    } else {
      word += ch;
      has = true;
    }
  }
  if (has || word) words.push(word);
  return words;
}

/** ENV's two forms: `ENV A=1 B="two words"` and the legacy `ENV A value with spaces`. */
export function parseEnvPairs(args: string): [string, string][] {
  const words = splitWords(args);
  if (words.length > 0 && !words[0]!.includes('=')) {
    const [name, ...value] = args.trim().split(/\s+/);
    return [[name!, value.join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, ''] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** An instruction with the build variables (ARG and ENV so far, expanded) and the WORKDIR in force after it. */
export interface WalkedInstruction {
  ins: DockerInstruction;
  vars: Readonly<Record<string, string>>;
  workdir: string;
}

/**
 * Follows instructions as docker build resolves them: ARG and ENV set variables (expanded with the earlier
 * ones), WORKDIR moves the working directory (relative to the previous one, from `/`).
 */
export function* walkInstructions(instructions: Iterable<DockerInstruction>): Generator<WalkedInstruction> {
  const vars: Record<string, string> = {};
  let workdir = '/';
  for (const ins of instructions) {
    if (ins.keyword === 'ENV' || ins.keyword === 'ARG')
      for (const [k, v] of parseEnvPairs(ins.args)) vars[k] = expandVariables(v, vars);
    else if (ins.keyword === 'WORKDIR') workdir = posix.resolve(workdir, expandVariables(ins.args.trim(), vars));
    yield { ins, vars, workdir };
  }
}
