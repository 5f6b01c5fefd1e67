// Ctrl-C (or SIGTERM) once stops a long command cleanly through an AbortSignal; twice quits at once.
/** The exit status of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** Ctrl-C (or SIGTERM) stops the job cleanly: running trials are torn down and stay unfinished. */
export function interruptible(err: NodeJS.WriteStream): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  let count = 0;
  const onSignal = () => {
    count += 1;
    if (count > 1) process.exit(INTERRUPTED_EXIT);
    err.write(
      '\nahe: interrupted — tearing down running trials; finished trials are kept (run the same command again to resume; Ctrl-C again to quit at once)\n',
    );
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
