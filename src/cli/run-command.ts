// `ahe run`: one agent session on the host, with a live progress view and its traces written to --out.
import { type Command, Option } from 'commander';
import { MODEL_SPEC_HELP } from '../model/create-model.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from '../model/reasoning-levels.ts';
import {
  existingDir,
  existingFile,
  modelSpec,
  outputDir,
  outputFile,
  positiveInt,
  retries,
  seconds,
  steps,
  usd,
} from './parse-options.ts';
import { requireOptions } from './required-options.ts';

export interface RunFlags {
  harness: string;
  model: string;
  instruction?: string;
  instructionFile?: string;
  workdir: string;
  out?: string;
  maxSteps?: number;
  timeout?: number;
  maxTokens?: number;
  maxCostUsd?: number;
  record?: string;
  prices?: string;
  maxRetries?: number;
  fallbackModel?: string;
  reasoningEffort?: ReasoningEffort;
  quiet?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'Run one agent session on the host: the harness drives the model until it stops calling tools or a limit hits.',
    )
    .option('--harness <dir>', 'harness directory (required; see `ahe harness init`)', existingDir)
    .option('--model <spec>', `model (required): ${MODEL_SPEC_HELP}`, modelSpec)
    .option('--instruction <text>', 'the task for the agent')
    .option('--instruction-file <file>', "read the task from a file (e.g. a task's instruction.md)", existingFile)
    .option(
      '--workdir <dir>',
      'directory the agent works in (commands run here, on the host, without isolation)',
      existingDir,
      '.',
    )
    .option(
      '--out <dir>',
      'where to write events.jsonl, trajectory.json, tool-outputs/ and result.json (default runs/run-<time>)',
      outputDir,
    )
    .option('--max-steps <n>', 'override the harness limit on model calls', steps)
    .option(
      '--timeout <sec>',
      "override the harness wall-time limit (eval and evolve use each task's timeouts, scaled by --timeout-multiplier)",
      seconds,
    )
    .option('--max-tokens <n>', 'stop once the session used this many tokens (prompt + completion)', positiveInt)
    .option('--max-cost-usd <x>', 'stop once the session cost this much (not enforceable at an unknown price)', usd)
    .option(
      '--record <cassette>',
      'record every model completion to a cassette, replayable offline with --model replay:<cassette>',
      outputFile,
    )
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one', existingFile)
    .option('--max-retries <n>', 'retries of a model call on 429, 5xx and network errors (default 4)', retries)
    .option(
      '--fallback-model <spec>',
      'a model that takes over for the rest of a session once the model fails with retries exhausted or is not found (docs/models.md)',
      modelSpec,
    )
    .addOption(
      new Option(
        '--reasoning-effort <level>',
        "reasoning effort of every model call, over harness.yaml's (docs/models.md)",
      ).choices(REASONING_EFFORTS),
    )
    .option('--quiet', 'no progress view, only the final summary')
    .addHelpText(
      'after',
      `
The agent runs commands directly on this machine in --workdir (the host sandbox: no isolation).
Exit codes: 0 the agent finished, 1 the session failed (model or setup error), 3 a limit was hit
(steps, time, tokens, cost) or the model's reply was cut off, 130 interrupted (Ctrl-C; traces are kept),
2 bad input.`,
    )
    .action(async (flags: RunFlags, command: Command) => {
      requireOptions(command, 'harness', 'model');
      process.exitCode = await (await import('./run-action.ts')).runAgentSession(flags);
    });
}
