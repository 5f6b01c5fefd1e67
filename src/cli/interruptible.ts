// Ctrl-C (or SIGTERM) once stops a long command cleanly through an AbortSignal; twice quits at once.
// Every command that can be stopped (`ahe run`, `eval`, `evolve`, `debug`, `tasks check`) uses this one
// handler; each says in its own words what stopping cleanly keeps.
/** The exit status of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** What a job command says when interrupted: running trials are torn down and stay unfinished. */
export const JOB_INTERRUPTED =
  'tearing down running trials; finished trials are kept (run the same command again to resume; Ctrl-C again to quit at once)';

/**
 * The first Ctrl-C or SIGTERM aborts the returned signal and prints `ahe: interrupted — <what>`; a
 * second one exits at once with INTERRUPTED_EXIT. `dispose` removes the handlers.
 */
export function interruptible(
  err: NodeJS.WriteStream,
  what: string = JOB_INTERRUPTED,
): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  let count = 0;
  const onSignal = () => {
    count += 1;
    if (count > 1) process.exit(INTERRUPTED_EXIT);
    err.write(`\nahe: interrupted — ${what}\n`);
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
