// Where the files shipped with the package are (harnesses/, tasks/), wherever it is installed.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root directory: this file is src/bundled-path.ts, compiled to dist/bundled-path.js. */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The absolute path of a directory or file shipped with ahe, e.g. `bundledPath('harnesses/seed')`,
 * `bundledPath('tasks/train')`.
 */
export function bundledPath(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}
