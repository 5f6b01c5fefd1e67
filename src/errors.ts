// The error family a user sees: errors caused by the user's input or environment (the CLI prints their
// message without a stack trace and exits with their status), and the one interruption error.

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

/**
 * The provider rejected the request as longer than the model's context window (OpenAI
 * `context_length_exceeded`, Anthropic's "prompt is too long"). The agent runtime compacts the
 * conversation and retries once; elsewhere it is a response error like any other.
 */
export class ModelContextOverflowError extends ModelResponseError {
  override name = 'ModelContextOverflowError';
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

/**
 * Work was interrupted (Ctrl-C, SIGTERM, an abort signal) before it finished: it has no result and runs again on
 * resume. One class for every layer, so callers test `instanceof InterruptedError` rather than a message.
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  /** @param what what was interrupted, e.g. a trial's name; the message is "<what> interrupted". */
  constructor(what = 'work') {
    super(`${what} interrupted`);
  }
}
