// `ahe report PATH…`: one self-contained HTML file for a job, a debug output, an evolve run, or a
// comparison of jobs or of runs (docs/report.md). The work is in report-action.ts, loaded only when the
// command runs, so `ahe report --help` loads no layer.
import type { Command } from 'commander';
import { existingDir, outputFile } from './parse-options.ts';

export interface ReportFlags {
  out?: string;
  quiet?: boolean;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'Write one self-contained HTML report (no network needed to view it) of a job, a debug output, an evolve run, or a comparison of jobs or of runs.',
    )
    // existingDir checks each path (commander folds a variadic argument through its parser); the list itself is command.args.
    .argument(
      '<path...>',
      'an `ahe eval` job or any Harbor job, an `ahe debug` output, an `ahe evolve` run directory; two or more jobs (or runs) are compared, the first as the baseline',
      existingDir,
    )
    .option(
      '--out <file>',
      'the HTML file to write (default: <path>/report.html for one path, ./report.html for a comparison)',
      outputFile,
    )
    .option('--quiet', 'print only the path of the report')
    .addHelpText(
      'after',
      `
What the page shows (docs/report.md):
  job         per-task table (passed, failed, partial, errors; by exception type), pass@1 and pass@k with
              95% CIs, tokens, cost and time per trial, and each trial's trajectory step by step with the
              verifier's output (and the debugger's digest and signatures when the job was debugged)
  debug       the debugger's overview, each task's detail and signatures, and the job it analysed
  evolve run  train and held-out pass@1 per iteration with CI bands, the task × iteration heatmap, the
              changes with their predictions, verdicts and rollbacks, the leak audit's refusals, each
              iteration's diff, tokens and cost per role, prediction precision and recall, the best iteration
  comparison  jobs: fixed and regressed tasks side by side with the paired test against the first job;
              runs: their curves overlaid, final scores, tokens and cost
The file embeds scripts, styles and data (trial details compressed, kept under 5 MB: the latest and best
iteration and failing trials first; the page names those left out, which \`ahe serve\` shows). A directory
still being written (a running eval or evolve) is reported as far as it got.
Exit codes: 0 written, 2 bad input (a path that is none of these kinds).

Examples:
  ahe report jobs/2026-11-26__10-00-00
  ahe report runs/evolve-demo/run --out evolve.html
  ahe report jobs/seed jobs/evolved --out seed-vs-evolved.html
  ahe report runs/ahe runs/ace --out methods.html`,
    )
    .action(async (_lastPath: string, flags: ReportFlags, command: Command) =>
      (await import('./report-action.ts')).reportCommand(command.args, flags),
    );
}
