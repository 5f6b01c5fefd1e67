// The file a model spec reads — `scripted:<script.yaml>`, `replay:<cassette.jsonl>`, `sim:<scenario.yaml>`,
// `sim-evolver:<scenario.yaml>`, also as the inner model of `chaos:…:<inner spec>`. The producer ships it
// with a trial so a worker points the spec at its own copy (workers share no filesystem with the
// producer), and a run records the spec with the file's absolute path (absoluteModelSpec).
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { parseChaosSpec } from './chaos-spec.ts';
import { MODEL_PROVIDERS, MODEL_SPEC_HELP, parseModelSpec } from './create-model.ts';

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

/** Where a model is used: the coding agent of benchmark trials, the evolve agent, or anything else. */
export type ModelRole = 'trial' | 'evolver' | 'other';

/**
 * A model flag's value is a spec of a known provider (named with the flag when not), and the
 * simulator's models only work where their context exists (docs/models.md): `sim:` as the coding
 * agent of trials (`ahe eval`, `ahe evolve --model`), `sim-evolver:` as `ahe evolve`'s evolve agent.
 * Elsewhere they would fail on every call (or score every trial as failed), so they are refused up
 * front, naming the flag.
 */
export function checkModelFlag(spec: string, flag: string, role: ModelRole): void {
  let provider: string;
  try {
    const outer = parseModelSpec(spec).provider;
    if (!MODEL_PROVIDERS.includes(outer)) throw new UserError(`unknown model provider '${outer}'`);
    provider = modelSpecFile(spec)?.prefix.split(':').at(-2) ?? '';
  } catch (error) {
    const why = (error as Error).message.replace(/^invalid model spec '[^']*': /, '');
    throw new UserError(
      `${flag} ${spec}: ${why.startsWith('expected') ? `not a model spec: ${why}` : why}${why.includes(MODEL_SPEC_HELP) ? '' : ` (expected ${MODEL_SPEC_HELP})`}${flag === '--debug-model' ? "; or 'none' for the heuristic report only" : ''}`,
    );
  }
  if (provider === 'sim' && role !== 'trial')
    throw new UserError(
      `${flag} ${spec}: sim: is the simulator's coding agent; it runs only as the model of benchmark trials (ahe eval --model, ahe evolve --model)`,
    );
  if (provider === 'sim-evolver' && role !== 'evolver')
    throw new UserError(`${flag} ${spec}: sim-evolver: is the simulator's evolve agent (ahe evolve --evolve-model)`);
}
