// Turns a model spec (`provider:name`) into a Model. The only place that knows every provider.
import { resolve } from 'node:path';
import { UserError } from '../errors.ts';
import type { ProviderOptions } from './provider-options.ts';
import type { Model, ModelContext, ReasoningEffort } from './types.ts';

export const MODEL_SPEC_HELP =
  'openai:<model>, openai-responses:<model>, anthropic:<model>, scripted:<script.yaml>, replay:<cassette.jsonl> or sim:<scenario.yaml> (sim-evolver: for the evolve agent)';

/** Every provider a spec may name (createModel's cases). */
export const MODEL_PROVIDERS: readonly string[] = [
  'openai',
  'openai-responses',
  'anthropic',
  'scripted',
  'replay',
  'sim',
  'sim-evolver',
  'chaos',
];

export interface CreateModelOptions extends ProviderOptions {
  /** A model spec that answers once this one fails with retries exhausted or is not found (fallback-model.ts). */
  fallback?: string;
  /** Record every completion of the model into this cassette (for later `replay:`). */
  recordTo?: string;
  /** Every request asks for this reasoning effort (a run's --reasoning-effort, over harness.yaml's). */
  reasoningEffort?: ReasoningEffort;
  /** Where the model is used (a trial, an evolve iteration): read by the simulator's models only. */
  context?: ModelContext;
}

export function parseModelSpec(spec: string): { provider: string; name: string } {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new UserError(`invalid model spec '${spec}': expected ${MODEL_SPEC_HELP}`);
  }
  return { provider: spec.slice(0, colon), name: spec.slice(colon + 1) };
}

export async function createModel(spec: string, options: CreateModelOptions = {}): Promise<Model> {
  if (options.fallback) {
    const { fallback, recordTo, ...rest } = options;
    const { withFallback } = await import('./fallback-model.ts');
    const model = withFallback(await createModel(spec, rest), await createModel(fallback, rest));
    // Both ask the run's effort; the pair says so too (traced at session start).
    if (rest.reasoningEffort) Object.assign(model, { reasoningEffort: rest.reasoningEffort });
    return recordTo ? (await import('./record-model.ts')).recordModel(model, recordTo) : model;
  }
  const { provider, name } = parseModelSpec(spec);
  let model: Model;
  // Each provider (and its SDK: openai, @anthropic-ai/sdk, the tokenizer) is imported when a spec names
  // it: a program that never calls an API does not pay for loading one (`ahe --help` starts fast).
  switch (provider) {
    case 'openai':
      model = (await import('./openai-model.ts')).createOpenAIModel(name, options);
      break;
    case 'openai-responses':
      model = (await import('./openai-responses-model.ts')).createOpenAIResponsesModel(name, options);
      break;
    case 'anthropic':
      model = (await import('./anthropic-model.ts')).createAnthropicModel(name, options);
      break;
    case 'scripted':
      model = await (await import('./scripted-model.ts')).createScriptedModel(resolve(name));
      break;
    case 'replay':
      model = await (await import('./replay-model.ts')).createReplayModel(resolve(name));
      break;
    case 'sim': // the simulator's coding agent (docs/evolution-cost.md)
      model = (await import('../sim/sim-model.ts')).createSimModel(resolve(name), options.context ?? {});
      break;
    case 'sim-evolver': // the simulator's evolve agent
      model = (await import('../sim/sim-model.ts')).createSimEvolverModel(resolve(name), options.context ?? {});
      break;
    case 'chaos': // fault injection around another spec (docs/models.md)
      model = await (await import('./chaos-model.ts')).createChaosModel(name, options.env, (inner) =>
        createModel(inner, { ...options, recordTo: undefined, reasoningEffort: undefined }),
      );
      break;
    default:
      throw new UserError(`unknown model provider '${provider}' in '${spec}': expected ${MODEL_SPEC_HELP}`);
  }
  if (options.recordTo) model = (await import('./record-model.ts')).recordModel(model, options.recordTo);
  // Imported here, not at the top: the CLI's option definitions read MODEL_SPEC_HELP from this module,
  // and `ahe --help` must not load the model layer.
  return options.reasoningEffort
    ? (await import('./reasoning-effort.ts')).withReasoningEffort(model, options.reasoningEffort)
    : model;
}
