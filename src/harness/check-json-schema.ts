// Is a tool's input_schema really JSON Schema? ajv in strict mode says why not, and where.
import { Ajv } from 'ajv';

const ajv = new Ajv({ strict: true, allErrors: false, validateFormats: false });

export interface SchemaProblem {
  /** Path inside the schema of the offending keyword (empty when ajv does not say). */
  path: string[];
  message: string;
}

/** Returns null when the schema compiles, else ajv's first complaint and where it is. */
export function checkJsonSchema(schema: unknown): SchemaProblem | null {
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
