// Does a tool's implementation read the arguments its YAML schema declares? Reading an undeclared
// argument is an error (the model is never told about it, so it is always undefined); a required
// argument that is never read is a warning (the model is made to supply something unused).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findArgumentReads } from './find-argument-reads.ts';
import type { Diagnostic } from './harness-error.ts';
import { probeArgumentReads } from './probe-tool-arguments.ts';
import type { LoadedTool } from './types.ts';

export async function checkToolArguments(
  harnessDir: string,
  tool: LoadedTool,
): Promise<{ errors: Diagnostic[]; warnings: Diagnostic[] }> {
  const { yaml, code } = tool.source;
  if (!yaml || !code) return { errors: [], warnings: [] };
  const schema = tool.definition.inputSchema as { properties?: Record<string, unknown>; required?: string[] };
  const declared = new Set(Object.keys(schema.properties ?? {}));
  const reads = new Set([
    ...findArgumentReads(readFileSync(join(harnessDir, code), 'utf8')),
    ...(await probeArgumentReads(harnessDir, code, tool.definition.inputSchema)),
  ]);
  const errors: Diagnostic[] = [...reads]
    .filter((key) => !declared.has(key))
    .sort()
    .map((key) => ({ file: code, message: `reads args.${key} but ${yaml} input_schema has no property '${key}'` }));
  const warnings: Diagnostic[] = (schema.required ?? [])
    .filter((key) => !reads.has(key))
    .map((key) => ({
      file: yaml,
      field: 'input_schema.required',
      message: `'${key}' is required but ${code} never reads it`,
    }));
  return { errors, warnings };
}
