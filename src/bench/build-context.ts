// The build context as docker build sends it: the files a COPY source names (with its glob), minus what
// .dockerignore excludes.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { EnvironmentError } from './environment-error.ts';

/** Paths of the build context matched by one COPY source (a `*` or `?` glob in the last part is expanded). */
export function expandSource(context: string, source: string, ignored: (rel: string) => boolean): string[] {
  const clean = posix.normalize(source.replace(/^\/+/, ''));
  if (clean.startsWith('..'))
    throw new EnvironmentError('EnvironmentSetupError', `COPY source ${source} is outside the build context`);
  if (!/[*?[]/.test(clean)) return [join(context, clean)];
  const dir = join(context, posix.dirname(clean));
  const pattern = new RegExp(
    `^${posix
      .basename(clean)
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .map((name) => join(dir, name))
    .filter((p) => !ignored(relative(context, p)));
}

export function readDockerignore(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const patterns = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map(
      (p) =>
        new RegExp(
          `^${p
            .replace(/^\/+|\/+$/g, '')
            .replace(/[.+^${}()|\\]/g, '\\$&')
            .replace(/\*\*/g, '\u0000')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]')
            .replace(/\u0000/g, '.*')}(/.*)?$`,
        ),
    );
  return (rel) => patterns.some((re) => re.test(rel));
}

/** Entries of a copied directory that .dockerignore excludes (relative to that directory). */
export function listIgnored(dir: string, context: string, ignored: (rel: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (ignored(relative(context, full))) out.push(relative(dir, full));
      else if (statSync(full).isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}
