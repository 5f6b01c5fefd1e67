// `ahe worker` at work: starts a BullMQ worker on the queue and stops it on SIGTERM/SIGINT.
import { displayUrl } from '../display-url.ts';
import { startWorker } from '../queue/run-worker.ts';
import { checkBackend } from './check-backend.ts';
import type { WorkerFlags } from './worker-command.ts';

export async function runWorker(flags: WorkerFlags): Promise<void> {
  await checkBackend(flags.backend);
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
}
