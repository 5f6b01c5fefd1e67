// Where the files shipped with the package are (package.json, harnesses/, tasks/), wherever it is installed and
// whichever build runs: the sources (src/), the compiled modules (dist/) or the CLI bundle (dist/cli-bundle/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this module whose package.json is ahe's own. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ahe')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`ahe's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The package's root directory. */
export const PACKAGE_ROOT = findPackageRoot();

/** ahe's package.json (name and version). */
export const PACKAGE_JSON = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

/**
 * The absolute path of a directory or file shipped with ahe, e.g. `bundledPath('harnesses/seed')`,
 * `bundledPath('tasks/train')`.
 */
export function bundledPath(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}
