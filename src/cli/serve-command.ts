// `ahe serve`: placeholder registration; the command's options, help and action are filled in by its owner.
import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('(not yet available)')
    .action(() => {
      throw new Error('ahe serve is not yet available');
    });
}
