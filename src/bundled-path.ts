// Where the files shipped with the package are (package.json, harnesses/, tasks/), wherever it is installed and
// whichever build runs: the sources (src/), the compiled modules (dist/) or the CLI bundle (dist/cli-bundle/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name: string;
  version: string;
}

/** The nearest directory above this module whose package.json is ahe's own, with that package.json. */
function findPackage(): { root: string; json: PackageJson } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, 'utf8')) as PackageJson;
      if (json.name === 'ahe') return { root: dir, json };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`ahe's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const found = findPackage();

/** The package's root directory. */
export const PACKAGE_ROOT = found.root;

/** ahe's package.json (name and version). */
export const PACKAGE_JSON: PackageJson = found.json;

/**
 * The absolute path of a directory or file shipped with ahe, e.g. `bundledPath('harnesses/seed')`,
 * `bundledPath('tasks/train')`.
 */
export function bundledPath(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}
