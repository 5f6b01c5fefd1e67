// `ahe gc`: removes containers a killed run left behind (every container labelled ahe=1).
import { type Command, Option } from 'commander';
import type { EngineKind } from '../sandbox/container-engine.ts';

export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description('Remove leftover trial containers (label ahe=1) of the podman/docker backends, e.g. after kill -9.')
    .addOption(
      new Option(
        '--backend <kind>',
        'the container engine (bwrap trials are processes, not containers: nothing to collect)',
      )
        .choices(['podman', 'docker'])
        .default('podman'),
    )
    .addHelpText(
      'after',
      '\nRemoves them whatever run started them: do not run it while an `ahe eval --backend podman|docker` is running.',
    )
    .action(async (flags: { backend: EngineKind }) => (await import('./gc-action.ts')).removeLeftovers(flags.backend));
}
