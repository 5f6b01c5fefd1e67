// Progress of a job on stderr: a line per finished trial, plus (on a TTY) a status bar with
// done/total, passes so far, tokens, cost and ETA that keeps ticking while trials run.
import type { JobEvent } from '../bench/run-job.ts';
import { formatCost, formatTokens } from './progress-view.ts';

export interface JobProgress {
  onEvent(event: JobEvent): void;
  stop(): void;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  if (sec < 10) return `${sec.toFixed(1)}s`;
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createJobProgress(
  stream: NodeJS.WriteStream,
  options: { costKnown?: boolean; quiet?: boolean; clock?: () => number } = {},
): JobProgress {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const live = stream.isTTY === true && !options.quiet;
  let total = 0;
  let done = 0;
  let ranNow = 0;
  let passed = 0;
  let running = 0;
  let tokensDone = 0;
  let costDone = 0;
  const liveUsage = new Map<string, { tokens: number; costUsd: number }>();
  let statusShown = false;

  const clear = () => {
    if (statusShown) stream.write('\r\x1b[K');
    statusShown = false;
  };
  const status = () => {
    const tokens = tokensDone + [...liveUsage.values()].reduce((a, u) => a + u.tokens, 0);
    const cost = costDone + [...liveUsage.values()].reduce((a, u) => a + u.costUsd, 0);
    const elapsed = (clock() - started) / 1000;
    const eta = ranNow > 0 ? (elapsed / ranNow) * (total - done) : NaN;
    const width = 20;
    const filled = total ? Math.round((done / total) * width) : 0;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    return `${bar} ${done}/${total} · pass ${passed}/${done} · ${running} running · ${formatTokens(tokens)} tok · ${formatCost(cost, options.costKnown ?? true)} · ${formatDuration(elapsed)} · ETA ${done === total ? '0s' : formatDuration(eta)}`;
  };
  const draw = () => {
    if (!live) return;
    clear();
    stream.write(status());
    statusShown = true;
  };
  const timer = live ? setInterval(draw, 1000) : undefined;
  timer?.unref();
  const line = (text: string) => {
    if (options.quiet) return;
    clear();
    stream.write(`${text}\n`);
    draw();
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'planned':
          total = event.total;
          done = event.alreadyDone;
          passed = event.alreadyPassed;
          line(
            event.alreadyDone
              ? `${event.alreadyDone} of ${event.total} trials already finished, ${event.toRun} to run`
              : `${event.total} trials to run`,
          );
          break;
        case 'trial-start':
          running += 1;
          draw();
          break;
        case 'trial-usage':
          liveUsage.set(event.trial, { tokens: event.tokens, costUsd: event.costUsd });
          break;
        case 'trial-done': {
          running -= 1;
          done += 1;
          ranNow += 1;
          liveUsage.delete(event.trial);
          const r = event.result;
          const reward = r.verifier_result?.rewards.reward;
          if (r.ahe?.passed) passed += 1;
          tokensDone += (r.agent_result?.n_input_tokens ?? 0) + (r.agent_result?.n_output_tokens ?? 0);
          costDone += r.agent_result?.cost_usd ?? 0;
          const mark = r.ahe?.passed ? 'pass' : 'FAIL';
          const why = r.exception_info
            ? ` · ${r.exception_info.exception_type}: ${r.exception_info.exception_message.split('\n')[0]!.slice(0, 160)}`
            : '';
          line(
            `${mark} ${event.trial} · reward ${reward ?? 'none'} · ${formatDuration(r.ahe?.wall_sec ?? 0)}${why}${live ? '' : ` · ${done}/${total} done, ${passed} passed`}`,
          );
          break;
        }
        case 'trial-crashed':
          running -= 1;
          liveUsage.delete(event.trial);
          line(
            `ERROR ${event.trial}: ahe failed running it (${event.error.message}); it stays unfinished and runs again on resume`,
          );
          break;
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      clear();
    },
  };
}
