// Is a tool's input_schema really JSON Schema? ajv in strict mode says why not, and where.
// The verdict depends only on the schema and ajv's version, so it is kept by content (in memory and in the
// component cache's trusted directory on disk): a warm `ahe harness validate` answers without loading ajv at all.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import { readDisk, writeDisk } from './component-cache.ts';

const require = createRequire(import.meta.url);
const AJV_VERSION = (require('ajv/package.json') as { version: string }).version;
let ajv: Ajv | undefined;
const verdicts = new Map<string, SchemaProblem | null>();

export interface SchemaProblem {
  /** Path inside the schema of the offending keyword (empty when ajv does not say). */
  path: string[];
  message: string;
}

/** Returns null when the schema compiles, else ajv's first complaint and where it is. */
export function checkJsonSchema(schema: unknown): SchemaProblem | null {
  const key = createHash('sha256')
    .update(`ajv-${AJV_VERSION}-strict\0${JSON.stringify(schema)}`)
    .digest('hex');
  if (verdicts.has(key)) return verdicts.get(key)!; // null (a valid schema) is a verdict too
  const file = `schema-${key}.json`;
  let verdict = readVerdict(file);
  if (verdict === undefined) {
    verdict = askAjv(schema);
    writeDisk(file, JSON.stringify({ problem: verdict }));
  }
  verdicts.set(key, verdict);
  return verdict;
}

function askAjv(schema: unknown): SchemaProblem | null {
  ajv ??= new (require('ajv') as typeof import('ajv')).Ajv({ strict: true, allErrors: false, validateFormats: false });
  if (!ajv.validateSchema(schema as object)) {
    const first = ajv.errors?.[0];
    const path = (first?.instancePath ?? '')
      .split('/')
      .filter(Boolean)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const allowed = (first?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
    const message = `${first?.message ?? 'is not valid'}${allowed ? `: ${allowed.join(', ')}` : ''}`;
    return { path, message };
  }
  try {
    ajv.compile(schema as object);
    return null;
  } catch (error) {
    // Strict mode errors (unknown keyword, ambiguous types) carry no path, only a message.
    return { path: [], message: error instanceof Error ? error.message : String(error) };
  } finally {
    // Forget it again: a schema with an $id would otherwise clash when the harness is loaded again.
    ajv.removeSchema(schema as object);
  }
}

// The disk copy is an optimisation only, like the component cache: any problem with it means asking ajv.
function readVerdict(file: string): SchemaProblem | null | undefined {
  const text = readDisk(file);
  if (text === undefined) return undefined;
  try {
    return (JSON.parse(text) as { problem: SchemaProblem | null }).problem;
  } catch {
    return undefined;
  }
}
