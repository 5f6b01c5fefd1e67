// `ahe ablate`: placeholder registration; the command's options, help and action are filled in by its owner.
import type { Command } from 'commander';

export function registerAblateCommand(program: Command): void {
  program
    .command('ablate')
    .description('(not yet available)')
    .action(() => {
      throw new Error('ahe ablate is not yet available');
    });
}
