// The file a model spec reads — `scripted:<script.yaml>`, `replay:<cassette.jsonl>`, also as the inner
// model of `chaos:…:<inner spec>` — so that the producer ships it with a trial and a worker points the
// spec at its own copy (workers share no filesystem with the producer).
import { parseChaosSpec } from '../model/chaos-model.ts';
import { parseModelSpec } from '../model/create-model.ts';

export interface ModelSpecFile {
  /** The spec up to the path, e.g. `chaos:0.1:seed=3:scripted:`. */
  prefix: string;
  /** The path as the spec names it (relative paths are the producer's). */
  path: string;
}

/** The file `spec` reads, or undefined when it reads none (a provider's model). Throws for an invalid chaos spec. */
export function modelSpecFile(spec: string): ModelSpecFile | undefined {
  const { provider, name } = parseModelSpec(spec);
  if (provider === 'scripted' || provider === 'replay' || provider === 'sim')
    return { prefix: `${provider}:`, path: name };
  if (provider !== 'chaos') return undefined;
  // The inner spec is the tail of the chaos spec; the environment's rate and seed do not move it.
  const { inner } = parseChaosSpec(name, {});
  const file = modelSpecFile(inner);
  return file && { prefix: spec.slice(0, spec.length - inner.length) + file.prefix, path: file.path };
}
