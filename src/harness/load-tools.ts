// tools/<name>.yaml (description + JSON-Schema input) paired with tools/<name>.ts (implementation).

import { checkJsonSchema } from './check-json-schema.ts';
import { type ComponentLog, loadComponent } from './compile-component.ts';
import type { Diagnostic } from './harness-error.ts';
import { listComponentFiles, selectComponents } from './list-harness-files.ts';
import { readYamlFile } from './read-yaml.ts';
import { type ComponentSelection, RESERVED_TOOL_NAMES, type ToolSpec, ToolSpecSchema } from './schemas.ts';
import type { LoadedTool, ToolImplementation } from './types.ts';

function readToolSpec(dir: string, name: string, problems: Diagnostic[]): ToolSpec | undefined {
  const file = `tools/${name}.yaml`;
  const before = problems.length;
  const { value: spec, source } = readYamlFile(dir, file, ToolSpecSchema, problems);
  if (!spec || !source) return undefined;
  if (spec.name !== name)
    problems.push({
      file,
      field: 'name',
      ...source.locate(['name']),
      message: `'${spec.name}' must equal the file name '${name}'`,
    });
  if ((RESERVED_TOOL_NAMES as readonly string[]).includes(spec.name)) {
    problems.push({
      file,
      field: 'name',
      ...source.locate(['name']),
      message: `'${spec.name}' is a built-in tool name (reserved: ${RESERVED_TOOL_NAMES.join(', ')})`,
    });
  }
  const schemaProblem = checkJsonSchema(spec.input_schema);
  if (schemaProblem) {
    const path = ['input_schema', ...schemaProblem.path];
    problems.push({
      file,
      field: path.join('.'),
      ...source.locate(path),
      message: `is not valid JSON Schema: ${schemaProblem.message}`,
    });
  }
  return problems.length === before ? spec : undefined;
}

async function readToolCode(
  dir: string,
  name: string,
  problems: Diagnostic[],
  onLog?: ComponentLog,
): Promise<ToolImplementation | undefined> {
  const file = `tools/${name}.ts`;
  const loaded = await loadComponent(dir, file, onLog);
  problems.push(...loaded.diagnostics);
  if (loaded.diagnostics.length > 0) return undefined;
  if (typeof loaded.value === 'function') return loaded.value as ToolImplementation;
  problems.push({ file, message: 'must `export default` an async function (args, ctx) => ToolResult | string' });
  return undefined;
}

/** Loads the enabled tools; every broken file adds its diagnostics to `problems`. */
export async function loadTools(
  dir: string,
  selection: ComponentSelection,
  problems: Diagnostic[],
  onLog?: ComponentLog,
): Promise<LoadedTool[]> {
  const yamls = listComponentFiles(dir, 'tools', '.yaml');
  const codes = listComponentFiles(dir, 'tools', '.ts');
  for (const name of codes.filter((n) => !yamls.includes(n)))
    problems.push({ file: `tools/${name}.ts`, message: `has no description file tools/${name}.yaml` });
  const names = selectComponents(selection, 'tools', yamls, problems);
  // Each tool collects its problems apart, so the report keeps file order although loading is concurrent.
  const loaded = await Promise.all(
    names.map(async (name) => {
      const own: Diagnostic[] = [];
      const spec = readToolSpec(dir, name, own);
      if (!codes.includes(name))
        own.push({ file: `tools/${name}.yaml`, message: `has no implementation tools/${name}.ts` });
      const run = codes.includes(name) ? await readToolCode(dir, name, own, onLog) : undefined;
      const tool: LoadedTool | undefined =
        spec && run
          ? {
              definition: { name: spec.name, description: spec.description.trim(), inputSchema: spec.input_schema },
              run,
              source: { yaml: `tools/${name}.yaml`, code: `tools/${name}.ts` },
              ...(spec.parallel ? { parallel: true } : {}),
            }
          : undefined;
      return { tool, own };
    }),
  );
  for (const { own } of loaded) problems.push(...own);
  return loaded.flatMap(({ tool }) => (tool ? [tool] : []));
}
