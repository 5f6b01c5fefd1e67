// Validates tool arguments against the tool's JSON Schema before any tool code runs.
import { Ajv, type ValidateFunction } from 'ajv';
import type { ToolDefinition } from '../model/types.ts';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<ToolDefinition, ValidateFunction>();

/** Returns null when the arguments are valid, else a message the model can act on. */
export function validateToolInput(definition: ToolDefinition, args: Record<string, unknown>): string | null {
  let validate = compiled.get(definition);
  if (!validate) {
    validate = ajv.compile(definition.inputSchema);
    compiled.set(definition, validate);
  }
  if (validate(args)) return null;
  const problems = (validate.errors ?? []).map(
    (e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`,
  );
  return `invalid arguments for tool '${definition.name}': ${problems.join('; ')}. Expected input schema: ${JSON.stringify(definition.inputSchema)}`;
}
