// `ahe debug` and `ahe debug show` at work: the Agent Debugger's report of a job, and its evidence.
import { join, resolve } from 'node:path';
import { type DebugProgress, debugJob } from '../debugger/debug-job.ts';
import { showStep, showTask, showTrial } from '../debugger/show-evidence.ts';
import { UserError } from '../errors.ts';
import { createModel } from '../model/create-model.ts';
import { checkModelFlag } from '../model/model-file.ts';
import { loadPriceTable } from '../model/prices.ts';
import type { DebugFlags, ShowFlags } from './debug-command.ts';
import { interruptible } from './interruptible.ts';
import { formatCost, formatTokens } from './progress-view.ts';

function progressPrinter(stream: NodeJS.WriteStream, quiet?: boolean): (e: DebugProgress) => void {
  const live = stream.isTTY === true;
  let lastDigestLine = 0;
  return (e) => {
    if (quiet) return;
    if (e.phase === 'found') stream.write(`${e.trials} trials found\n`);
    else if (e.phase === 'digest') {
      // Plain output gets a line every 10% (and the last); a terminal gets one redrawn line.
      if (live) stream.write(`\rdigesting ${e.done}/${e.total}${e.done === e.total ? '\n' : ''}`);
      else if (e.done === e.total || Math.floor((e.done * 10) / e.total) > lastDigestLine) {
        lastDigestLine = Math.floor((e.done * 10) / e.total);
        stream.write(`digested ${e.done}/${e.total}\n`);
      }
    } else
      stream.write(
        `analysed ${e.done}/${e.total} ${e.task}${e.cached ? ' (cached)' : ''}${e.error ? ` — FAILED: ${e.error}` : ''}\n`,
      );
  };
}

export async function debugCommand(job: string, flags: DebugFlags): Promise<void> {
  if (flags.model && flags.llm === false) throw new UserError('give --model or --no-llm, not both');
  const jobDir = resolve(job);
  const outDir = resolve(flags.out ?? join(jobDir, 'debug'));
  const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
  if (flags.model) checkModelFlag(flags.model, '--model', 'other');
  const model = flags.model ? await createModel(flags.model, { prices, maxRetries: flags.maxRetries }) : undefined;
  if (!model && !flags.quiet)
    process.stderr.write('no --model: heuristic report only (signatures, clusters, timelines)\n');
  const { signal, dispose } = interruptible(process.stderr);
  try {
    const result = await debugJob({
      jobDir,
      outDir,
      model,
      all: flags.all,
      concurrency: flags.concurrency,
      promptTokens: flags.promptTokens,
      detailTokens: flags.detailTokens,
      signal,
      onProgress: progressPrinter(process.stderr, flags.quiet),
    });
    const r = result.report;
    const failing = Object.values(r.tasks).filter((t) => t.c < t.n).length;
    const partial = Object.values(r.tasks).filter((t) => t.partial).length;
    const out = process.stdout;
    out.write(
      `${r.job.n_tasks} tasks, ${r.job.n_trials} trials: ${failing} tasks with failures (${partial} partial-pass) · pass@1 ${(r.job.pass_at_1 * 100).toFixed(1)}%\n`,
    );
    for (const c of r.clusters.slice(0, 5)) out.write(`  ${c.id}: ${c.n_trials} trials in ${c.n_tasks} tasks\n`);
    if (model) {
      const l = result.ledger;
      out.write(
        `analyst ${model.spec}: ${l.calls} calls, ${l.cacheHits} cached, ${formatTokens(l.promptTokens)} prompt + ${formatTokens(l.completionTokens)} completion tokens, ${formatCost(l.costUsd, model.priced !== false)}${l.failures ? `, ${l.failures} tasks failed` : ''}\n`,
      );
    }
    out.write(
      `overview: ${join(outDir, 'overview.md')} (${result.written.overviewTokens} tokens)\nreport:   ${join(outDir, 'report.json')}\n`,
    );
    process.exitCode = Object.keys(result.analysisErrors).length > 0 ? 1 : 0;
  } finally {
    dispose();
  }
}

export async function showEvidence(job: string, task: string, flags: ShowFlags): Promise<void> {
  const jobDir = resolve(job);
  if (flags.step !== undefined && !flags.trial) throw new UserError('--step needs --trial');
  let text: string;
  if (flags.trial && flags.step !== undefined)
    text = await showStep(jobDir, task, flags.trial, flags.step, { raw: flags.raw });
  else if (flags.trial) text = await showTrial(jobDir, task, flags.trial, { raw: flags.raw });
  else text = await showTask(jobDir, task, flags.report ? resolve(flags.report) : undefined);
  process.stdout.write(`${text.trimEnd()}\n`);
}
