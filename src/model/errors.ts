// Errors a user can act on. The CLI prints their message without a stack trace.

/** Base class for every error caused by the user's input or environment, not by a bug in ahe. */
export class UserError extends Error {
  override name = 'UserError';
  /** The CLI's exit status for it: 2, the user's input or setup is wrong. */
  readonly exitCode: number = 2;
}

/**
 * A run or job stopped before it was finished (a model that cannot be reached, an evaluation that stayed
 * incomplete): nothing was judged on partial data and resuming continues it. Exit status 1.
 */
export class RunStoppedError extends UserError {
  override name = 'RunStoppedError';
  override readonly exitCode: number = 1;
}

/** The provider rejected the credentials (missing key, HTTP 401/403); the message names the variable to set. */
export class ModelAuthError extends UserError {
  override name = 'ModelAuthError';
}

/** The provider could not be reached after all retries (connection refused, DNS failure, request timeout). */
export class ModelConnectionError extends UserError {
  override name = 'ModelConnectionError';
}

/** The provider does not know the model, or the base URL is not an API of this kind (HTTP 404). */
export class ModelNotFoundError extends UserError {
  override name = 'ModelNotFoundError';
}

/** The provider kept refusing after all retries (HTTP 429 or 5xx): overloaded, rate-limited or down. */
export class ModelUnavailableError extends UserError {
  override name = 'ModelUnavailableError';
}

/** The provider answered with something that is not a valid completion, or with a non-retryable error. */
export class ModelResponseError extends UserError {
  override name = 'ModelResponseError';
}

/** A scripted model's conversation diverged from its script. */
export class ScriptDivergedError extends Error {
  override name = 'ScriptDivergedError';
}

/**
 * Error names (an Error's `name`) that mean the model could not be used at all — the infrastructure
 * failed, not the agent. A trial ending on one of them measured nothing about the harness.
 */
export const INFRASTRUCTURE_ERRORS: readonly string[] = [
  ModelAuthError.name,
  ModelConnectionError.name,
  ModelNotFoundError.name,
  ModelUnavailableError.name,
];

/** Whether an error (or an error's `name`) is an infrastructure failure rather than the agent's. */
export function isInfrastructureError(error: unknown): boolean {
  const name = typeof error === 'string' ? error : error instanceof Error ? error.name : undefined;
  return name !== undefined && INFRASTRUCTURE_ERRORS.includes(name);
}
