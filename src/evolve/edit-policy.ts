// What the evolve agent may change, enforced in code: only harness component files, harness.yaml only
// in its `components:` section, and the seed's system prompt text never removed. The evolve agent's
// tools and Workspace.commitChange both apply these checks; every refusal says what is allowed.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import { ComponentsSchema } from '../harness/schemas.ts';

export type PolicyCheck = { ok: true } | { ok: false; reason: string };

export type EditableKind =
  | 'system_prompt'
  | 'harness_components'
  | 'tool_description'
  | 'tool_implementation'
  | 'middleware'
  | 'skill'
  | 'subagent'
  | 'memory';

export type PathCheck = { ok: true; path: string; kind: EditableKind } | { ok: false; reason: string };

/** Text formats a skill folder may hold beside SKILL.md (notes, examples, helper scripts as text). */
export const SKILL_FILE_EXTENSIONS = ['.md', '.txt', '.json', '.yaml', '.yml', '.py', '.sh'] as const;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const SKILL_FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** The whole rule, appended to every path refusal so the agent knows what it can do instead. */
export const EDITABLE_FILES =
  'editable harness files: system_prompt.md (additions only: the seed prompt text must stay), harness.yaml (only its components: section), ' +
  'tools/<name>.yaml, tools/<name>.ts, middleware/<name>.ts, skills/<name>/SKILL.md and other ' +
  `${SKILL_FILE_EXTENSIONS.join(' ')} files inside skills/<name>/, subagents/<name>.yaml, memory/<name>.md ` +
  '— <name> is 1–64 letters, digits, _ or -; paths are relative to the harness directory';

const refuse = (reason: string): { ok: false; reason: string } => ({
  ok: false,
  reason: `${reason} (${EDITABLE_FILES})`,
});

function kindOf(segments: string[]): EditableKind | string {
  const [top, second, ...rest] = segments;
  if (segments.length === 1) {
    if (top === 'system_prompt.md') return 'system_prompt';
    if (top === 'harness.yaml') return 'harness_components';
    return `${top} is not a harness component file`;
  }
  const file = (ext: string, kind: EditableKind): EditableKind | string => {
    if (rest.length > 0 || !second!.endsWith(ext))
      return `${top}/ holds only <name>${ext} files${top === 'tools' ? ' and <name>.ts files' : ''}`;
    return NAME.test(second!.slice(0, -ext.length))
      ? kind
      : `'${second!.slice(0, -ext.length)}' is not a valid component name`;
  };
  switch (top) {
    case 'tools':
      if (rest.length === 0 && second!.endsWith('.ts')) return file('.ts', 'tool_implementation');
      return file('.yaml', 'tool_description');
    case 'middleware':
      return file('.ts', 'middleware');
    case 'subagents':
      return file('.yaml', 'subagent');
    case 'memory':
      return file('.md', 'memory');
    case 'skills': {
      if (!NAME.test(second!)) return `'${second}' is not a valid skill name`;
      if (rest.length === 0) return 'a skill is a folder: skills/<name>/SKILL.md';
      if (!rest.every((s) => SKILL_FILE_SEGMENT.test(s))) return 'skill file names are letters, digits, ., _ or -';
      const name = rest[rest.length - 1]!;
      if (rest.length === 1 && name === 'SKILL.md') return 'skill';
      return SKILL_FILE_EXTENSIONS.some((ext) => name.endsWith(ext))
        ? 'skill'
        : `a skill folder holds only ${SKILL_FILE_EXTENSIONS.join(' ')} files`;
    }
    default:
      return `${top}/ is not a harness component folder`;
  }
}

/**
 * Whether the evolve agent may create, change or delete `relPath` (relative to the harness directory).
 * With `harnessDir`, a path through a symlink is refused too (it could lead out of the harness).
 * On success `path` is the normalised form (`./memory//x.md` → `memory/x.md`).
 */
export function checkEditablePath(relPath: string, options: { harnessDir?: string } = {}): PathCheck {
  if (typeof relPath !== 'string' || relPath.trim() === '') return refuse('an empty path');
  if (relPath.includes('\0')) return refuse('a path with a NUL byte');
  if (relPath.includes('\\')) return refuse(`${relPath}: use / as the separator`);
  if (relPath.startsWith('/') || /^[A-Za-z]:/.test(relPath) || relPath.startsWith('~'))
    return refuse(`${relPath} is an absolute path`);
  const segments = relPath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return refuse(`${relPath} uses '..': paths may not leave the harness directory`);
  const hidden = segments.find((s) => s.startsWith('.'));
  if (hidden)
    return refuse(
      `${relPath}: ${hidden === '.git' ? 'the harness git repository (.git)' : `hidden file ${hidden}`} is not a harness component file`,
    );
  const kind = kindOf(segments);
  const path = segments.join('/');
  if (!isKind(kind)) return refuse(`${path}: ${kind}`);
  if (options.harnessDir) {
    for (let n = 1; n <= segments.length; n++) {
      const prefix = segments.slice(0, n).join('/');
      let link = false;
      try {
        link = lstatSync(join(options.harnessDir, prefix)).isSymbolicLink();
      } catch {
        break; // does not exist (yet): nothing below it can be a link
      }
      if (link)
        return refuse(`${prefix} is a symlink: harness files must be regular files inside the harness directory`);
    }
  }
  return { ok: true, path, kind };
}

const KINDS = new Set<string>([
  'system_prompt',
  'harness_components',
  'tool_description',
  'tool_implementation',
  'middleware',
  'skill',
  'subagent',
  'memory',
]);
const isKind = (k: string): k is EditableKind => KINDS.has(k);

function parseYamlText(text: string, label: string): { value?: unknown; error?: string } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) return { error: `${label} does not parse: ${doc.errors[0]!.message.split('\n')[0]}` };
  return { value: doc.toJS() ?? {} };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));

/** Dotted path of the first difference between two parsed YAML values, with both sides. */
function firstDifference(a: unknown, b: unknown, path: string): string {
  if (isRecord(a) && isRecord(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      if (!isDeepStrictEqual(a[key], b[key])) return firstDifference(a[key], b[key], path ? `${path}.${key}` : key);
    }
  }
  return `${path}: ${show(a)} → ${show(b)}`;
}

const HARNESS_YAML_RULE =
  'only the components: section of harness.yaml may change (which tools, middleware and their order, skills, subagents, memory are enabled); ' +
  'name, description, model settings, limits and truncation are evaluation config, fixed for the run';

/** harness.yaml may change only inside `components:`; the new section must be valid. `after` null = deletion. */
export function checkHarnessYamlEdit(before: string, after: string | null): PolicyCheck {
  if (after === null) return { ok: false, reason: `harness.yaml may not be deleted; ${HARNESS_YAML_RULE}` };
  const old = parseYamlText(before, 'the current harness.yaml');
  if (old.error) return { ok: false, reason: old.error };
  const next = parseYamlText(after, 'the new harness.yaml');
  if (next.error) return { ok: false, reason: next.error };
  if (!isRecord(old.value) || !isRecord(next.value))
    return { ok: false, reason: `harness.yaml must be a mapping; ${HARNESS_YAML_RULE}` };
  const { components: _oldComponents, ...oldRest } = old.value;
  const { components: newComponents, ...newRest } = next.value;
  if (!isDeepStrictEqual(oldRest, newRest))
    return {
      ok: false,
      reason: `harness.yaml: ${firstDifference(oldRest, newRest, '')} is refused; ${HARNESS_YAML_RULE}`,
    };
  const parsed = ComponentsSchema.safeParse(newComponents);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      reason: `harness.yaml: components${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`,
    };
  }
  return { ok: true };
}

const normaliseSpace = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Finds `needle` in `hay` at or after `from`, only at word boundaries (space or either end). */
function indexAtBoundary(hay: string, needle: string, from: number): number {
  for (let i = hay.indexOf(needle, from); i !== -1; i = hay.indexOf(needle, i + 1)) {
    const startOk = i === 0 || hay[i - 1] === ' ';
    const endOk = i + needle.length === hay.length || hay[i + needle.length] === ' ';
    if (startOk && endOk) return i;
  }
  return -1;
}

const quote = (p: string) => `"${p.length > 90 ? `${p.slice(0, 87)}...` : p}"`;

/**
 * The seed's system prompt must stay in system_prompt.md: each of its paragraphs, in order, word for
 * word (whitespace and line wrapping may differ). Text may be added before, between and after them.
 */
export function checkSystemPromptEdit(seedPrompt: string, after: string | null): PolicyCheck {
  const rule =
    'system_prompt.md may only grow: keep every paragraph of the seed system prompt word for word and in order, and add text before, between or after them';
  if (after === null) return { ok: false, reason: `system_prompt.md may not be deleted; ${rule}` };
  const paragraphs = seedPrompt
    .split(/\r?\n[ \t]*\r?\n/)
    .map(normaliseSpace)
    .filter(Boolean);
  const text = normaliseSpace(after);
  let from = 0;
  for (const paragraph of paragraphs) {
    const at = indexAtBoundary(text, paragraph, from);
    if (at === -1) {
      const elsewhere = indexAtBoundary(text, paragraph, 0) !== -1;
      return {
        ok: false,
        reason: `system_prompt.md: the seed paragraph ${quote(paragraph)} was ${elsewhere ? 'moved before an earlier seed paragraph' : 'removed or altered'}; ${rule}`,
      };
    }
    from = at + paragraph.length;
  }
  return { ok: true };
}

/**
 * Path and content checks of one edit together: what the evolve agent's write tools and commitChange
 * apply. `before`/`after` are the file's text (null = absent); `seedPrompt` is the seed's system prompt.
 */
export function checkFileEdit(
  relPath: string,
  edit: { before: string | null; after: string | null; seedPrompt: string; harnessDir?: string },
): PolicyCheck {
  const path = checkEditablePath(relPath, { harnessDir: edit.harnessDir });
  if (!path.ok) return path;
  if (path.kind === 'harness_components') {
    if (edit.before === null)
      return edit.after === null
        ? { ok: true }
        : { ok: false, reason: 'harness.yaml cannot be created by an edit: the run starts from the seed harness.yaml' };
    return checkHarnessYamlEdit(edit.before, edit.after);
  }
  if (path.kind === 'system_prompt') return checkSystemPromptEdit(edit.seedPrompt, edit.after);
  return { ok: true };
}
