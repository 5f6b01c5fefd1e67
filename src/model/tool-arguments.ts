// Tool-call arguments arrive as JSON text written by a model; repair what is repairable, and say
// clearly (to the model) what is not.
import { jsonrepair } from 'jsonrepair';

export interface ParsedArguments {
  arguments: Record<string, unknown>;
  argumentsError?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseToolArguments(raw: string): ParsedArguments {
  if (raw.trim() === '') return { arguments: {} };
  try {
    const value = JSON.parse(raw);
    if (isObject(value)) return { arguments: value };
  } catch {
    try {
      const repaired = JSON.parse(jsonrepair(raw));
      if (isObject(repaired)) return { arguments: repaired };
    } catch {
      // fall through to the error
    }
  }
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  return {
    arguments: {},
    argumentsError: `the arguments are not a valid JSON object (raw: ${shown}). Call the tool again with a JSON object matching its schema.`,
  };
}
