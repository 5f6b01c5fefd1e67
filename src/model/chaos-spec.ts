// Parsing of `chaos:<rate>[:seed=<n>][:faults=<a,b,…>]:<inner spec>` (the wrapper itself is chaos-model.ts).
// Kept apart from the wrapper, which loads the OpenAI SDK's error classes: reading a spec (e.g. to find
// the file it names) must not load a provider.
import { UserError } from '../errors.ts';

export const CHAOS_FAULTS = [
  'malformed_arguments',
  'unknown_tool',
  'empty_reply',
  'truncated',
  'rate_limited',
  'server_error',
  'timeout',
  'huge_content',
] as const;
export type ChaosFault = (typeof CHAOS_FAULTS)[number];

/** Seed when neither the spec nor the environment gives one. */
export const DEFAULT_CHAOS_SEED = 1;

export interface ChaosOptions {
  /** Probability, from 0 to 1, that a call is replaced by a fault. */
  rate: number;
  seed: number;
  /** The fault kinds drawn from (default: all of CHAOS_FAULTS). */
  faults: readonly ChaosFault[];
  /** How often each draw point was seen; shared by every chaos model of a process (see createModel). */
  draws?: Map<string, number>;
}

export interface ParsedChaosSpec {
  options: ChaosOptions;
  inner: string;
}

const HELP = 'chaos:<rate>[:seed=<n>][:faults=<kind,…>]:<inner spec>, e.g. chaos:0.1:scripted:script.yaml';

/**
 * Parses what follows `chaos:`. `AHE_CHAOS_SEED` gives the seed when the spec does not;
 * `AHE_CHAOS_RATE` overrides the rate of every chaos spec (e.g. 0 to resume a chaos run healthy).
 */
export function parseChaosSpec(rest: string, env: NodeJS.ProcessEnv = process.env): ParsedChaosSpec {
  const spec = `chaos:${rest}`;
  const fail = (why: string) => new UserError(`invalid model spec '${spec}': ${why} (expected ${HELP})`);
  const parts = rest.split(':');
  const specRate = parts.shift()!;
  const rateText = env.AHE_CHAOS_RATE?.trim() || specRate;
  const rate = Number(rateText);
  if (rateText === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw fail(
      `the rate must be a number from 0 to 1, got '${rateText}'${env.AHE_CHAOS_RATE?.trim() ? ' from AHE_CHAOS_RATE' : ''}`,
    );
  let seedText = env.AHE_CHAOS_SEED?.trim() || undefined;
  let seedFrom = 'AHE_CHAOS_SEED';
  let faults: readonly ChaosFault[] = CHAOS_FAULTS;
  while (parts.length && /^(seed|faults)=/.test(parts[0]!)) {
    const [key, value] = parts.shift()!.split('=') as [string, string];
    if (key === 'seed') [seedText, seedFrom] = [value, 'seed='];
    else {
      const names = value.split(',').filter(Boolean);
      const unknown = names.filter((n) => !(CHAOS_FAULTS as readonly string[]).includes(n));
      if (unknown.length || names.length === 0)
        throw fail(`unknown fault kind '${unknown[0] ?? ''}' in faults=; kinds are ${CHAOS_FAULTS.join(', ')}`);
      faults = names as ChaosFault[];
    }
  }
  const seed = seedText === undefined ? DEFAULT_CHAOS_SEED : /^\d+$/.test(seedText) ? Number(seedText) : NaN;
  if (!Number.isSafeInteger(seed)) throw fail(`${seedFrom} must be a non-negative integer, got '${seedText}'`);
  const inner = parts.join(':');
  if (!inner.includes(':')) throw fail(inner ? `'${inner}' is not a model spec` : 'the inner model spec is missing');
  return { options: { rate, seed, faults }, inner };
}
