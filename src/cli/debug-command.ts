// `ahe debug JOB`: the Agent Debugger's report of a job; `ahe debug show`: drill down to the evidence.
import type { Command } from 'commander';
import { MODEL_SPEC_HELP } from '../model/create-model.ts';
import {
  concurrency,
  existingDir,
  existingFile,
  modelSpec,
  nonNegativeInt,
  outputDir,
  positiveInt,
  retries,
} from './parse-options.ts';

export interface DebugFlags {
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

export interface ShowFlags {
  trial?: string;
  step?: number;
  raw?: boolean;
  report?: string;
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
    .option('--model <spec>', `the analyst model (one call per task with failures): ${MODEL_SPEC_HELP}`, modelSpec)
    .option('--no-llm', 'heuristic report only: failure signatures, clusters, timelines (the default without --model)')
    .option('--out <dir>', 'where to write the report (default <job>/debug)', outputDir)
    .option('--all', 'analyse tasks where every attempt passed too (default: a one-line summary)')
    .option(
      '--concurrency <n>',
      'trials digested and tasks analysed at once; more than the 2 trials of eval, as no sandbox runs here: only file reads and model calls',
      concurrency,
      4,
    )
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
    .addHelpText(
      'after',
      '\nExit codes: 0 the report is written; 1 it is written but the analysis of some tasks failed (named in\nthe report); 2 bad input.',
    )
    .action(async (job: string, flags: DebugFlags) => (await import('./debug-action.ts')).debugCommand(job, flags));

  debug
    .command('show')
    .description("Drill down from the report to the evidence: a task's attempts, one trial's digest, one step.")
    .argument('<job>', 'the job directory', existingDir)
    .argument('<task>', 'the task name')
    .option('--trial <i>', 'attempt number (1-based, in trial order) or the trial name')
    .option('--step <n>', 'one step of that trial', nonNegativeInt)
    .option('--raw', 'the evidence as the trace holds it (full tool output, the ATIF step), not the cleaned digest')
    .option('--report <dir>', 'the report directory whose analysis to show (default <job>/debug)', existingDir)
    .addHelpText('after', '\nExit codes: 0 shown; 2 bad input (no such task, trial or step).')
    .action(async (job: string, task: string, flags: ShowFlags) =>
      (await import('./debug-action.ts')).showEvidence(job, task, flags),
    );
}
