// Every flag and argument value a user types is checked here, once, before a command runs: numbers
// (integer, range) and paths (exists, directory or file, writable). Commander turns the thrown
// InvalidArgumentError into one line naming the option (`option '--tasks <dir>' argument 'x' is invalid.
// …`) and ahe exits 2, so no mistyped value can reach an internal error.
import { accessSync, constants, existsSync, lstatSync, mkdtempSync, readlinkSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { ABLATION_TYPES, type AblationType, ablationTypeOf } from '../experiments/ablation-types.ts';
import { absoluteModelSpec } from '../model/model-file.ts';

export type ValueParser<T> = (value: string) => T;

interface Range {
  min: number;
  max: number;
  /** `min` itself is not allowed (e.g. a positive number: min 0 exclusive). */
  minExclusive?: boolean;
}

const DECIMAL = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+]?\d+$/;
const show = (n: number) => String(n);

/** An integer in [min, max], written in plain decimal digits (no '', '0x10', '1e3', '2.0'). */
export function intOption(range: Range): ValueParser<number> {
  const expected = `an integer from ${show(range.minExclusive ? range.min + 1 : range.min)} to ${show(range.max)}`;
  return (value) => {
    const n = Number(value.trim());
    if (!INTEGER.test(value.trim()) || !Number.isSafeInteger(n))
      throw new InvalidArgumentError(`expected ${expected}, got '${value}'`);
    if (n < range.min || (range.minExclusive && n === range.min) || n > range.max)
      throw new InvalidArgumentError(`expected ${expected}, got ${value}`);
    return n;
  };
}

/** A finite decimal number in (min, max] or [min, max]. */
export function numberOption(range: Range): ValueParser<number> {
  const expected = `a number ${range.minExclusive ? 'above' : 'from'} ${show(range.min)} ${range.minExclusive ? 'up ' : ''}to ${show(range.max)}`;
  return (value) => {
    const n = Number(value.trim());
    if (!DECIMAL.test(value.trim()) || !Number.isFinite(n))
      throw new InvalidArgumentError(`expected ${expected}, got '${value}'`);
    if (n < range.min || (range.minExclusive && n === range.min) || n > range.max)
      throw new InvalidArgumentError(`expected ${expected}, got ${value}`);
    return n;
  };
}

// The ranges of ahe's options. Upper bounds keep values inside what the runtime can honour (a timer
// longer than 2^31 ms fires at once in Node; a million attempts per task is a typo, not a plan).
export const LIMITS = {
  count: 1_000_000_000_000,
  attempts: 1000,
  concurrency: 4096,
  iterations: 10_000,
  retries: 100,
  steps: 1_000_000,
  multiplier: 1000,
  seconds: 2_000_000,
  minutes: 30_000,
  usd: 1_000_000,
  lockMs: 2_000_000_000,
} as const;

/** A positive integer up to a generous bound (tokens, steps…). */
export const positiveInt: ValueParser<number> = intOption({ min: 0, minExclusive: true, max: LIMITS.count });
export const nonNegativeInt: ValueParser<number> = intOption({ min: 0, max: LIMITS.count });
export const positiveNumber: ValueParser<number> = numberOption({ min: 0, minExclusive: true, max: LIMITS.count });
export const attempts = intOption({ min: 0, minExclusive: true, max: LIMITS.attempts });
export const concurrency = intOption({ min: 0, minExclusive: true, max: LIMITS.concurrency });
export const iterations = intOption({ min: 0, max: LIMITS.iterations });
/** Every how many iterations (at least 1). */
export const iterationInterval = intOption({ min: 0, minExclusive: true, max: LIMITS.iterations });
export const retries = intOption({ min: 0, max: LIMITS.retries });
export const steps = intOption({ min: 0, minExclusive: true, max: LIMITS.steps });
export const timeoutMultiplier = numberOption({ min: 0, minExclusive: true, max: LIMITS.multiplier });
export const seconds = numberOption({ min: 0, minExclusive: true, max: LIMITS.seconds });
export const minutes = numberOption({ min: 0, minExclusive: true, max: LIMITS.minutes });
export const usd = numberOption({ min: 0, minExclusive: true, max: LIMITS.usd });
export const lockMs = intOption({ min: 1000, max: LIMITS.lockMs });
/** A TCP port to listen on (0: any free port). */
export const port = intOption({ min: 0, max: 65535 });
/** A rate between 0 and 1 (e.g. --target-pass-rate). */
export const fraction = numberOption({ min: 0, max: 1 });

/** A name that becomes one directory (`ahe transfer --name`): 1–100 letters, digits, '.', '_' or '-'. */
export const directoryName: ValueParser<string> = (value) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(value))
    throw new InvalidArgumentError(
      `expected 1–100 letters, digits, '.', '_' or '-' (a directory name), got '${value}'`,
    );
  return value;
};

/** A comma-separated list of component types (`ahe ablate --components memory,tools`). */
export const componentTypes: ValueParser<AblationType[]> = (value) => {
  const words = value
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean);
  if (words.length === 0)
    throw new InvalidArgumentError(`expected one or more component types, comma-separated, got '${value}'`);
  return words.map((w) => {
    const type = ablationTypeOf(w);
    if (!type) throw new InvalidArgumentError(`expected component types (${ABLATION_TYPES.join(', ')}), got '${w}'`);
    return type;
  });
};

const kind = (path: string) => {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
};

/** An existing directory (a task suite, a harness, a job…). */
export const existingDir: ValueParser<string> = (value) => {
  const k = kind(resolve(value));
  if (k === 'missing') throw new InvalidArgumentError(`${value} does not exist`);
  if (k === 'unreadable') throw new InvalidArgumentError(`${value} cannot be read`);
  if (k !== 'directory') throw new InvalidArgumentError(`${value} is a file, not a directory`);
  return value;
};

/** An existing regular file (a price table, an instruction…). */
export const existingFile: ValueParser<string> = (value) => {
  const k = kind(resolve(value));
  if (k === 'missing') throw new InvalidArgumentError(`${value} does not exist`);
  if (k === 'unreadable') throw new InvalidArgumentError(`${value} cannot be read`);
  if (k !== 'file') throw new InvalidArgumentError(`${value} is a directory, not a file`);
  return value;
};

/** Where a symbolic link on the way to `path` (or `path` itself) points nowhere, the link. */
function brokenLinkOn(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      if (lstatSync(p).isSymbolicLink() && !existsSync(p)) return p;
    } catch {
      // not there: look further up
    }
    if (dirname(p) === p) return undefined;
  }
}

/**
 * The path can be created: no broken symbolic link on the way, and the nearest ancestor that exists is
 * a writable directory that lets a directory be made in it (a read-only or pseudo file system such as
 * /proc refuses, and Node's recursive mkdir loops forever on /proc).
 */
function checkCreatable(value: string, path: string): void {
  const link = brokenLinkOn(path);
  if (link)
    throw new InvalidArgumentError(
      `${value} cannot be created: ${link} is a symbolic link to ${readlinkSync(link)}, which does not exist`,
    );
  let parent = dirname(path);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  const k = kind(parent);
  if (k !== 'directory')
    throw new InvalidArgumentError(
      `${value} cannot be created: ${parent} is ${k === 'file' ? 'a file' : 'not a directory'}`,
    );
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${value} cannot be created: ${parent} is not writable`);
  }
  try {
    rmdirSync(mkdtempSync(join(parent, '.ahe-probe-')));
  } catch (error) {
    throw new InvalidArgumentError(
      `${value} cannot be created: ${parent} does not allow it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** A directory to write into: an existing writable directory, or one that can be created. */
export const outputDir: ValueParser<string> = (value) => {
  const path = resolve(value);
  const k = kind(path);
  if (k === 'missing') {
    checkCreatable(value, path);
    return value;
  }
  if (k !== 'directory') throw new InvalidArgumentError(`${value} is a file, not a directory`);
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${value} is not writable`);
  }
  return value;
};

/** A file to write: an existing writable file, or one that can be created. */
export const outputFile: ValueParser<string> = (value) => {
  const path = resolve(value);
  const k = kind(path);
  if (k === 'missing') {
    checkCreatable(value, path);
    return value;
  }
  if (k !== 'file') throw new InvalidArgumentError(`${value} is a directory, not a file`);
  try {
    accessSync(path, constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`${value} is not writable`);
  }
  return value;
};

/**
 * A model spec, with the file a file-backed model reads (`scripted:`, `replay:`, `sim:`, `sim-evolver:`,
 * also behind `chaos:`) made absolute from the current directory (experiment files: from the file's
 * directory), so what a run or job records works from any directory. The spec itself is checked when
 * the model is made (createModel), which names what is wrong with it.
 */
export const modelSpec: ValueParser<string> = (value) => absoluteModelSpec(value);
