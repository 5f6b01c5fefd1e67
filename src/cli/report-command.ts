// `ahe report`: placeholder registration; the command's options, help and action are filled in by its owner.
import type { Command } from 'commander';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('(not yet available)')
    .action(() => {
      throw new Error('ahe report is not yet available');
    });
}
