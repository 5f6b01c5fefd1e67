// `ahe experiments run` at work: every experiment file is read and checked first (a typo in the last one
// is found before the first one spends anything), then each runs as `ahe evolve --config FILE` — the same
// command, parsed by the same definitions — into its own `out`: started, resumed when its run is not
// finished (or when the file now asks for more than the finished run did), skipped when finished. The
// comparison table is written after the last one, and also when a run is interrupted or fails, so it
// always shows where each experiment stands.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { UserError } from '../errors.ts';
import type { RunConfig } from '../evolve/evolve-config.ts';
import { loadRunState, type Role, type RunState, stateFile } from '../evolve/run-state.ts';
import { collectRows } from '../evolve/run-summary.ts';
import { DEFAULT_PRICES, estimatedCost, formatUsdSum, loadPriceTable, type PriceTable } from '../model/prices.ts';
import { shownModel } from '../report/shown.ts';
import { writeFileAtomic, writeJsonAtomic } from '../trace/write-atomic.ts';
import { evolveCommand } from './evolve-action.ts';
import { type EvolveFlags, registerEvolveCommand } from './evolve-command.ts';
import { compareResumeFlags } from './evolve-flags.ts';
import { type Experiment, ExperimentFileError, loadExperimentFile, showPath } from './experiment-file.ts';
import type { ExperimentsRunFlags } from './experiments-command.ts';
import { INTERRUPTED_EXIT, interruptible } from './interruptible.ts';
import { formatTokens } from './progress-view.ts';

interface PlannedExperiment {
  experiment: Experiment;
  /** The run directory (the file's `out`, absolute). */
  out: string;
  /** What this invocation does with it. */
  action: 'start' | 'resume' | 'skip';
}

/**
 * A score at an iteration. An adaptive run's train score that carries earlier outcomes says how many of its
 * `n_tasks` were carried (summary.json's `train.carried_tasks`): its `ci95` would count them as measured,
 * so the table shows that count instead.
 */
type Score = {
  iteration: number;
  pass_at_1: number;
  ci95: [number, number];
  carried_tasks?: number;
  n_tasks?: number;
} | null;

/** One experiment's line of the comparison (experiments.json). */
export interface ExperimentRow {
  file: string;
  out: string;
  status: 'finished' | 'in progress' | 'not started';
  method: string;
  model: string;
  evolve_model: string;
  /** The last iteration evaluated on the training split, of the iterations asked for. */
  iterations: { done: number | null; planned: number };
  final_train: Score;
  best_train: Score;
  /** The last held-out evaluation (null without a held-out split or before the first). */
  holdout: Score;
  /** Prompt + completion tokens of every role. */
  tokens: number;
  /** Null when a model that made calls has no known price. */
  cost_usd: number | null;
  stop_reason: string | null;
}

/**
 * A fresh `ahe evolve` definition: the keys of experiment files and the command each one runs. With
 * `stop`, its action also stops cleanly on that signal (a Ctrl-C of `ahe experiments run`).
 */
function evolveProgram(stop?: AbortSignal): { program: Command; evolve: Command } {
  const program = new Command('ahe').exitOverride();
  registerEvolveCommand(program);
  const evolve = program.commands.find((c) => c.name() === 'evolve')!;
  if (stop) evolve.action(async (flags: EvolveFlags, command: Command) => evolveCommand(flags, command, stop));
  return { program, evolve };
}

/** Reads and checks one file, and decides what to do with its run. */
function plan(file: string): PlannedExperiment {
  const experiment = loadExperimentFile(file, evolveProgram().evolve);
  const out = experiment.values.out;
  if (typeof out !== 'string')
    throw new ExperimentFileError(
      `${showPath(experiment.file)}:1: out: missing — each experiment runs into its own directory`,
    );
  if (!existsSync(stateFile(out))) return { experiment, out, action: 'start' };
  const state = loadRunState(out);
  // The run in `out` must be this experiment's: a fixed key with another value is refused now, not mid-way.
  const { changes, refused } = compareResumeFlags(experiment.values, state.config);
  if (refused.length)
    throw new UserError(
      `${showPath(experiment.file)}: out ${showPath(out)} holds a run with other settings: ${refused.join(', ')}; choose another out, or put the settings back`,
    );
  return { experiment, out, action: state.step === 'done' && !Object.keys(changes).length ? 'skip' : 'resume' };
}

/** The `ahe evolve` arguments of one experiment. */
const evolveArgs = (p: PlannedExperiment, flags: ExperimentsRunFlags): string[] => [
  ...(p.action === 'resume' ? ['--resume', p.out] : []),
  '--config',
  p.experiment.file,
  ...(flags.queue ? ['--queue', flags.queue] : []),
  ...(flags.quiet ? ['--quiet'] : []),
];

/** Runs `ahe evolve` with these arguments, in this process, as the command line would. */
async function runEvolveCommand(args: string[], stop: AbortSignal): Promise<void> {
  await evolveProgram(stop).program.parseAsync(['evolve', ...args], { from: 'user' });
}

const NO_USAGE = { promptTokens: 0, completionTokens: 0, cachedTokens: 0 };
const isPriced = (spec: string, table: PriceTable) => estimatedCost(spec, NO_USAGE, table) !== null;

/** The comparison line of one experiment, from its run directory (or from its file when it has not started). */
function rowOf({ experiment, out }: PlannedExperiment): ExperimentRow {
  const v = experiment.values;
  const state: RunState | undefined = existsSync(stateFile(out)) ? loadRunState(out) : undefined;
  const config: Partial<RunConfig> = state?.config ?? {};
  const model = String(config.model ?? v.model ?? '');
  const base = {
    file: showPath(experiment.file),
    out: showPath(out),
    method: String(config.method ?? v.method ?? 'ahe'),
    model: shownModel(model),
    evolve_model: shownModel(String(config.evolve_model ?? v.evolveModel ?? model)),
  };
  if (!state)
    return {
      ...base,
      status: 'not started',
      iterations: { done: null, planned: Number(v.iterations ?? 3) },
      final_train: null,
      best_train: null,
      holdout: null,
      tokens: 0,
      cost_usd: null,
      stop_reason: null,
    };
  const rows = collectRows(out, state);
  const last = (pick: (r: (typeof rows)[number]) => Score) => rows.reduce<Score>((found, r) => pick(r) ?? found, null);
  const train = (r: (typeof rows)[number]): Score =>
    r.train
      ? {
          iteration: r.iteration,
          pass_at_1: r.train.pass_at_1,
          ci95: r.train.ci95,
          ...(r.train.carried_tasks ? { carried_tasks: r.train.carried_tasks, n_tasks: r.train.n_tasks } : {}),
        }
      : null;
  const best = state.best ? rows.find((r) => r.iteration === state.best!.iteration) : undefined;
  const prices = typeof v.prices === 'string' ? loadPriceTable(v.prices) : DEFAULT_PRICES;
  const specs: Record<Role, (string | null)[]> = {
    coding: [state.config.model, state.config.fallback_model],
    evolver: [state.config.evolve_model, state.config.evolve_fallback_model],
    debugger: [state.config.debug_model, state.config.debug_fallback_model],
  };
  const costs = (Object.keys(specs) as Role[]).map((role) => {
    const spent = state.ledger[role];
    if (spent.calls === 0) return 0;
    return specs[role].every((s) => s === null || isPriced(s, prices)) ? spent.costUsd : null;
  });
  const finalTrain = last(train);
  return {
    ...base,
    status: state.step === 'done' ? 'finished' : 'in progress',
    iterations: { done: finalTrain?.iteration ?? null, planned: state.config.iterations },
    final_train: finalTrain,
    best_train: best ? train(best) : null,
    holdout: last((r) => (r.holdout ? { iteration: r.iteration, ...r.holdout } : null)),
    tokens: Object.values(state.ledger).reduce((sum, s) => sum + s.promptTokens + s.completionTokens, 0),
    cost_usd: costs.includes(null) ? null : costs.reduce<number>((a, c) => a + c!, 0),
    stop_reason: state.stopped?.reason ?? null,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const score = (s: Score) =>
  s
    ? `${pct(s.pass_at_1)}${s.carried_tasks ? `* (${s.carried_tasks} of ${s.n_tasks} tasks carried)` : ` (${pct(s.ci95[0])}–${pct(s.ci95[1])})`} @${s.iteration}`
    : '-';
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** experiments.md: one line per experiment. */
export function renderComparison(rows: ExperimentRow[]): string {
  const lines = [
    `# ahe experiments — ${rows.length} experiment${rows.length === 1 ? '' : 's'}`,
    '',
    "Train pass@1 with its 95% CI at the iteration after `@` (`*`: an adaptive run's score carrying earlier iterations' outcomes for some tasks, shown without an interval; see its summary.md); held-out is the last held-out evaluation. Experiments compare fairly only on the same tasks and k; `ahe compare RUN_A/iterations/N/job RUN_B/iterations/M/job` gives the paired test of two of them.",
    '',
    '| experiment | run | method | model | iterations | final train pass@1 | best train pass@1 | held-out pass@1 | tokens | cost | status |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${[
          r.file,
          r.out,
          r.method,
          r.model,
          `${r.iterations.done ?? '-'}/${r.iterations.planned}`,
          score(r.final_train),
          score(r.best_train),
          score(r.holdout),
          formatTokens(r.tokens),
          r.status === 'not started' ? '-' : formatUsdSum([r.cost_usd]),
          r.stop_reason ?? r.status,
        ]
          .map(cell)
          .join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes DIR/experiments.md and DIR/experiments.json; returns the markdown. */
function writeComparison(dir: string, planned: PlannedExperiment[]): string {
  const rows = planned.map(rowOf);
  const markdown = renderComparison(rows);
  writeFileAtomic(join(dir, 'experiments.md'), markdown);
  writeJsonAtomic(join(dir, 'experiments.json'), { experiments: rows });
  return markdown;
}

export async function experimentsRunCommand(files: string[], flags: ExperimentsRunFlags): Promise<void> {
  const planned = files.map((file) => plan(resolve(file)));
  const seen = new Map<string, string>();
  for (const p of planned) {
    const other = seen.get(p.out);
    if (other)
      throw new UserError(
        `${other} and ${showPath(p.experiment.file)} both run into ${showPath(p.out)}: give each experiment its own out`,
      );
    seen.set(p.out, showPath(p.experiment.file));
  }
  const outDir = resolve(flags.out ?? dirname(planned[0]!.experiment.file));
  const { signal, dispose } = interruptible(
    process.stderr,
    "stopping after the current experiment's run is saved (run the same command again to continue; Ctrl-C again to quit at once)",
  );
  let interrupted = false;
  try {
    // Every experiment's models (keys, files, prices under a budget), harness and tasks are checked, and
    // its cost estimated, before the first one spends anything.
    for (const [i, p] of planned.entries()) {
      if (p.action === 'skip') continue;
      process.stderr.write(
        `experiment ${i + 1}/${planned.length} ${showPath(p.experiment.file)}: checking (${p.action === 'start' ? 'a new run' : `resumes ${showPath(p.out)}`})\n`,
      );
      await runEvolveCommand([...evolveArgs(p, flags), '--estimate-only'], signal);
    }
    for (const [i, p] of planned.entries()) {
      if (signal.aborted) {
        interrupted = true;
        break;
      }
      const name = `experiment ${i + 1}/${planned.length} ${showPath(p.experiment.file)} → ${showPath(p.out)}`;
      if (p.action === 'skip') {
        process.stderr.write(`${name}: finished, skipped\n`);
        continue;
      }
      process.stderr.write(`${name}: ${p.action === 'start' ? 'starting' : 'resuming'}\n`);
      await runEvolveCommand(evolveArgs(p, flags), signal);
      if (signal.aborted || process.exitCode === INTERRUPTED_EXIT) {
        interrupted = true;
        break;
      }
      // A later step of the loop decides on the state as it is now.
      planned[i] = { ...p, action: 'skip' };
    }
  } finally {
    dispose();
    process.stdout.write(writeComparison(outDir, planned));
    process.stderr.write(`comparison: ${showPath(join(outDir, 'experiments.md'))}, experiments.json\n`);
  }
  if (interrupted) {
    process.stderr.write(
      `ahe: interrupted; continue with: ahe experiments run ${files.join(' ')}${flags.out ? ` --out ${flags.out}` : ''}\n`,
    );
    process.exitCode = INTERRUPTED_EXIT;
  }
}
