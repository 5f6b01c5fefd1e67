// Reasoning effort per provider: which levels each provider accepts and the setting a level becomes
// (the table in docs/models.md). One place, so every provider refuses an unsupported level the same way.
import { UserError } from '../errors.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from './reasoning-levels.ts';
import type { Model } from './types.ts';
import { wrapModel } from './wrap-model.ts';

/**
 * Anthropic extended thinking: `thinking.budget_tokens` for each level. Anthropic's smallest budget is
 * 1024 tokens, so it has no `minimal` level (leave the effort unset to turn thinking off).
 */
const ANTHROPIC_BUDGETS: Partial<Record<ReasoningEffort, number>> = {
  low: 1024,
  medium: 4096,
  high: 16_384,
  xhigh: 32_768,
};

/** The levels each provider accepts. OpenAI sends the level itself (`reasoning_effort` / `reasoning.effort`). */
export const SUPPORTED_EFFORTS: Readonly<Record<string, readonly ReasoningEffort[]>> = {
  openai: REASONING_EFFORTS,
  'openai-responses': REASONING_EFFORTS,
  anthropic: REASONING_EFFORTS.filter((l) => ANTHROPIC_BUDGETS[l] !== undefined),
};

/**
 * Fails with an error naming the provider when it does not support the level; returns the level
 * (unset stays unset). Providers not in the table (scripted, replay) ignore reasoning effort.
 */
export function checkReasoningEffort(
  provider: string,
  level: ReasoningEffort | undefined,
): ReasoningEffort | undefined {
  if (level === undefined) return undefined;
  const supported = SUPPORTED_EFFORTS[provider];
  if (!supported) return level;
  if (!supported.includes(level))
    throw new UserError(
      `reasoning effort '${level}' is not supported by provider '${provider}': use one of ${supported.join(', ')}` +
        (provider === 'anthropic' && level === 'minimal'
          ? ' (Anthropic thinking needs at least 1024 tokens; leave the effort unset to turn thinking off)'
          : ''),
    );
  return level;
}

/** Anthropic `thinking.budget_tokens` for a level (an error naming anthropic for a level it does not support). */
export function anthropicThinkingBudget(level: ReasoningEffort): number {
  checkReasoningEffort('anthropic', level);
  return ANTHROPIC_BUDGETS[level] as number;
}

/**
 * A run's `--reasoning-effort`: every request of the model asks for this level, whatever the harness
 * says. Checked now, so an unsupported level fails before the first trial, naming the provider.
 */
export function withReasoningEffort(model: Model, level: ReasoningEffort): Model {
  checkReasoningEffort(model.provider, level);
  const wrapped = wrapModel(model, (request, signal) => model.complete({ ...request, reasoningEffort: level }, signal));
  return Object.assign(wrapped, { reasoningEffort: level });
}
