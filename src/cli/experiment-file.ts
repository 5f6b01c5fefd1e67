// Experiment files (`ahe evolve --config exp.yaml`, `ahe experiments run`): a YAML mapping whose keys are
// the flags of `ahe evolve` without their dashes (`evolve-model: …`, `k: 2`). The keys and the checks of
// their values come from the command's own option definitions (commander's Option objects: name, value
// kind, choices, argument parser), so a flag added to `ahe evolve` is a key at once and a value the
// command line would refuse is refused here with the same words. `extends:` merges base files (later
// wins), `${NAME}` / `${NAME:-default}` read the environment, relative paths are read from the file's
// directory, and every mistake is reported as `file:line: …` (docs/experiments.md).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { editDistance as distance } from '../edit-distance.ts';
import { UserError } from '../errors.ts';
import { parseYaml } from '../harness/read-yaml.ts';
import { absoluteModelSpec } from '../model/model-file.ts';
import type { JSONValue } from './evolve-flags.ts';
import { existingDir, existingFile, modelSpec, outputDir, outputFile } from './parse-options.ts';

/** The key that names base files; not a flag. */
export const EXTENDS_KEY = 'extends';
/** Options that cannot be keys: an experiment file does not name another one (that is `extends`). */
const NOT_KEYS = new Set(['config']);
/** Options whose values are paths: read relative to the experiment file that gives them. */
const PATH_PARSERS = new Set<unknown>([existingDir, existingFile, outputDir, outputFile]);

/** A mistake in an experiment file, reported as `file:line: message` (exit status 2). */
export class ExperimentFileError extends UserError {
  override name = 'ExperimentFileError';
}

export interface Experiment {
  /** The experiment file (absolute). */
  file: string;
  /** The base files merged under it (absolute), in merge order: a base before what extends it. */
  bases: string[];
  /** Each key's value as `ahe evolve` holds the flag's value, by commander attribute name (`evolveModel`). */
  values: Record<string, unknown>;
  /** Each key's value as recorded (absolute paths), by key (`evolve-model`). */
  keys: Record<string, JSONValue>;
}

/** A path as a user reads it: relative to the current directory when below it. */
export function showPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

interface Entry {
  key: string;
  raw: unknown;
  file: string;
  line: number;
}

const fail = (file: string, line: number | undefined, message: string): never => {
  throw new ExperimentFileError(`${showPath(file)}:${line ?? 1}: ${message}`);
};

/** The key a misspelled or differently cased one meant (`evolve_model`, `evolveModel`, `modle`), if any. */
function suggestKey(key: string, keys: readonly string[]): string | undefined {
  const kebab = key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  if (keys.includes(kebab)) return kebab;
  const ranked = keys.map((k) => ({ k, d: distance(kebab, k) })).sort((x, y) => x.d - y.d);
  const best = ranked[0];
  // A few edits, never as many as the key has letters (`x` is no misspelling of `k`).
  return best && best.d <= Math.min(3, Math.max(2, Math.floor(kebab.length / 3))) && best.d < kebab.length
    ? best.k
    : undefined;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${NAME}` and `${NAME:-default}` (default when unset or empty, as in a shell) in one string. */
function substituteEnv(text: string, env: NodeJS.ProcessEnv, where: () => [string, number]): string {
  const malformed = text.replace(ENV_REF, '').match(/\$\{[^}\s]*\}?/);
  if (malformed) fail(...where(), `'${malformed[0]}' is not \${NAME} or \${NAME:-default}`);
  return text.replace(ENV_REF, (_match, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined)
      return fail(
        ...where(),
        `\${${name}}: the environment variable ${name} is not set (or give \${${name}:-default})`,
      );
    return value;
  });
}

/** Reads one file's entries (environment substituted) and, before them, those of its bases. */
function readEntries(file: string, stack: string[], env: NodeJS.ProcessEnv, bases: string[]): Map<string, Entry> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(file, 1, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const { source, diagnostics } = parseYaml(text, file);
  if (!source) return fail(file, diagnostics[0]?.line, `invalid YAML: ${diagnostics[0]?.message ?? 'unreadable'}`);
  const doc = source.value ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    return fail(file, source.locate([]).line, 'expected a mapping of `ahe evolve` flags (key: value)');
  const lineOf = (path: PropertyKey[]) => source.locate(path).line ?? 1;
  const substitute = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') return substituteEnv(value, env, () => [file, lineOf(path)]);
    if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...path, i]));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, [...path, k])]));
    return value;
  };
  const merged = new Map<string, Entry>();
  const own = Object.entries(doc as Record<string, unknown>);
  const extendsValue = own.find(([key]) => key === EXTENDS_KEY);
  if (extendsValue) {
    const line = lineOf([EXTENDS_KEY]);
    const value = substitute(extendsValue[1], [EXTENDS_KEY]);
    const names = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || !n))
      fail(file, line, `${EXTENDS_KEY}: expected a file name or a list of them`);
    for (const name of names as string[]) {
      const base = resolve(dirname(file), name);
      if (stack.includes(base))
        fail(
          file,
          line,
          `${EXTENDS_KEY}: ${[...stack.slice(stack.indexOf(base)), base].map(showPath).join(' → ')} is a cycle`,
        );
      if (!existsSync(base) || !statSync(base).isFile())
        fail(file, line, `${EXTENDS_KEY}: ${name} does not exist (looked for ${showPath(base)})`);
      for (const [key, entry] of readEntries(base, [...stack, base], env, bases)) merged.set(key, entry);
      if (!bases.includes(base)) bases.push(base);
    }
  }
  for (const [key, raw] of own) {
    if (key === EXTENDS_KEY) continue;
    merged.set(key, { key, raw: substitute(raw, [key]), file, line: source.locateKey([key]).line ?? 1 });
  }
  return merged;
}

const typeName = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : typeof v;

/** One key's value as the flag would have it: checked and converted by the option's own definition. */
function parseEntry(option: Option, entry: Entry): { value: unknown; record: JSONValue } {
  const { key, raw, file, line } = entry;
  const isPath = PATH_PARSERS.has(option.parseArg);
  const parseOne = (item: unknown, previous: unknown): unknown => {
    if (typeof item !== 'string' && typeof item !== 'number')
      fail(file, line, `${key}: expected ${isPath ? 'a path' : 'a value'}, not ${typeName(item)}`);
    const text = String(item);
    // A model's file, like a path, is read from the experiment file's directory.
    const arg = isPath
      ? resolve(dirname(file), text)
      : option.parseArg === modelSpec
        ? absoluteModelSpec(text, dirname(file))
        : text;
    if (!option.parseArg) {
      if (!option.variadic) return arg;
      return previous === option.defaultValue || !Array.isArray(previous) ? [arg] : [...previous, arg];
    }
    if (option.argChoices && !option.argChoices.includes(arg))
      fail(file, line, `${key}: '${arg}' is not one of ${option.argChoices.join(', ')}`);
    try {
      return option.parseArg(arg, previous);
    } catch (error) {
      const relativeNote =
        isPath && !isAbsolute(text) ? ` (relative paths are read from ${showPath(dirname(file))})` : '';
      return fail(file, line, `${key}: ${(error as Error).message}${relativeNote}`);
    }
  };
  if (option.isBoolean()) {
    if (typeof raw !== 'boolean') fail(file, line, `${key}: expected true or false, not ${JSON.stringify(raw)}`);
    return { value: raw, record: raw as boolean };
  }
  if (option.optional && typeof raw === 'boolean') return { value: raw, record: raw };
  if (option.variadic) {
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.length === 0) fail(file, line, `${key}: expected a list of one or more values`);
    // Commander folds repeated values through the parser from the option's default, as here.
    const value = items.reduce<unknown>((previous, item) => parseOne(item, previous), option.defaultValue);
    return { value, record: value as JSONValue };
  }
  const value = parseOne(raw, option.defaultValue);
  return { value, record: value as JSONValue };
}

/** The options of `command` by key (the long flag without dashes), the keys an experiment file may have. */
export function experimentKeys(command: Command): Map<string, Option> {
  return new Map(command.options.filter((o) => !NOT_KEYS.has(o.name())).map((o) => [o.name(), o]));
}

/**
 * Reads, merges and checks an experiment file against `command`'s options (the `ahe evolve` command).
 * A key set to null is left unset (e.g. to drop a base's `holdout`). Throws ExperimentFileError.
 */
export function loadExperimentFile(file: string, command: Command, env: NodeJS.ProcessEnv = process.env): Experiment {
  const path = resolve(file);
  const bases: string[] = [];
  const entries = readEntries(path, [path], env, bases);
  const options = experimentKeys(command);
  const values: Record<string, unknown> = {};
  const keys: Record<string, JSONValue> = {};
  for (const entry of entries.values()) {
    const option = options.get(entry.key);
    if (!option) {
      if (NOT_KEYS.has(entry.key))
        fail(entry.file, entry.line, `'${entry.key}' cannot be a key: an experiment file names its base with extends:`);
      const meant = suggestKey(entry.key, [...options.keys(), EXTENDS_KEY]);
      fail(
        entry.file,
        entry.line,
        `unknown key '${entry.key}'${meant ? ` (did you mean '${meant}'?)` : ''}; the keys are the flags of ahe evolve without their dashes (ahe evolve --help), and extends`,
      );
    }
    if (entry.raw === null) continue;
    const parsed = parseEntry(option!, entry);
    values[option!.attributeName()] = parsed.value;
    keys[entry.key] = parsed.record;
  }
  return { file: path, bases, values, keys };
}
