// `ahe worker`: process trials from a Redis queue (BullMQ) that `ahe eval --queue` / `ahe evolve
// --queue` fill. Thin: flags → startWorker; SIGTERM/SIGINT once finishes the running trials, twice
// returns them to the queue.
import { type Command, Option } from 'commander';
import type { BackendKind } from '../bench/run-trial.ts';
import { concurrency, lockMs } from './parse-options.ts';

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
    .requiredOption('--queue <url>', 'the Redis queue, redis://HOST:PORT')
    .option('--concurrency <n>', 'trials run at once by this worker', concurrency, 2)
    .addOption(
      new Option('--backend <kind>', "sandbox of the trials this worker takes (the producer's --backend must match)")
        .choices(['bwrap', 'podman', 'docker'])
        .default('bwrap'),
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
SIGTERM interrupts them and returns them to the queue. See docs/scale.md.

Example:
  ahe worker --queue redis://10.0.0.5:6379 --concurrency 8`,
    )
    .action(async (flags: WorkerFlags) => (await import('./worker-action.ts')).runWorker(flags));
}
