// Which files make up a harness, and which components harness.yaml enables.
import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from './harness-error.ts';
import type { ComponentKind, ComponentSelection } from './schemas.ts';

/** Entries of a folder, hidden ones left out; none when the folder does not exist. */
function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  } catch {
    return [];
  }
}

/** Names (without extension) of the files `<sub>/*<ext>`, alphabetical. */
export function listComponentFiles(dir: string, sub: string, ext: string): string[] {
  return entries(join(dir, sub))
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => e.name.slice(0, -ext.length))
    .sort();
}

/** Names of the folders under skills/, alphabetical. */
export function listSkillFolders(dir: string): string[] {
  return entries(join(dir, 'skills'))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Every file of the harness (relative paths, sorted), leaving out hidden files such as .git. */
export function listHarnessFiles(dir: string, prefix = ''): string[] {
  return entries(join(dir, prefix))
    .filter((e) => e.name !== 'node_modules')
    .flatMap((e) =>
      e.isDirectory() ? listHarnessFiles(dir, join(prefix, e.name)) : e.isFile() ? [join(prefix, e.name)] : [],
    )
    .sort();
}

const KIND_NOUN: Record<ComponentKind, string> = {
  tools: 'tools/<name>.yaml',
  middleware: 'middleware/<name>.ts',
  skills: 'skills/<name>/',
  subagents: 'subagents/<name>.yaml',
  memory: 'memory/<name>.md',
};

/** The enabled names of one kind: every one present ("all", alphabetical) or the listed ones in list order. */
export function selectComponents(
  selection: ComponentSelection,
  kind: ComponentKind,
  present: readonly string[],
  problems: Diagnostic[],
): string[] {
  if (selection === 'all') return [...present];
  const seen = new Set<string>();
  selection.forEach((name, i) => {
    const field = `components.${kind}.${i}`;
    if (seen.has(name)) problems.push({ file: 'harness.yaml', field, message: `lists '${name}' twice` });
    else if (!present.includes(name))
      problems.push({
        file: 'harness.yaml',
        field,
        message: `lists '${name}' but there is no ${KIND_NOUN[kind].replace('<name>', name)}`,
      });
    seen.add(name);
  });
  return [...new Set(selection)].filter((name) => present.includes(name));
}
