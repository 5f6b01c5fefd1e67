// `ahe tasks list|check` at work: load the suite; prove each task with an oracle job and a noop job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { JobResult } from '../bench/job-summary.ts';
import { loadTaskSuite } from '../bench/load-task.ts';
import { selectionFrom } from '../bench/select-tasks.ts';
import { EVAL_EXIT, loadSelectedTasks, runEval } from './eval-action.ts';
import { interruptible } from './interruptible.ts';
import { formatDuration } from './job-progress.ts';
import { table } from './table.ts';
import type { CheckFlags } from './tasks-command.ts';

export function listTasks(dir: string, flags: { json?: boolean }): void {
  const suite = loadTaskSuite(resolve(dir));
  if (flags.json) {
    const tasksJson = suite.tasks.map(({ config: _config, ...t }) => t);
    process.stdout.write(`${JSON.stringify({ tasks: tasksJson, problems: suite.problems }, null, 2)}\n`);
  } else {
    const rows = [['name', 'format', 'difficulty', 'category', 'agent s', 'verifier s', 'steps']];
    for (const t of suite.tasks) {
      rows.push([
        t.name,
        t.format,
        t.difficulty ?? '-',
        t.category ?? '-',
        String(t.agentTimeoutSec),
        String(t.verifierTimeoutSec),
        t.steps.length ? String(t.steps.length) : '-',
      ]);
    }
    process.stdout.write(`${table(rows)}\n${suite.tasks.length} tasks\n`);
    for (const p of suite.problems)
      process.stderr.write(`skipped ${p.path}: ${p.field ? `${p.field}: ` : ''}${p.message}\n`);
  }
  // Nothing at all under DIR is most likely the wrong directory: said, and not a success.
  const empty = suite.tasks.length === 0 && suite.problems.length === 0;
  if (empty)
    process.stderr.write(
      `no task under ${resolve(dir)}: a task is a directory with task.toml (Harbor, Terminal-Bench 2) or task.yaml (Terminal-Bench 1)\n`,
    );
  process.exitCode = suite.problems.length > 0 || empty ? 1 : 0;
}

export async function checkTasks(dir: string, flags: CheckFlags): Promise<void> {
  const tasksDir = resolve(dir);
  const problems = loadTaskSuite(tasksDir).problems;
  const tasks = loadSelectedTasks(tasksDir, selectionFrom(flags), (l) => process.stderr.write(`${l}\n`), true);
  const root = flags.out ? resolve(flags.out) : mkdtempSync(join(tmpdir(), 'ahe-tasks-check-'));
  const { signal, dispose } = interruptible(process.stderr);
  const results: Partial<Record<'oracle' | 'noop', JobResult>> = {};
  const started = Date.now();
  try {
    for (const agent of ['oracle', 'noop'] as const) {
      if (!flags.quiet) process.stderr.write(`\n${agent}:\n`);
      const { outcome } = await runEval(
        {
          tasks: tasksDir,
          task: flags.task,
          exclude: flags.exclude,
          nTasks: flags.nTasks,
          sampleSeed: flags.sampleSeed,
          agent,
          k: 1,
          concurrency: flags.concurrency,
          backend: flags.backend,
          out: join(root, agent),
          timeoutMultiplier: flags.timeoutMultiplier,
          quiet: flags.quiet,
        },
        { err: process.stderr, signal, tasks },
      );
      results[agent] = outcome.result;
      if (outcome.interrupted) {
        process.exitCode = EVAL_EXIT.aborted;
        return;
      }
    }
  } finally {
    dispose();
    if (!flags.out) rmSync(root, { recursive: true, force: true });
  }
  const rows = [['task', 'oracle', 'noop', 'verdict']];
  let unsound = 0;
  for (const task of tasks) {
    const oracle = results.oracle!.tasks[task.name];
    const noop = results.noop!.tasks[task.name];
    const reward = (t: typeof oracle) => t?.rewards[0] ?? null;
    const oracleOk = (oracle?.c ?? 0) >= 1 && (oracle?.exceptions.length ?? 1) === 0;
    const noopOk = (noop?.c ?? 0) === 0;
    const why = [!oracleOk ? `oracle ${oracle?.exceptions[0] ?? 'fails'}` : '', !noopOk ? 'noop passes' : '']
      .filter(Boolean)
      .join(', ');
    if (why) unsound += 1;
    rows.push([
      task.name,
      String(reward(oracle) ?? '-') + (oracle?.exceptions.length ? ` (${oracle.exceptions.join(', ')})` : ''),
      String(reward(noop) ?? '-'),
      why ? `UNSOUND: ${why}` : 'ok',
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
  const pct = (n: number) => (tasks.length ? `${((n / tasks.length) * 100).toFixed(0)}%` : '-');
  const oraclePass = tasks.filter((t) => (results.oracle!.tasks[t.name]?.c ?? 0) >= 1).length;
  const noopPass = tasks.filter((t) => (results.noop!.tasks[t.name]?.c ?? 0) >= 1).length;
  process.stdout.write(
    `oracle ${oraclePass}/${tasks.length} passed (${pct(oraclePass)}) · noop ${noopPass}/${tasks.length} passed (${pct(noopPass)}) · ${unsound} unsound · ${formatDuration((Date.now() - started) / 1000)}${flags.out ? ` · jobs in ${root}` : ''}\n`,
  );
  for (const p of problems) process.stdout.write(`broken ${p.path}: ${p.field ? `${p.field}: ` : ''}${p.message}\n`);
  process.exitCode = unsound > 0 || problems.length > 0 ? 1 : 0;
}
