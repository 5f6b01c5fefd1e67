// `ahe experiments`: placeholder registration; the command's options, help and action are filled in by its owner.
import type { Command } from 'commander';

export function registerExperimentsCommand(program: Command): void {
  program
    .command('experiments')
    .description('(not yet available)')
    .action(() => {
      throw new Error('ahe experiments is not yet available');
    });
}
