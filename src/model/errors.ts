// Errors of the model layer that are not the user's to act on. The user-facing family is in ../errors.ts.

/** A scripted model's conversation diverged from its script. */
export class ScriptDivergedError extends Error {
  override name = 'ScriptDivergedError';
}
