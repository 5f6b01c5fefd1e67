// `ahe gc`: removes what a killed run left behind: containers of the podman/docker backends (every
// container labelled ahe=1), or, with `--backend image`, the image backend's cached root filesystems.
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
    .addHelpText(
      'after',
      [
        '',
        'Containers are removed whatever run started them: do not run it while an `ahe eval --backend podman|docker` is running.',
        'Image roots (AHE_CACHE_DIR or the temp directory, under ahe/image-roots) are removed unless a running trial holds',
        'them; the cache also evicts least recently used roots by itself beyond AHE_IMAGE_ROOT_CACHE_GB (default 20).',
      ].join('\n'),
    )
    .action(async (flags: { backend: GcBackend; list?: boolean }) =>
      (await import('./gc-action.ts')).collectGarbage(flags.backend, flags.list === true),
    );
}
