// `ahe worker`: process trials from a Redis queue (BullMQ) that `ahe eval --queue` / `ahe evolve
// --queue` fill. Thin: flags → startWorker; SIGTERM/SIGINT once finishes the running trials, twice
// returns them to the queue.
import { type Command, Option } from 'commander';
import type { BackendKind } from '../bench/run-trial.ts';
import { UserError } from '../errors.ts';
import { displayUrl } from '../queue/redis-connection.ts';
import { startWorker } from '../queue/run-worker.ts';
import { bwrapAvailable, bwrapInstallHint } from '../sandbox/bwrap-sandbox.ts';
import { concurrency, lockMs } from './parse-options.ts';

interface WorkerFlags {
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
    .action(async (flags: WorkerFlags) => {
      if (flags.backend === 'bwrap' && !bwrapAvailable()) throw new UserError(`--backend bwrap: ${bwrapInstallHint()}`);
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const worker = await startWorker({
        url: flags.queue,
        concurrency: flags.concurrency,
        backend: flags.backend,
        lockMs: flags.lockMs,
        log: flags.quiet ? () => undefined : log,
      });
      log(
        `ahe worker · ${displayUrl(flags.queue)} · concurrency ${flags.concurrency} · backend ${flags.backend} · pid ${process.pid}`,
      );
      let signals = 0;
      const onSignal = () => {
        signals += 1;
        if (signals === 1) {
          log(
            `stopping: finishing ${worker.running()} running trial(s), taking no new ones (signal again to return them to the queue)`,
          );
          void worker.stop(false);
        } else {
          log('stopping now: returning the running trials to the queue');
          void worker.stop(true);
        }
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await worker.closed;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log('worker closed');
    });
}
