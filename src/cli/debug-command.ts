// `ahe debug JOB`: the Agent Debugger's report of a job; `ahe debug show`: drill down to the evidence.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type DebugProgress, debugJob } from '../debugger/debug-job.ts';
import { showStep, showTask, showTrial } from '../debugger/show-evidence.ts';
import { UserError } from '../errors.ts';
import { createModel, MODEL_SPEC_HELP } from '../model/create-model.ts';
import { loadPriceTable } from '../model/prices.ts';
import { interruptible } from './eval-command.ts';
import {
  concurrency,
  existingDir,
  existingFile,
  nonNegativeInt,
  outputDir,
  positiveInt,
  retries,
} from './parse-options.ts';
import { formatCost, formatTokens } from './progress-view.ts';

interface DebugFlags {
  model?: string;
  llm: boolean;
  out?: string;
  all?: boolean;
  concurrency: number;
  promptTokens?: number;
  detailTokens?: number;
  prices?: string;
  maxRetries?: number;
  quiet?: boolean;
}

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

export function registerDebugCommands(program: Command): void {
  const debug = program
    .command('debug')
    .description("The Agent Debugger: distil a job's trials into overview.md, detail/<task>.md and report.json.")
    .argument(
      '<job>',
      "a job directory: ahe eval's, a Harbor job written by any agent, or a Terminal-Bench 1 run",
      existingDir,
    )
    .option('--model <spec>', `the analyst model (one call per task with failures): ${MODEL_SPEC_HELP}`)
    .option('--no-llm', 'heuristic report only: failure signatures, clusters, timelines (the default without --model)')
    .option('--out <dir>', 'where to write the report (default <job>/debug)', outputDir)
    .option('--all', 'analyse tasks where every attempt passed too (default: a one-line summary)')
    .option('--concurrency <n>', 'trials digested and tasks analysed at once', concurrency, 4)
    .option(
      '--prompt-tokens <n>',
      "token budget of one task's attempts in the analyst prompt (default 24000)",
      positiveInt,
    )
    .option('--detail-tokens <n>', 'token budget of each detail/<task>.md (default 6000)', positiveInt)
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one', existingFile)
    .option('--max-retries <n>', 'retries of a model call on 429, 5xx and network errors (default 4)', retries)
    .option('--quiet', 'no progress, only where the report is')
    .addHelpText(
      'after',
      `
Each trial is reduced to a digest (ANSI and progress redraws stripped, repeats folded, long outputs cut
to head and tail with byte counts, every command with its exit code, every error, the verifier's
failing tests); failed trials are classified into signatures (timeout, command not found, missing
dependency, wrong path, test assertion, loop, stopped early, …) and clustered across tasks. With
--model, one analyst call per task with failures answers root cause, pass vs fail, critical mistake,
a general harness-level mechanism and the component type to change; answers are cached by content,
so re-running costs nothing. overview.md stays under 10K tokens whatever the job size.

Examples:
  ahe debug jobs/2026-11-26__10-00-00 --no-llm
  ahe debug jobs/seed-holdout --model openai:gpt-5.4
  ahe debug show jobs/seed-holdout top-words --trial 2 --step 7 --raw`,
    )
    .action(async (job: string, flags: DebugFlags) => {
      if (flags.model && flags.llm === false) throw new UserError('give --model or --no-llm, not both');
      const jobDir = resolve(job);
      const outDir = resolve(flags.out ?? join(jobDir, 'debug'));
      const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
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
            `analyst ${model.spec}: ${l.calls} calls, ${l.cache_hits} cached, ${formatTokens(l.prompt_tokens)} prompt + ${formatTokens(l.completion_tokens)} completion tokens, ${formatCost(l.cost_usd, model.priced !== false)}${l.failures ? `, ${l.failures} tasks failed` : ''}\n`,
          );
        }
        out.write(
          `overview: ${join(outDir, 'overview.md')} (${result.written.overviewTokens} tokens)\nreport:   ${join(outDir, 'report.json')}\n`,
        );
        process.exitCode = Object.keys(result.analysisErrors).length > 0 ? 1 : 0;
      } finally {
        dispose();
      }
    });

  debug
    .command('show')
    .description("Drill down from the report to the evidence: a task's attempts, one trial's digest, one step.")
    .argument('<job>', 'the job directory', existingDir)
    .argument('<task>', 'the task name')
    .option('--trial <i>', 'attempt number (1-based, in trial order) or the trial name')
    .option('--step <n>', 'one step of that trial', nonNegativeInt)
    .option('--raw', 'the evidence as the trace holds it (full tool output, the ATIF step), not the cleaned digest')
    .option('--report <dir>', 'the report directory whose analysis to show (default <job>/debug)', existingDir)
    .action(
      async (job: string, task: string, flags: { trial?: string; step?: number; raw?: boolean; report?: string }) => {
        const jobDir = resolve(job);
        if (flags.step !== undefined && !flags.trial) throw new UserError('--step needs --trial');
        let text: string;
        if (flags.trial && flags.step !== undefined)
          text = await showStep(jobDir, task, flags.trial, flags.step, { raw: flags.raw });
        else if (flags.trial) text = await showTrial(jobDir, task, flags.trial, { raw: flags.raw });
        else text = await showTask(jobDir, task, flags.report ? resolve(flags.report) : undefined);
        process.stdout.write(`${text.trimEnd()}\n`);
      },
    );
}
