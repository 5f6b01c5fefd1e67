// `ahe compare JOB_A JOB_B`: did B do better than A, task by task, and is the difference more than noise?
// Works on any Harbor-layout job (ahe's or another tool's): the numbers come from the trial files, not
// from the job result.json, which other tools write differently or not at all.
import type { Command } from 'commander';
import { existingDir } from './parse-options.ts';

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description(
      'Compare two job directories (B relative to A): pass@1 of each with its interval, the paired difference and p-value, and the tasks that flipped.',
    )
    .argument('<job-a>', 'the baseline job directory (Harbor layout: <job>/<task>__<suffix>/result.json)', existingDir)
    .argument('<job-b>', 'the job to compare with it', existingDir)
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Only tasks present in both jobs are compared; the others are listed. A task passes an attempt when its
reward is at least 1. Malformed trial files are skipped and named with their field.
Exit codes: 0 compared, 2 bad input (a path that is not a job directory).`,
    )
    .action(async (pathA: string, pathB: string, flags: { json?: boolean }) => {
      (await import('./compare-action.ts')).runCompare(pathA, pathB, flags);
    });
}
