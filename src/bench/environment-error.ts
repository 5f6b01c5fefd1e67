// The error of a trial's environment that could not be prepared (src/bench/prepare-environment.ts).

/** A trial's environment could not be prepared; `type` is the exception type recorded in result.json. */
export class EnvironmentError extends Error {
  constructor(
    readonly type: 'EnvironmentNotSatisfiableError' | 'EnvironmentSetupError' | 'EnvironmentSetupTimeoutError',
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}
