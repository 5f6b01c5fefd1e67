// Component code (tools/*.ts, middleware/*.ts) is bundled with esbuild and evaluated in a node:vm
// context (component-sandbox.ts). Imports may only reach files inside the harness directory: host
// modules and packages are refused at bundle time with the file, line and module named.
// Compiled code is cached by the content of its inputs (component-cache.ts); every load still
// evaluates afresh, so each loaded harness has its own module state.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Message, Plugin } from 'esbuild';
import { lookupComponent, storeComponent } from './component-cache.ts';
import { type ComponentInstance, type ComponentLog, evaluateComponent } from './component-sandbox.ts';
import type { Diagnostic } from './harness-error.ts';
import { CAPABILITY_RULE, scanComponentSource } from './scan-component-source.ts';

export { type ComponentCacheStats, clearComponentMemoryCache, componentCacheStats } from './component-cache.ts';
export type { ComponentInstance, ComponentLog } from './component-sandbox.ts';

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Allows relative imports that stay inside the harness directory and refuses everything else;
 * scans each bundled file for direct host access (scan-component-source.ts).
 */
function capabilityPlugin(harnessDir: string): Plugin {
  return {
    name: 'ahe-capabilities',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const relativeImport = args.path.startsWith('./') || args.path.startsWith('../');
        if (relativeImport && isInside(harnessDir, resolve(args.resolveDir, args.path))) return undefined;
        const why = relativeImport
          ? 'a file outside the harness directory'
          : `${CAPABILITY_RULE}; importing host modules is not allowed`;
        return { errors: [{ text: `imports '${args.path}' — ${why}` }] };
      });
      // Every bundled file is checked, not only the entry: a helper module is component code too.
      const realDir = realpathSync(harnessDir);
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const file = relative(harnessDir, args.path);
        const real = realpathSync(args.path);
        // A symlink inside the harness must not smuggle in a file from elsewhere.
        if (!isInside(realDir, real))
          return { errors: [{ text: `'${file}' is a link to ${real}, outside the harness directory` }] };
        const source = readFileSync(args.path, 'utf8');
        const lines = source.split('\n');
        const errors = scanComponentSource(source, file).map((d) => ({
          text: d.message,
          location: { file, line: d.line, column: d.column, lineText: lines[(d.line ?? 1) - 1] },
        }));
        return errors.length > 0 ? { errors } : undefined;
      });
    },
  };
}

function toDiagnostics(messages: readonly Message[], fallback: string): Diagnostic[] {
  return messages.map((m) => ({
    file: m.location?.file || fallback,
    line: m.location?.line,
    column: m.location?.column,
    message: m.text,
  }));
}

/** Bundled CommonJS code of one component, from the cache or freshly compiled. */
async function compile(harnessDir: string, file: string): Promise<{ code?: string; diagnostics: Diagnostic[] }> {
  // A cached bundle passed the checks when it was compiled: its key covers every input's content.
  const cached = lookupComponent(harnessDir, file);
  if (cached !== undefined) return { code: cached, diagnostics: [] };
  try {
    // esbuild is loaded on a cache miss only (a warm `ahe harness validate` never needs it).
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [file],
      absWorkingDir: harnessDir,
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      sourcemap: 'inline',
      metafile: true,
      logLevel: 'silent',
      // Compile the same way wherever the harness lives: a tsconfig.json around it must not change
      // which imports survive (verbatimModuleSyntax would keep type-only imports of 'ahe/harness').
      tsconfigRaw: {},
      plugins: [capabilityPlugin(harnessDir)],
    });
    const code = result.outputFiles[0]!.text;
    storeComponent(harnessDir, file, Object.keys(result.metafile.inputs).sort(), code);
    return { code, diagnostics: [] };
  } catch (error) {
    const failure = error as { errors?: Message[] };
    if (failure.errors?.length) return { diagnostics: toDiagnostics(failure.errors, file) };
    return {
      diagnostics: [
        { file, message: `could not be compiled: ${error instanceof Error ? error.message : String(error)}` },
      ],
    };
  }
}

/**
 * Checks, compiles and evaluates one component file (path relative to the harness directory).
 * Returns a live instance, or file:line diagnostics. A caller that is done with a short-lived
 * instance (the argument probe) disposes of it to clear its pending timers.
 */
export async function instantiateComponent(
  harnessDir: string,
  file: string,
  onLog: ComponentLog = () => {},
): Promise<{ instance?: ComponentInstance; diagnostics: Diagnostic[] }> {
  const { code, diagnostics } = await compile(harnessDir, file);
  if (code === undefined) return { diagnostics };
  return evaluateComponent(code, file, onLog);
}

/** The default export of one component file, or diagnostics naming file and line. */
export async function loadComponent(
  harnessDir: string,
  file: string,
  onLog?: ComponentLog,
): Promise<{ value?: unknown; diagnostics: Diagnostic[] }> {
  const { instance, diagnostics } = await instantiateComponent(harnessDir, file, onLog);
  return instance ? { value: instance.value, diagnostics: [] } : { diagnostics };
}
