// YAML reading that keeps positions, so every problem can be reported as file:line:col and field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Diagnostic } from './harness-error.ts';

export interface YamlSource {
  value: unknown;
  /** Line/column (1-based) of the value at a field path, or of its nearest existing parent. */
  locate(path: readonly PropertyKey[]): { line?: number; column?: number };
  /** Line/column of the key that ends a field path (where an unknown field is written). */
  locateKey(path: readonly PropertyKey[]): { line?: number; column?: number };
}

/** Field paths come as strings from dotted names; sequence items need numbers. */
const asYamlPath = (path: readonly PropertyKey[]) =>
  path.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));

/** Parses YAML text; syntax errors come back as diagnostics at their line and column. */
export function parseYaml(
  text: string,
  file: string,
  lineOffset = 0,
): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + lineOffset, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      diagnostics: doc.errors.map((e) => ({ file, ...position(e.pos[0]), message: e.message.split('\n')[0]! })),
    };
  }
  const locate = (fieldPath: readonly PropertyKey[]) => {
    const path = asYamlPath(fieldPath);
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return position(node.range[0]);
    }
    return {};
  };
  const locateKey = (fieldPath: readonly PropertyKey[]) => {
    const path = asYamlPath(fieldPath);
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
    const pair = isMap(parent)
      ? parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1])
      : undefined;
    return isScalar(pair?.key) && pair.key.range ? position(pair.key.range[0]) : locate(fieldPath);
  };
  return { source: { value: doc.toJS(), locate, locateKey }, diagnostics: [] };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message))
    return `is required (${issue.expected})`;
  return issue.message;
}

/** Validates parsed YAML against a zod schema; each issue becomes a diagnostic with its field and position. */
export function checkYaml<T>(
  schema: z.ZodType<T>,
  source: YamlSource,
  file: string,
): { value?: T; diagnostics: Diagnostic[] } {
  const parsed = schema.safeParse(source.value ?? {});
  if (parsed.success) return { value: parsed.data, diagnostics: [] };
  return {
    diagnostics: parsed.error.issues.map((issue) => {
      // Unknown keys: point at the key itself, not at its parent object.
      const unknownKey = issue.code === 'unrecognized_keys';
      const path = unknownKey ? [...issue.path, issue.keys[0]!] : issue.path;
      const at = unknownKey ? source.locateKey(path) : source.locate(path);
      return { file, field: path.map(String).join('.') || undefined, message: describeIssue(issue), ...at };
    }),
  };
}

/**
 * A harness file's text, or undefined with a problem naming the file when it cannot be read: a
 * directory where a file belongs, no permission (instead of an internal error).
 */
export function readHarnessText(dir: string, file: string, problems: Diagnostic[]): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push({
      file,
      message:
        code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? (error as Error).message})`,
    });
    return undefined;
  }
}

/**
 * Reads `file` (or `text`, when the YAML is embedded, e.g. frontmatter starting after `lineOffset`
 * lines) and checks it; problems are appended to `problems`. `value` is set only when valid.
 */
export function readYamlFile<T>(
  dir: string,
  file: string,
  schema: z.ZodType<T>,
  problems: Diagnostic[],
  embedded?: { text: string; lineOffset: number },
): { value?: T; source?: YamlSource } {
  const text = embedded?.text ?? readHarnessText(dir, file, problems);
  if (text === undefined) return {};
  const { source, diagnostics } = parseYaml(text, file, embedded?.lineOffset ?? 0);
  problems.push(...diagnostics);
  if (!source) return {};
  const checked = checkYaml(schema, source, file);
  problems.push(...checked.diagnostics);
  return { value: checked.value, source };
}
