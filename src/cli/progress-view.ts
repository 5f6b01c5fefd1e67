// A live, readable view of an agent session on stderr: one line per tool call, plus (on a TTY)
// a status line that keeps ticking while the model thinks.
import type { AgentProgress } from '../agent/run-agent.ts';
import { formatUsd } from '../model/prices.ts';

export interface ProgressView {
  update(progress: AgentProgress): void;
  stop(): void;
}

export function formatTokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

export function formatCost(usd: number, known = true): string {
  return formatUsd(known ? usd : null);
}

export function createProgressView(
  stream: NodeJS.WriteStream,
  options: { maxSteps: number; costKnown?: boolean; clock?: () => number },
): ProgressView {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const live = stream.isTTY === true;
  let last: AgentProgress | undefined;
  let statusShown = false;

  const totals = (p: AgentProgress) =>
    `${formatTokens(p.usage.promptTokens + p.usage.completionTokens)} tok · ${formatCost(p.costUsd, options.costKnown ?? true)} · ${Math.round((clock() - started) / 1000)}s`;
  const clearStatus = () => {
    if (statusShown) stream.write('\r\x1b[K');
    statusShown = false;
  };
  const drawStatus = () => {
    if (!live || !last || last.phase !== 'model') return;
    clearStatus();
    const who = last.depth > 0 ? '  sub-agent ' : '';
    stream.write(`${who}step ${last.step}/${options.maxSteps} · waiting for the model · ${totals(last)}`);
    statusShown = true;
  };
  const timer = live ? setInterval(drawStatus, 1000) : undefined;
  timer?.unref();

  return {
    update(progress) {
      last = progress;
      if (progress.phase === 'tool') {
        clearStatus();
        const indent = '  '.repeat(progress.depth);
        stream.write(
          `${indent}step ${progress.step} · ${progress.tool}${progress.detail ? `: ${progress.detail}` : ''} · ${totals(progress)}\n`,
        );
      } else if (progress.phase === 'model') {
        drawStatus();
      } else if (progress.depth === 0) {
        clearStatus();
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      clearStatus();
    },
  };
}
