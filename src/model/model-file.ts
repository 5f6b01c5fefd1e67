// The file a model spec reads — `scripted:<script.yaml>`, `replay:<cassette.jsonl>`, `sim:<scenario.yaml>`,
// `sim-evolver:<scenario.yaml>`, also as the inner model of `chaos:…:<inner spec>`. The producer ships it
// with a trial so a worker points the spec at its own copy (workers share no filesystem with the
// producer), and a run records the spec with the file's absolute path (absoluteModelSpec).
import { isAbsolute, resolve } from 'node:path';
import { parseChaosSpec } from './chaos-spec.ts';
import { parseModelSpec } from './create-model.ts';

export interface ModelSpecFile {
  /** The spec up to the path, e.g. `chaos:0.1:seed=3:scripted:`. */
  prefix: string;
  /** The path as the spec names it (relative paths are the producer's). */
  path: string;
}

const FILE_PROVIDERS = new Set(['scripted', 'replay', 'sim', 'sim-evolver']);

/** The file `spec` reads, or undefined when it reads none (a provider's model). Throws for an invalid spec. */
export function modelSpecFile(spec: string): ModelSpecFile | undefined {
  const { provider, name } = parseModelSpec(spec);
  if (FILE_PROVIDERS.has(provider)) return { prefix: `${provider}:`, path: name };
  if (provider !== 'chaos') return undefined;
  // The inner spec is the tail of the chaos spec; the environment's rate and seed do not move it.
  const { inner } = parseChaosSpec(name, {});
  const file = modelSpecFile(inner);
  return file && { prefix: spec.slice(0, spec.length - inner.length) + file.prefix, path: file.path };
}

/**
 * `spec` with the file it reads as an absolute path, resolved from `base` (the current directory, or
 * the experiment file's directory for a spec given in one). A run and a job record their model this way,
 * so they can be resumed, ablated or transferred from any directory. Other specs, and specs that do not
 * parse (createModel names what is wrong with them), are returned unchanged.
 */
export function absoluteModelSpec(spec: string, base = process.cwd()): string {
  let file: ModelSpecFile | undefined;
  try {
    file = modelSpecFile(spec);
  } catch {
    return spec;
  }
  return file && !isAbsolute(file.path) ? `${file.prefix}${resolve(base, file.path)}` : spec;
}
