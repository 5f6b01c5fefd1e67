// Is a tool's input_schema really JSON Schema? ajv in strict mode says why not, and where.
// The verdict depends only on the schema and ajv's version, so it is kept by content (in memory and next
// to the component cache on disk): a warm `ahe harness validate` answers without loading ajv at all.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Ajv } from 'ajv';
import { componentCacheDir } from './component-cache.ts';

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
  const file = join(dirname(componentCacheDir()), 'schema-checks', `${key}.json`);
  let verdict = verdicts.get(key) ?? readVerdict(file);
  if (verdict === undefined) verdict = storeVerdict(file, askAjv(schema));
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
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { problem: SchemaProblem | null };
    return stored.problem;
  } catch {
    return undefined;
  }
}

function storeVerdict(file: string, problem: SchemaProblem | null): SchemaProblem | null {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ problem }));
    renameSync(tmp, file);
  } catch {
    // read-only or full cache directory: the verdict is still right, only not kept
  }
  return problem;
}
