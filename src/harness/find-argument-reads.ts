// Static half of the tool-schema check: which argument names does a tool's source read?
// Recognises `args.x`, `args?.x`, `args['x']`, `const { a, b } = args` and a destructured first
// parameter, where `args` is whatever the default-exported function calls its first parameter.
import { blankLiterals } from './blank-literals.ts';

const IDENT = '[A-Za-z_$][\\w$]*';

/** Text between the bracket at `open` and its match (same nesting kind), or undefined. */
function balanced(text: string, open: number): string | undefined {
  const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']' };
  const close = pairs[text[open]!];
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === text[open]) depth += 1;
    else if (text[i] === close && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/** Top-level property names of a destructuring pattern body (`a, b: x, c = 1, ...rest`). */
function patternKeys(body: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    const c = body[i];
    if (c === '{' || c === '[' || c === '(') depth += 1;
    else if (c === '}' || c === ']' || c === ')') depth -= 1;
    else if ((c === ',' && depth === 0) || i === body.length) {
      const key = new RegExp(`^\\s*(${IDENT})`).exec(body.slice(start, i))?.[1];
      if (key && !body.slice(start, i).trim().startsWith('...')) keys.push(key);
      start = i + 1;
    }
  }
  return keys;
}

/** Where the parameter list of the default export starts (index of its `(`), if it can be found. */
function defaultExportParams(code: string): number | undefined {
  const direct = /export\s+default\s+(?:async\s+)?(?:function\s*\*?\s*(?:[A-Za-z_$][\w$]*)?\s*)?\(/.exec(code);
  if (direct) return direct.index + direct[0].length - 1;
  const named = new RegExp(`export\\s+default\\s+(${IDENT})\\s*;?`).exec(code)?.[1];
  if (!named) return undefined;
  const definition = new RegExp(
    `(?:function\\s*\\*?\\s*${named}\\s*|\\b${named}\\s*(?::[^=]+)?=\\s*(?:async\\s*)?(?:function\\s*\\*?\\s*(?:${IDENT})?\\s*)?)\\(`,
  ).exec(code);
  return definition ? definition.index + definition[0].length - 1 : undefined;
}

/** Argument names the source reads, found without running it. */
export function findArgumentReads(source: string): Set<string> {
  const code = blankLiterals(source);
  const reads = new Set<string>();
  const paramsAt = defaultExportParams(code);
  const params = paramsAt === undefined ? undefined : balanced(code, paramsAt);
  let name = 'args';
  if (params !== undefined) {
    const first = params.trimStart();
    if (first.startsWith('{')) for (const key of patternKeys(balanced(first, 0) ?? '')) reads.add(key);
    else name = new RegExp(`^(${IDENT})`).exec(first)?.[1] ?? name;
  }
  const p = name.replace(/\$/g, '\\$');
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])${p}\\s*(?:\\?\\.|\\.)\\s*(${IDENT})`, 'g'))) reads.add(m[1]!);
  // Bracket access by a string literal: the literal's text is blanked in `code`, so read it from `source`.
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])${p}\\s*(?:\\?\\.)?\\[\\s*(['"\`])`, 'g'))) {
    const start = m.index + m[0].length;
    const end = source.indexOf(m[1]!, start);
    if (end > start) reads.add(source.slice(start, end));
  }
  for (const m of code.matchAll(/\b(?:const|let|var)\s*\{/g)) {
    const open = m.index + m[0].length - 1;
    const body = balanced(code, open);
    if (body === undefined) continue;
    const after = code.slice(open + body.length + 2);
    if (new RegExp(`^\\s*(?::[^=]+)?=\\s*${p}\\b(?!\\s*[.[])`).test(after))
      for (const key of patternKeys(body)) reads.add(key);
  }
  return reads;
}
