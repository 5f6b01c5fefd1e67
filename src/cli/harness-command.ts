// `ahe harness init|validate`.
import type { Command } from 'commander';
import { existingDir, outputDir } from './parse-options.ts';

export function registerHarnessCommands(program: Command): void {
  const harness = program
    .command('harness')
    .description('Create and check harness directories (the thing that evolves).');

  harness
    .command('init')
    .description(
      'Write the zero-prior seed harness (a minimal system prompt and one tool, run_shell_command) into DIR.',
    )
    .argument('<dir>', 'a new or empty directory', outputDir)
    .addHelpText('after', '\nExit codes: 0 written; 2 bad input (a directory that is not empty or cannot be created).')
    .action(async (dir: string) => (await import('./harness-action.ts')).writeSeedHarness(dir));

  harness
    .command('validate')
    .description(
      'Load every component of a harness (compiling its TypeScript), check formats, schemas and capabilities, and report file:line problems.',
    )
    .argument('<dir>', 'harness directory', existingDir)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code 0 when the harness is valid (warnings allowed), 1 when it has errors.')
    .action(async (dir: string, flags: { json?: boolean }) =>
      (await import('./harness-action.ts')).printValidation(dir, flags),
    );
}
