// `ahe eval`: run an agent on benchmark tasks (tasks × k trials) into a Harbor-layout job directory,
// with live progress and a final summary. Re-running into the same --out resumes the job.
import { type Command, Option } from 'commander';
import type { AgentKind, BackendKind } from '../bench/trial-context.ts';
import { MODEL_SPEC_HELP } from '../model/create-model.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from '../model/reasoning-levels.ts';
import {
  attempts,
  concurrency,
  existingDir,
  existingFile,
  modelSpec,
  outputDir,
  positiveInt,
  retries,
  steps,
  timeoutMultiplier,
} from './parse-options.ts';
import { addTaskSelectionOptions, backendOption, type SelectionFlagValues } from './task-options.ts';

export interface EvalFlags extends SelectionFlagValues {
  /** Required, except with --resume (the job's own then). */
  tasks: string;
  agent: AgentKind;
  harness?: string;
  model?: string;
  k: number;
  concurrency: number;
  backend: BackendKind;
  out?: string;
  /** `--resume JOB` gives the job directory; `--resume` alone continues --out or the newest job. */
  resume?: string | true;
  timeoutMultiplier?: number;
  maxSteps?: number;
  maxTokens?: number;
  prices?: string;
  maxRetries?: number;
  fallbackModel?: string;
  reasoningEffort?: ReasoningEffort;
  quiet?: boolean;
  skipInvalidTasks?: boolean;
  maxInfraFailures?: number;
  envCache?: boolean;
  queue?: string;
  rebuild?: boolean;
}

export function registerEvalCommand(program: Command): void {
  const command = program
    .command('eval')
    .description(
      'Evaluate an agent on benchmark tasks: tasks × k trials in sandboxes, into a Harbor-layout job directory with pass@k and confidence intervals.',
    )
    .option(
      '--tasks <dir>',
      "a directory of tasks (Harbor / Terminal-Bench 2 or Terminal-Bench 1), or one task (required, except with --resume: the job's own)",
      existingDir,
    );
  addTaskSelectionOptions(command)
    .addOption(
      new Option(
        '--agent <kind>',
        "harness: our agent with --harness and --model; oracle: the task's solution; noop: does nothing",
      )
        .choices(['harness', 'oracle', 'noop'])
        .default('harness'),
    )
    .option('--harness <dir>', 'harness directory (with --agent harness)', existingDir)
    .option('--model <spec>', `model (with --agent harness): ${MODEL_SPEC_HELP}`, modelSpec)
    .option('-k, --k <n>', 'attempts per task', attempts, 1)
    .option(
      '--concurrency <n>',
      'trials run at once (the same default as tasks check, worker and evolve)',
      concurrency,
      2,
    )
    .addOption(backendOption())
    .option('--rebuild', 'with --backend podman/docker/image: build every task image again, ignoring the image cache')
    .option('--out <dir>', 'job directory (default jobs/<time>); an existing job there is resumed', outputDir)
    .option(
      '--resume [job]',
      'continue an existing job, never start one: the job in JOB, else in --out, else the newest under ./jobs (fails when there is none)',
      existingDir,
    )
    .option(
      '--timeout-multiplier <x>',
      'scale every task timeout: agent, verifier, build (default 1)',
      timeoutMultiplier,
    )
    .option('--max-steps <n>', 'override the harness limit on model calls per trial', steps)
    .option('--max-tokens <n>', 'stop a trial once it used this many tokens', positiveInt)
    .option('--prices <file>', 'YAML/JSON price table (USD per 1M tokens) merged over the built-in one', existingFile)
    .option('--max-retries <n>', 'retries of a model call on 429, 5xx and network errors (default 4)', retries)
    .option(
      '--fallback-model <spec>',
      "a model that takes over for the rest of a trial's session once the model fails with retries exhausted or is not found (docs/models.md)",
      modelSpec,
    )
    .addOption(
      new Option(
        '--reasoning-effort <level>',
        "reasoning effort of the coding agent's model calls, over harness.yaml's (docs/models.md)",
      ).choices(REASONING_EFFORTS),
    )
    .option(
      '--no-env-cache',
      "build every trial's environment from its Dockerfile (default: reuse the first build of a task, like an image)",
    )
    .option(
      '--max-infra-failures <n>',
      'stop the job after this many trials in a row could not use the model (unreachable, rejected key, unknown model; default 5)',
      positiveInt,
    )
    .option(
      '--skip-invalid-tasks',
      'run the tasks that load and report the others (default: a task that cannot be loaded fails the command)',
    )
    .option('--quiet', 'no progress, only the final summary')
    .option(
      '--queue <url>',
      'run the trials on `ahe worker` processes through this Redis queue (redis://HOST:PORT); see docs/scale.md',
    )
    .addHelpText(
      'after',
      `
A trial: fresh sandbox → /app built from the task's environment/Dockerfile → agent (agent timeout;
a timeout is recorded and the verifier still runs) → tests copied to /tests → verifier (verifier
timeout) → reward from /logs/verifier/reward.json or reward.txt → teardown. A pass is reward ≥ 1.

The job directory follows Harbor's layout: config.json, result.json (Harbor's keys plus n_tasks, k,
pass_at_1, pass_at_k, stderr, ci95, tasks, tokens, cost_usd, wall_sec, exceptions) and one
<task>__<attempt>/ directory per trial (config.json, result.json, trial.log, agent/, verifier/).
Every file is written atomically; re-running the same command (same --out) continues the job and
never re-runs a finished trial, also after kill -9. --resume says so explicitly and fails when there
is no job to continue (as on ahe evolve). See docs/jobs.md.

Exit codes: 0 the job ran (whatever the pass rate), 1 ahe failed on some trials or the job stopped
after --max-infra-failures trials in a row could not use the model (they stay unfinished; run again
to resume), 130 interrupted (finished trials kept), 2 bad input (also a task that cannot be loaded,
unless --skip-invalid-tasks, and a job in --out run with other settings).

Task selection: --task keeps the named tasks (names or globs; default all), --exclude then leaves some
out, --n-tasks N then keeps a deterministic sample of N of the rest (--sample-seed S, default 0: the
same S gives the same tasks). A name that is not in --tasks, a glob that matches nothing, or a
selection that leaves no task is refused. The selection is recorded in the job's config.json; a job
continued with another selection is refused, listing what differs.

Examples:
  ahe eval --tasks tasks/train --agent oracle
  ahe eval --tasks tasks/train --agent oracle --exclude 'csv-*' --n-tasks 5 --sample-seed 7 --backend podman
  ahe eval --tasks tasks/holdout --harness harnesses/seed --model openai:gpt-5.4 -k 2 --concurrency 8 --out jobs/seed-holdout`,
    )
    .action(async (flags: EvalFlags, command: Command) =>
      (await import('./eval-action.ts')).evalCommand(flags, command),
    );
}
