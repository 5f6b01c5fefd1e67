// middleware/<name>.ts: a default-exported object of hooks (types.ts `Middleware`), in the order
// harness.yaml lists them (alphabetical with "all").

import { editDistance as distance } from '../edit-distance.ts';
import { type ComponentLog, loadComponent } from './compile-component.ts';
import type { Diagnostic } from './harness-error.ts';
import { listComponentFiles, selectComponents } from './list-harness-files.ts';
import { type ComponentSelection, MIDDLEWARE_HOOKS } from './schemas.ts';
import type { LoadedMiddleware, Middleware } from './types.ts';

function closestHook(key: string): string | undefined {
  const ranked = MIDDLEWARE_HOOKS.map((hook) => ({ hook, d: distance(key.toLowerCase(), hook.toLowerCase()) })).sort(
    (x, y) => x.d - y.d,
  );
  const best = ranked[0]!;
  // Close in spelling, or shaped like a hook (before…/after…/wrap…): surely meant as one.
  return best.d <= 3 || /^(before|after|wrap)[A-Z_]/.test(key) ? best.hook : undefined;
}

/** Checks the hooks object; misspelled hooks and non-function hooks are errors, other fields warnings. */
function checkHooks(
  file: string,
  hooks: Record<string, unknown>,
  problems: Diagnostic[],
  warnings: Diagnostic[],
): boolean {
  let ok = true;
  for (const [key, value] of Object.entries(hooks)) {
    if ((MIDDLEWARE_HOOKS as readonly string[]).includes(key)) {
      if (typeof value !== 'function') {
        ok = false;
        problems.push({
          file,
          message: `hook '${key}' must be a function, not ${value === null ? 'null' : typeof value}`,
        });
      }
    } else if (key !== 'name') {
      const meant = closestHook(key);
      if (meant) {
        ok = false;
        problems.push({
          file,
          message: `unknown hook '${key}' — did you mean '${meant}'? (hooks: ${MIDDLEWARE_HOOKS.join(', ')})`,
        });
      } else {
        warnings.push({ file, message: `'${key}' is not a hook; the runtime ignores it` });
      }
    }
  }
  return ok;
}

/** Loads the enabled middleware in hook order; broken files add diagnostics to `problems`. */
export async function loadMiddleware(
  dir: string,
  selection: ComponentSelection,
  problems: Diagnostic[],
  warnings: Diagnostic[],
  onLog?: ComponentLog,
): Promise<LoadedMiddleware[]> {
  const names = selectComponents(selection, 'middleware', listComponentFiles(dir, 'middleware', '.ts'), problems);
  const loaded = await Promise.all(names.map((name) => loadComponent(dir, `middleware/${name}.ts`, onLog)));
  const out: LoadedMiddleware[] = [];
  names.forEach((name, i) => {
    const file = `middleware/${name}.ts`;
    const { value, diagnostics } = loaded[i]!;
    problems.push(...diagnostics);
    if (diagnostics.length > 0) return;
    if (!value || typeof value !== 'object') {
      problems.push({ file, message: `must \`export default\` an object of hooks (${MIDDLEWARE_HOOKS.join(', ')})` });
      return;
    }
    if (checkHooks(file, value as Record<string, unknown>, problems, warnings))
      out.push({ name, file, hooks: value as Middleware });
  });
  return out;
}
