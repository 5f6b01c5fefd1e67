// `ahe transfer`: placeholder registration; the command's options, help and action are filled in by its owner.
import type { Command } from 'commander';

export function registerTransferCommand(program: Command): void {
  program
    .command('transfer')
    .description('(not yet available)')
    .action(() => {
      throw new Error('ahe transfer is not yet available');
    });
}
