// `ahe gc`: removes containers a killed run left behind (every container labelled ahe=1).
import { type Command, Option } from 'commander';
import { checkEngine, containerEngine, type EngineKind } from '../sandbox/container-engine.ts';
import { removeLeftoverContainers } from '../sandbox/container-sandbox.ts';

export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description('Remove leftover trial containers (label ahe=1) of the podman/docker backends, e.g. after kill -9.')
    .addOption(new Option('--backend <kind>', 'the container engine').choices(['podman', 'docker']).default('podman'))
    .addHelpText(
      'after',
      '\nRemoves them whatever run started them: do not run it while an `ahe eval --backend podman|docker` is running.',
    )
    .action(async (flags: { backend: EngineKind }) => {
      const engine = containerEngine(flags.backend);
      await checkEngine(engine);
      const removed = await removeLeftoverContainers(engine);
      process.stdout.write(
        `${removed.length} container${removed.length === 1 ? '' : 's'} removed${removed.length ? `: ${removed.map((id) => id.slice(0, 12)).join(' ')}` : ''}\n`,
      );
    });
}
