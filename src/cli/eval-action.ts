// `ahe eval` at work: checks the flags against the machine, runs (or resumes) the job, prints its summary.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { requestImageRebuild } from '../bench/container-image.ts';
import { describeMissingTrials, fallbackShare, type JobResult } from '../bench/job-summary.ts';
import { replacedTrialsSpend } from '../bench/keep-replaced-trial.ts';
import { loadTaskSuite, type TaskProblem } from '../bench/load-task.ts';
import { type JobConfig, type JobOutcome, runJob } from '../bench/run-job.ts';
import type { AgentKind, TrialAgent } from '../bench/run-trial.ts';
import { describeSelection, selectionFrom, selects, selectTasks, type TaskSelection } from '../bench/select-tasks.ts';
import type { Task } from '../bench/task.ts';
import { displayUrl } from '../display-url.ts';
import { UserError } from '../errors.ts';
import { loadHarness } from '../harness/load-harness.ts';
import { createModel } from '../model/create-model.ts';
import { checkModelFlag } from '../model/model-file.ts';
import { loadPriceTable } from '../model/prices.ts';
import type { ReasoningEffort } from '../model/types.ts';
import { openTrialQueue } from '../queue/enqueue-job.ts';
import { shownModel } from '../report/shown.ts';
import { createCgroup } from '../sandbox/cgroup-limits.ts';
import { followAlongUrl } from '../serve/find-server.ts';
import { checkBackend } from './check-backend.ts';
import type { EvalFlags } from './eval-command.ts';
import { INTERRUPTED_EXIT, interruptible } from './interruptible.ts';
import { createJobProgress, formatDuration } from './job-progress.ts';
import { formatCost, formatTokens } from './progress-view.ts';
import { table } from './table.ts';

/** Exit codes of `ahe eval`: the job ran (whatever the pass rate), ahe failed on some trials, interrupted. */
export const EVAL_EXIT = { done: 0, trialErrors: 1, aborted: INTERRUPTED_EXIT } as const;

const timestamp = (d = new Date()) => d.toISOString().replace(/\..*/, '').replace('T', '__').replace(/:/g, '-');

function latestJob(root: string): string | undefined {
  if (!existsSync(root)) return undefined;
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((dir) => existsSync(join(dir, 'config.json')))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

export const describeTaskProblem = (p: TaskProblem) => `${p.path}: ${p.field ? `${p.field}: ` : ''}${p.message}`;

/**
 * A task that cannot be loaded fails the command (naming its file and field): a suite silently
 * missing a task would report a pass rate over fewer tasks than the user asked for. With
 * `skip` (--skip-invalid-tasks) the broken tasks are reported and left out.
 */
export function refuseInvalidTasks(
  flag: string,
  dir: string,
  problems: TaskProblem[],
  skip: boolean | undefined,
  warn: (line: string) => void,
): void {
  if (problems.length === 0) return;
  if (skip) {
    for (const p of problems) warn(`skipped ${describeTaskProblem(p)}`);
    return;
  }
  const list = problems.map((p) => `  ${describeTaskProblem(p)}`).join('\n');
  throw new UserError(
    `${flag} ${dir}: ${problems.length} task${problems.length > 1 ? 's' : ''} cannot be loaded (fix ${problems.length > 1 ? 'them' : 'it'}, or pass --skip-invalid-tasks to run the others):\n${list}`,
  );
}

/**
 * The tasks to run: the suite, narrowed by the selection (src/bench/select-tasks.ts); a broken task
 * fails the command unless `skipInvalid` or the selection names its tasks with --task (a broken other
 * task is then a note).
 */
export function loadSelectedTasks(
  tasksDir: string,
  selection: TaskSelection,
  warn: (line: string) => void,
  skipInvalid?: boolean,
): Task[] {
  const suite = loadTaskSuite(tasksDir);
  refuseInvalidTasks('--tasks', tasksDir, suite.problems, skipInvalid || selection.include.length > 0, warn);
  return selectTasks(suite.tasks, selection, { dir: tasksDir });
}

/**
 * The job --resume continues (the same meaning as on `ahe evolve`: an existing job, never a new one):
 * `--resume JOB`, else `--out`, else the newest job under ./jobs. Undefined without --resume.
 */
function resumedJobDir(flags: EvalFlags): string | undefined {
  if (!flags.resume) return undefined;
  const given = typeof flags.resume === 'string' ? resolve(flags.resume) : undefined;
  if (given && flags.out && resolve(flags.out) !== given)
    throw new UserError(
      `--out ${flags.out} with --resume ${flags.resume}: a resumed job stays in its directory; drop --out`,
    );
  const jobDir = given ?? (flags.out ? resolve(flags.out) : latestJob(resolve('jobs')));
  if (!jobDir) throw new UserError('--resume: no job found under ./jobs; give it: --resume JOB_DIR');
  if (!existsSync(join(jobDir, 'config.json')))
    throw new UserError(`--resume ${jobDir}: not an ahe eval job (no config.json); drop --resume to start one there`);
  return jobDir;
}

/**
 * A job or run goes into a new or empty directory, or continues its own (`isOwn`): writing into a
 * directory that holds something else (a harness, a task suite, a home directory) would mix files and
 * change what was there.
 */
export function refuseForeignDir(flag: string, dir: string, isOwn: boolean): void {
  if (isOwn || !existsSync(dir)) return;
  const entries = readdirSync(dir).filter((name) => !name.startsWith('.'));
  if (entries.length === 0) return;
  throw new UserError(
    `${flag} ${dir} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}) and holds no ahe job or run: choose a new or empty directory`,
  );
}

export interface EvalRun {
  outcome: JobOutcome;
  jobDir: string;
  crashed: number;
  /** False when the model's price is unknown: the job's cost then reads `$?`, never $0. */
  costKnown: boolean;
}

/** Runs one job as `ahe eval` does (also used by `ahe tasks check`). */
export async function runEval(
  flags: EvalFlags,
  io: { err: NodeJS.WriteStream; signal?: AbortSignal; tasks?: Task[] },
): Promise<EvalRun> {
  const tasksDir = resolve(flags.tasks);
  if (!existsSync(tasksDir)) throw new UserError(`--tasks: ${tasksDir} does not exist`);
  const selection = selectionFrom(flags);
  // With --queue the workers run the trials, and check their own backend.
  if (!flags.queue) await checkBackend(flags.backend);
  if (flags.rebuild) requestImageRebuild();
  if ((flags.backend === 'bwrap' || flags.backend === 'image') && !flags.quiet && !flags.queue) {
    const probe = createCgroup(`ahe-probe-${process.pid}`, { pidsMax: 64 });
    probe.remove();
    if (probe.kind === 'none')
      io.err.write(
        `ahe: warning: no process/memory limits in the sandboxes (${probe.reason}); time limits still apply\n`,
      );
  }
  const agent: TrialAgent = { kind: flags.agent };
  let costKnown = true;
  if (flags.agent === 'harness') {
    if (!flags.harness || !flags.model)
      throw new UserError('--agent harness needs --harness DIR and --model SPEC (or use --agent oracle / noop)');
    agent.harness = await loadHarness(resolve(flags.harness), {
      onComponentLog: (file, level, message) => io.err.write(`[${file} ${level}] ${message}\n`),
    });
    const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
    const spec = flags.model;
    checkModelFlag(spec, '--model', 'trial');
    if (flags.fallbackModel) checkModelFlag(flags.fallbackModel, '--fallback-model', 'trial');
    // Fail on a bad spec or a missing key now, not once per trial.
    const modelOptions = {
      prices,
      maxRetries: flags.maxRetries,
      // The harness's level is checked against the provider now too, not in every trial.
      reasoningEffort: flags.reasoningEffort ?? agent.harness.model.reasoningEffort,
      fallback: flags.fallbackModel,
    };
    costKnown = (await createModel(spec, modelOptions)).priced !== false;
    agent.modelSpec = spec;
    agent.newModel = (context) => createModel(spec, { ...modelOptions, context });
    agent.maxSteps = flags.maxSteps;
    agent.maxTotalTokens = flags.maxTokens;
    // Recorded in config.json: continuing the job with another fallback or effort is refused (job-settings.ts).
    agent.fallbackModelSpec = flags.fallbackModel ?? null;
    agent.reasoningEffort = modelOptions.reasoningEffort ?? null;
  } else if (flags.harness || flags.model) {
    throw new UserError(`--agent ${flags.agent} runs no model: drop --harness/--model, or use --agent harness`);
  }
  const tasks =
    io.tasks ?? loadSelectedTasks(tasksDir, selection, (l) => io.err.write(`${l}\n`), flags.skipInvalidTasks);
  if (agent.modelSpec)
    (await import('../sim/scenario.ts')).checkScenarioCovers(
      agent.modelSpec,
      '--model',
      tasks.map((t) => t.name),
    );
  let jobDir = resumedJobDir(flags);
  jobDir ??= flags.out ? resolve(flags.out) : resolve('jobs', timestamp());
  const resuming = existsSync(join(jobDir, 'config.json'));
  refuseForeignDir('--out', jobDir, resuming);
  if (!flags.quiet)
    io.err.write(
      `ahe eval · ${tasks.length} tasks${selects(selection) ? ` (${describeSelection(selection)})` : ''} × ${flags.k} · agent ${flags.agent}${agent.modelSpec ? ` · model ${shownModel(agent.modelSpec)}` : ''} · backend ${flags.backend} · ${flags.queue ? `queue ${displayUrl(flags.queue)}` : `concurrency ${flags.concurrency}`}\n${resuming ? 'resuming' : 'job'} ${jobDir}\n`,
    );
  // A running `ahe serve` whose directory holds the job shows it live (said once the job is on disk).
  const follow = flags.quiet ? undefined : followAlongUrl(jobDir);
  // With --queue, trials run on `ahe worker` processes: all are enqueued at once, workers bound concurrency.
  const trialQueue = flags.queue
    ? await openTrialQueue({
        url: flags.queue,
        backend: flags.backend,
        prices: flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined,
        maxRetries: flags.maxRetries,
        // Workers build each trial's model from the payload: the effort and the fallback travel with it.
        reasoningEffort: flags.reasoningEffort,
        fallback: flags.fallbackModel,
      })
    : undefined;
  const progress = createJobProgress(io.err, { quiet: flags.quiet });
  let crashed = 0;
  try {
    const outcome = await runJob({
      jobDir,
      tasks,
      taskSelection: selection,
      k: flags.k,
      agent,
      backend: flags.backend,
      concurrency: trialQueue ? Number.POSITIVE_INFINITY : flags.concurrency,
      executeTrial: trialQueue?.executeTrial,
      timeoutMultiplier: flags.timeoutMultiplier,
      environmentCache: flags.envCache !== false,
      signal: io.signal,
      tasksDir,
      maxConsecutiveInfraFailures: flags.maxInfraFailures,
      onEvent: (e) => {
        if (e.type === 'trial-crashed') crashed += 1;
        if (e.type === 'planned' && follow) io.err.write(`follow along: ${follow}\n`);
        progress.onEvent(e);
      },
    });
    return { outcome, jobDir, crashed, costKnown };
  } finally {
    progress.stop();
    await trialQueue?.close();
  }
}

/** What the tries moved aside to run again (`<job>/.replaced/`) spent: paid for, though no score counts them. */
export type ReplacedSpend = ReturnType<typeof replacedTrialsSpend>;

export function formatJobSummary(result: JobResult, costKnown = true, replaced?: ReplacedSpend): string {
  const rows = [['task', 'passed', 'rewards', 'exceptions']];
  for (const [name, t] of Object.entries(result.tasks).sort(([a], [b]) => a.localeCompare(b))) {
    const counts: Record<string, number> = {};
    for (const e of t.exceptions) counts[e] = (counts[e] ?? 0) + 1;
    rows.push([
      name,
      `${t.c}/${t.n}`,
      t.rewards.map((r) => (r === null ? '-' : String(r))).join(' '),
      Object.entries(counts)
        .map(([e, n]) => (n > 1 ? `${e}×${n}` : e))
        .join(', ') || '',
    ]);
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const passAtK = Object.entries(result.pass_at_k)
    .filter(([k]) => k !== '1')
    .map(([k, v]) => `pass@${k} ${pct(v)}`)
    .join(' · ');
  const exceptions = Object.entries(result.exceptions)
    .map(([e, n]) => `${e} ${n}`)
    .join(', ');
  return [
    table(rows),
    '',
    result.n_tasks === 0
      ? 'pass@1 n/a: no task was measured'
      : `pass@1 ${pct(result.pass_at_1)} (95% CI ${pct(result.ci95[0])}–${pct(result.ci95[1])}; standard error ${pct(result.stderr)}) over ${result.n_tasks} tasks, k=${result.k}${passAtK ? ` · ${passAtK}` : ''}`,
    `tokens ${formatTokens(result.tokens.prompt)} prompt + ${formatTokens(result.tokens.completion)} completion (${formatTokens(result.tokens.cached)} cached${result.cache_hit_rate != null ? `, cache hit rate ${pct(result.cache_hit_rate)}` : ''}) · cost ${result.cost_usd === null ? '$?' : formatCost(result.cost_usd, costKnown)} · wall ${formatDuration(result.wall_sec)}`,
    ...(replaced?.trials
      ? [
          `also spent by ${replaced.trials} earlier ${replaced.trials === 1 ? 'try' : 'tries'} run again (kept in .replaced/, not scored): tokens ${formatTokens(replaced.promptTokens)} prompt + ${formatTokens(replaced.completionTokens)} completion · cost ${formatCost(replaced.costUsd, costKnown)}`,
        ]
      : []),
    ...(result.n_fallback_trials
      ? [
          `${result.n_fallback_trials} trials used the fallback model (${pct(fallbackShare(result))} of the measured ones; ahe.fallback_used in their result.json)`,
        ]
      : []),
    ...(exceptions ? [`exceptions: ${exceptions}`] : []),
  ].join('\n');
}

/**
 * `--resume`: every setting not given on the command line is the job's own (config.json), so
 * `ahe eval --resume JOB` alone continues it; a given one that differs is refused by runJob as before.
 */
function withRecordedSettings(flags: EvalFlags, command: Command): EvalFlags {
  if (!flags.resume) {
    if (!flags.tasks)
      throw new UserError("required option '--tasks <dir>' not specified (or continue a job with --resume JOB)");
    return flags;
  }
  const file = join(resumedJobDir(flags)!, 'config.json');
  let config: JobConfig;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as JobConfig;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  const out: EvalFlags = { ...flags };
  const take = <K extends keyof EvalFlags>(name: K, value: EvalFlags[K] | null | undefined) => {
    if (!given(name) && value !== undefined && value !== null) out[name] = value;
  };
  take('tasks', config.tasks_dir);
  if (!['task', 'exclude', 'nTasks', 'sampleSeed'].some(given) && config.task_selection) {
    const s = config.task_selection;
    out.task = s.include;
    out.exclude = s.exclude;
    out.nTasks = s.n_tasks ?? undefined;
    out.sampleSeed = s.sample_seed ?? undefined;
  }
  take('k', config.k);
  take('agent', config.agent?.name as AgentKind);
  take('harness', config.agent?.harness?.dir);
  take('model', config.agent?.model);
  take('maxSteps', config.agent?.max_steps);
  take('maxTokens', config.agent?.max_total_tokens);
  take('fallbackModel', config.agent?.fallback_model);
  take('reasoningEffort', config.agent?.reasoning_effort as ReasoningEffort | null | undefined);
  take('backend', config.backend);
  take('concurrency', config.concurrency);
  take('timeoutMultiplier', config.timeout_multiplier);
  return out;
}

export async function evalCommand(parsed: EvalFlags, command: Command): Promise<void> {
  const flags = withRecordedSettings(parsed, command);
  const { signal, dispose } = interruptible(process.stderr);
  try {
    const { outcome, crashed, costKnown } = await runEval(flags, { err: process.stderr, signal });
    const replaced = replacedTrialsSpend(dirname(outcome.resultFile));
    process.stdout.write(`${formatJobSummary(outcome.result, costKnown, replaced)}\njob: ${outcome.resultFile}\n`);
    if (outcome.stopped) {
      process.stderr.write(`ahe: ${outcome.stopped}\n`);
      process.exitCode = EVAL_EXIT.trialErrors;
    } else if (outcome.interrupted) {
      process.stderr.write('ahe: the job was interrupted; run the same command again to finish it\n');
      process.exitCode = EVAL_EXIT.aborted;
    } else if (!outcome.complete) {
      process.stderr.write(
        `ahe: the job is incomplete — ${describeMissingTrials(outcome.result)}; run the same command again to run them\n`,
      );
      process.exitCode = EVAL_EXIT.trialErrors;
    } else process.exitCode = crashed > 0 ? EVAL_EXIT.trialErrors : EVAL_EXIT.done;
  } finally {
    dispose();
  }
}
