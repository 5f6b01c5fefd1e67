// `ahe worker`: process trials from a Redis queue (BullMQ) that `ahe eval --queue` / `ahe evolve
// --queue` fill. Thin: flags → startWorker; SIGTERM/SIGINT once finishes the running trials, twice
// returns them to the queue.
import type { Command } from 'commander';
import type { BackendKind } from '../bench/trial-context.ts';
import { concurrency, lockMs } from './parse-options.ts';
import { requireOptions } from './required-options.ts';
import { BACKEND_HELP, backendOption } from './task-options.ts';

export interface WorkerFlags {
  queue: string;
  concurrency: number;
  backend: BackendKind;
  lockMs?: number;
  quiet?: boolean;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'Run trials from a Redis queue filled by `ahe eval --queue` or `ahe evolve --queue` (one or many workers, on any machine that reaches Redis).',
    )
    .option('--queue <url>', 'the Redis queue, redis://HOST:PORT (required)')
    .option('--concurrency <n>', 'trials run at once by this worker', concurrency, 2)
    .addOption(
      backendOption(
        `sandbox of the trials this worker takes: it takes only trials of producers with the same --backend (${BACKEND_HELP})`,
      ),
    )
    .option(
      '--lock-ms <n>',
      "lock of a running trial (renewed at half of it); a killed worker's trials go to another worker after about this long",
      lockMs,
      30_000,
    )
    .option('--quiet', 'no log line per trial')
    .addHelpText(
      'after',
      `
Tasks, harnesses and scripted-model files arrive through Redis (content-addressed, cached under
$AHE_CACHE_DIR/ahe/queue-blobs); trial files go back through Redis to the producer, which writes the
job directory. API keys (OPENAI_API_KEY, ANTHROPIC_API_KEY, …) come from this worker's environment
and never travel through Redis. SIGTERM: stop taking trials and finish the running ones; a second
SIGTERM interrupts them and returns them to the queue. Each backend has its own queue: a worker
started with --backend podman takes only the trials of \`ahe eval/evolve --queue … --backend podman\`,
so a trial never reaches a worker that cannot run it. See docs/scale.md.

Examples:
  ahe worker --queue redis://10.0.0.5:6379 --concurrency 8
  ahe worker --queue redis://10.0.0.5:6379 --backend docker`,
    )
    .addHelpText('after', '\nExit codes: 0 stopped with Ctrl-C; 2 bad input or Redis cannot be reached.')
    .action(async (flags: WorkerFlags, command: Command) => {
      requireOptions(command, 'queue');
      await (await import('./worker-action.ts')).runWorker(flags);
    });
}
