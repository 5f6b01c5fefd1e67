// `ahe report` at work: checks the paths, writes the HTML file and says where it is and what it holds.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { writeReportFile } from '../report/write-report.ts';
import type { ReportFlags } from './report-command.ts';

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function reportCommand(paths: string[], flags: ReportFlags): Promise<void> {
  for (const path of paths) {
    let directory = false;
    try {
      directory = statSync(path).isDirectory();
    } catch {
      throw new UserError(`${path} does not exist`);
    }
    if (!directory)
      throw new UserError(`${path} is a file, not a directory: give a job, debug output or evolve run directory`);
  }
  const out = flags.out ?? (paths.length === 1 ? join(paths[0]!, 'report.html') : 'report.html');
  const written = await writeReportFile(paths, out);
  if (flags.quiet) process.stdout.write(`${written.file}\n`);
  else {
    const details =
      written.total === 0
        ? ''
        : written.embedded === written.total
          ? `, all ${written.total} trial details embedded`
          : `, ${written.embedded} of ${written.total} trial details embedded (the others: ahe serve)`;
    process.stdout.write(`report: ${written.file} (${megabytes(written.bytes)}${details})\n`);
  }
  // Not silently: what could not be read is left out of the report's numbers, and said here too.
  if (written.problems.length)
    process.stderr.write(
      `${written.problems.length} problem(s) reading the input (left out; listed in the report):\n${written.problems
        .slice(0, 5)
        .map((p) => `  ${p}\n`)
        .join('')}${written.problems.length > 5 ? `  …\n` : ''}`,
    );
  process.exitCode = 0;
}
