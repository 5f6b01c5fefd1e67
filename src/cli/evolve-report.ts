// `ahe evolve` keeps RUN/report.html (the page `ahe report RUN` writes) up to date while the run goes on:
// rewritten after each completed step, and once more at the end. Best-effort: a write that fails prints
// one warning line and never stops the run. Writes never overlap (steps that complete during a write ask
// for one more after it), and once a write has taken longer than SLOW_WRITE_MS the report is only
// rewritten after whole iterations, so that it does not slow the run. The writer is loaded on first use
// (keeps `ahe evolve --help` light).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunState } from '../evolve/run-state.ts';

/** A write slower than this: from then on the report is rewritten only when an iteration ends. */
export const SLOW_WRITE_MS = 1000;

export interface ReportKeeper {
  /** RUN/report.html. */
  file: string;
  /** runEvolve's afterStep: rewrites the report (not awaited; the run does not wait for it). */
  afterStep(state: RunState): void;
  /** Waits for a write under way, then writes the report once more (the run's final state). */
  finish(): Promise<void>;
}

export interface KeepReportOptions {
  /** One line per problem (stderr). */
  warn: (line: string) => void;
  /** Test seam: the writer (default: src/report/write-report.ts's writeReportFile). */
  write?: (runDir: string, file: string) => Promise<unknown>;
  slowMs?: number;
}

async function defaultWrite(runDir: string, file: string): Promise<unknown> {
  const { writeReportFile } = await import('../report/write-report.ts');
  return writeReportFile([runDir], file);
}

export function keepReport(runDir: string, options: KeepReportOptions): ReportKeeper {
  const file = join(runDir, 'report.html');
  const write = options.write ?? defaultWrite;
  const slowMs = options.slowMs ?? SLOW_WRITE_MS;
  let running: Promise<void> | null = null;
  let again = false;
  let slow = false;
  let warned = false;

  const writeOnce = async (): Promise<void> => {
    // A run that never started (no state.json) has no report to write.
    if (!existsSync(join(runDir, 'state.json'))) return;
    const started = performance.now();
    try {
      await write(runDir, file);
    } catch (error) {
      if (!warned) {
        warned = true;
        const message = String((error as Error)?.message ?? error).split('\n')[0];
        options.warn(`ahe: warning: could not write ${file} (${message}); the run goes on without it`);
      }
    }
    if (performance.now() - started > slowMs) slow = true;
  };

  const request = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await writeOnce();
      } while (again);
    })().finally(() => {
      running = null;
    });
  };

  return {
    file,
    afterStep(state) {
      // An iteration has ended when the run is back at the first step of the next one.
      if (slow && state.step !== 'evaluate' && state.step !== 'done') return;
      request();
    },
    async finish() {
      again = false;
      while (running) await running;
      await writeOnce();
    },
  };
}
