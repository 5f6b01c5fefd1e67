// Defense in depth before component code is compiled: reject source that reaches for the host
// directly (process, require, eval…). The vm context (component-sandbox.ts) has none of these, so
// such code would only fail later at run time; failing here names the file and line instead.
import { blankLiterals } from './blank-literals.ts';
import type { Diagnostic } from './harness-error.ts';

export const CAPABILITY_RULE = 'component code gets host access only through ctx (ctx.sandbox.exec/readFile/writeFile)';

interface Rule {
  pattern: RegExp;
  /** Match against the source with literal text kept (bracket access by string) instead of blanked. */
  raw?: boolean;
  message: string;
}

const RULES: Rule[] = [
  {
    pattern: /(?<![\w$.])process\s*(?:\?\.|[.[])/,
    message: `uses 'process' — ${CAPABILITY_RULE}; settings come from ctx.limits`,
  },
  { pattern: /\bglobalThis\s*(?:\?\.|\.)\s*process\b/, message: `uses 'globalThis.process' — ${CAPABILITY_RULE}` },
  { pattern: /\[\s*(['"`])process\1\s*\]/, raw: true, message: `uses 'process' by name — ${CAPABILITY_RULE}` },
  {
    pattern: /(?<![\w$.])require\s*\(/,
    message: `calls 'require' — ${CAPABILITY_RULE}; importing host modules is not allowed`,
  },
  { pattern: /(?<![\w$.])eval\s*\(/, message: "calls 'eval' — code built from strings is not allowed in components" },
  {
    pattern: /\bnew\s+Function\s*\(/,
    message: "uses 'new Function' — code built from strings is not allowed in components",
  },
  {
    pattern: /\bimport\s*\(\s*(?!['"`]\.)/,
    raw: true,
    message: `imports a module dynamically that is not a relative path — ${CAPABILITY_RULE}`,
  },
  // The classic way out of a node:vm context: a host object's constructor's constructor is the host Function.
  {
    pattern: /\.\s*constructor\s*(?:\?\.|\.)\s*constructor\b/,
    message: "reaches 'constructor.constructor' (a way around the component sandbox) — not allowed",
  },
  {
    pattern: /\[\s*(['"`])constructor\1\s*\]/,
    raw: true,
    message: 'accesses \'["constructor"]\' (a way around the component sandbox) — not allowed',
  },
];

/** Diagnostics (file:line:col, col 0-based like esbuild's) for every forbidden use in a component's source. */
export function scanComponentSource(source: string, file: string): Diagnostic[] {
  const blankedLines = blankLiterals(source).split('\n');
  const rawLines = source.split('\n');
  const found: Diagnostic[] = [];
  blankedLines.forEach((blanked, i) => {
    const raw = rawLines[i]!;
    for (const rule of RULES) {
      const m = rule.pattern.exec(rule.raw ? raw : blanked);
      // A raw-text match that starts inside a comment or a string (blanked there) is prose, not code.
      if (!m || (rule.raw && blanked[m.index] !== raw[m.index])) continue;
      found.push({ file, line: i + 1, column: m.index, message: rule.message });
    }
  });
  return found;
}
