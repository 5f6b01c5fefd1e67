// `ahe gc`: removes what a killed run left behind: containers of the podman/docker backends (labelled
// ahe=1, made by a process that no longer runs), or, with `--backend image`, the image backend's cached root filesystems.
import { type Command, Option } from 'commander';

export type GcBackend = 'podman' | 'docker' | 'image';

export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description(
      'Remove leftover trial containers (label ahe=1) of the podman/docker backends, e.g. after kill -9; with --backend image, the cached image roots.',
    )
    .addOption(
      new Option(
        '--backend <kind>',
        'podman or docker: their containers; image: the image backend’s cached roots (bwrap trials are processes: nothing to collect)',
      )
        .choices(['podman', 'docker', 'image'])
        .default('podman'),
    )
    .option('--list', 'only list what would be removed (with --backend image: every cached root, its size and users)')
    .option('--all', 'podman/docker: also remove the containers of runs that still run (they then fail)')
    .addHelpText(
      'after',
      [
        '',
        'Containers of a run that still runs on this machine are kept (each is labelled with the process that made it);',
        'containers of a run that was killed, or of an older ahe, are removed. --all removes every one.',
        'Image roots (AHE_CACHE_DIR or the temp directory, under ahe/image-roots) are removed unless a running trial holds',
        'them; the cache also evicts least recently used roots by itself beyond AHE_IMAGE_ROOT_CACHE_GB (default 20).',
      ].join('\n'),
    )
    .addHelpText('after', '\nExit codes: 0 collected (or listed); 2 bad input.')
    .action(async (flags: { backend: GcBackend; list?: boolean; all?: boolean }) =>
      (await import('./gc-action.ts')).collectGarbage(flags.backend, flags.list === true, flags.all === true),
    );
}
