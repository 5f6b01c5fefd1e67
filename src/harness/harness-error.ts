// Problems found in a harness directory, each pinned to a file (and line, column or field when known).
import { UserError } from '../errors.ts';

export interface Diagnostic {
  /** Path relative to the harness directory. */
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the offending field in a YAML/frontmatter file. */
  field?: string;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line ? `${d.file}:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : d.file;
  return `${where}: ${d.field ? `${d.field}: ` : ''}${d.message}`;
}

/**
 * Problems of one file as one error: the problem itself when there is one, else the file, a count and one
 * problem per line. `prefix` starts the message (e.g. the option that named the file: `--prices `).
 */
export function diagnosticsError(problems: readonly Diagnostic[], prefix = ''): UserError {
  const lines = problems.map(formatDiagnostic);
  return new UserError(
    lines.length === 1
      ? `${prefix}${lines[0]}`
      : `${prefix}${problems[0]!.file}: ${lines.length} problems:\n  ${lines.join('\n  ')}`,
  );
}

export class HarnessError extends UserError {
  override name = 'HarnessError';
  constructor(
    readonly dir: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(`invalid harness ${dir}:\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`);
  }
}
