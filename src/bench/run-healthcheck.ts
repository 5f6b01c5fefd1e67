// A task's healthcheck (`[environment.healthcheck]`, `[steps.healthcheck]`), polled with Docker
// HEALTHCHECK's semantics as Harbor runs it: failures during the start period do not count; after it, the
// check fails once `retries` attempts in a row have failed. Time between attempts is slept, never measured.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Healthcheck } from './task.ts';
import type { TrialEnvironment } from './trial-context.ts';

export class HealthcheckError extends Error {
  override name = 'HealthcheckError';
}

/** Resolves once the command exits 0; throws HealthcheckError after `retries` consecutive failures. */
export async function runHealthcheck(
  { sandbox, env }: TrialEnvironment,
  check: Healthcheck,
  signal?: AbortSignal,
  clock: () => number = Date.now,
): Promise<void> {
  const startPeriodEnd = clock() + check.startPeriodSec * 1000;
  let failures = 0;
  for (;;) {
    const inStartPeriod = clock() < startPeriodEnd;
    const run = await sandbox.exec(check.command, { env, timeoutSec: check.timeoutSec, signal, maxOutputBytes: 4096 });
    if (run.exitCode === 0) return;
    signal?.throwIfAborted();
    if (!inStartPeriod) {
      failures += 1;
      if (failures >= check.retries) {
        const why = run.timedOut ? `timed out after ${check.timeoutSec}s` : `exit ${run.exitCode ?? 'by signal'}`;
        const said = (run.stderr || run.stdout).trim().slice(-300);
        throw new HealthcheckError(
          `healthcheck failed ${check.retries} time(s) in a row (${why}): ${check.command}${said ? `: ${said}` : ''}`,
        );
      }
    }
    await sleep((inStartPeriod ? check.startIntervalSec : check.intervalSec) * 1000, undefined, { signal });
  }
}
