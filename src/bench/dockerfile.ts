// A Dockerfile read into instructions, for backends that prepare a task's environment without a
// container engine. Only the syntax published tasks use: comments, line continuations, shell and
// JSON (exec) forms, flags like `--chown=`. Parsing never fails on an instruction it doesn't know:
// deciding what is supported is the preparer's job, which reports it.

export interface DockerInstruction {
  /** Upper-cased keyword: FROM, RUN, COPY, … */
  keyword: string;
  /** The arguments as written (continuations joined), without flags. */
  args: string;
  /** `--name=value` flags before the arguments (`--chown`, `--from`, `--chmod`). */
  flags: Record<string, string>;
  /** Arguments of the JSON (exec) form, when used. */
  json?: string[];
  /** 1-based line of the instruction's first line. */
  line: number;
}

const HEREDOC = /<<-?\s*["']?[A-Za-z_]+["']?/;

export function parseDockerfile(text: string): DockerInstruction[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: DockerInstruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = i;
    let current = lines[i]!;
    i += 1;
    if (/^\s*(#|$)/.test(current)) continue;
    // Continuation lines; comment lines inside a continued instruction are dropped, as Docker does.
    while (/\\\s*$/.test(current) && i < lines.length) {
      current = current.replace(/\\\s*$/, '');
      const next = lines[i]!;
      i += 1;
      if (/^\s*#/.test(next)) {
        current += '\\';
        continue;
      }
      current += `\n${next}`;
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(current);
    if (!match) continue;
    const keyword = match[1]!.toUpperCase();
    let rest = match[2]!.trim();
    // A heredoc body (`RUN <<EOF … EOF`) belongs to the instruction.
    if (HEREDOC.test(rest)) {
      const marker = /<<-?\s*["']?([A-Za-z_]+)["']?/.exec(rest)![1]!;
      const body: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== marker) body.push(lines[i++]!);
      i += 1;
      rest = `${rest}\n${body.join('\n')}\n${marker}`;
    }
    const flags: Record<string, string> = {};
    if (!['ENV', 'ARG', 'LABEL'].includes(keyword)) {
      let flag: RegExpExecArray | null;
      while ((flag = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest))) {
        flags[flag[1]!] = flag[2] ?? 'true';
        rest = rest.slice(flag[0].length);
      }
    }
    let json: string[] | undefined;
    if (rest.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(rest);
        if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) json = parsed as string[];
      } catch {
        // not JSON: the shell form
      }
    }
    out.push({ keyword, args: rest, flags, ...(json ? { json } : {}), line: start + 1 });
  }
  return out;
}

/** `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` from the build's variables, as Docker substitutes them. */
export function expandVariables(text: string, vars: Record<string, string>): string {
  return text.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, op, word, bare) => {
    if (whole === '\\$') return '$';
    const name = (braced ?? bare) as string;
    const value = vars[name];
    if (op === '-') return value ? value : (word as string);
    if (op === '+') return value ? (word as string) : '';
    return value ?? '';
  });
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
