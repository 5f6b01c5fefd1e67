// No user input reaches an internal error: every path and number a command takes is checked when the
// command line is parsed, and a bad value is one line naming the option (exit 2). The big table runs
// in-process on the real program (every command, every option); a few cases spawn the CLI.

import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Argument, type Command, CommanderError, type Option } from 'commander';
import { buildProgram } from '../../src/cli/main.ts';
import * as parsers from '../../src/cli/parse-options.ts';
import { reportError } from '../../src/cli/report-error.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'ahe-options-'));
const aFile = join(work, 'a-file.txt');
writeFileSync(aFile, 'not a directory\n');
const missing = join(work, 'missing', 'nowhere');
const unwritable = '/proc/1/ahe-out'; // not writable, even for root
const outUnderFile = join(aFile, 'sub');
// A symbolic link to nothing (mkdir through it fails), and a pseudo file system that lets no directory be
// made (Node's recursive mkdir loops forever there).
const danglingLink = join(work, 'dangling');
symlinkSync(join(work, 'no-such-target'), danglingLink);
const pseudo = '/proc/ahe-out';

// Bad values by parser: every one must be refused with a message.
const BAD: [parsers.ValueParser<unknown>, string[]][] = [
  [parsers.existingDir, [missing, aFile]],
  [parsers.port, ['-1', '65536', '80.5']],
  [parsers.directoryName, ['', '../up', 'a/b', '.hidden']],
  [parsers.componentTypes, ['', ' , ', 'memory,prompts-and-more']],
  [parsers.existingFile, [missing, work]],
  [parsers.outputDir, [aFile, outUnderFile, unwritable, danglingLink, join(danglingLink, 'sub'), pseudo]],
  [parsers.outputFile, [work, outUnderFile, unwritable, danglingLink, join(danglingLink, 'r.html'), pseudo]],
  [parsers.positiveInt, ['0', '-1', 'NaN', '1.5', 'abc', '', '0x10', '1e3', '99999999999999999999']],
  [parsers.nonNegativeInt, ['-1', 'NaN', '2.5', 'x', '']],
  [parsers.positiveNumber, ['0', '-0.5', 'NaN', 'Infinity', 'abc', '']],
  [parsers.attempts, ['0', '-2', '1.5', '1001', 'k']],
  [parsers.concurrency, ['0', '-1', '2.5', '100000', 'all']],
  [parsers.iterations, ['-1', '1.5', '10001', 'many']],
  [parsers.iterationInterval, ['0', '-1', '1.5', '10001']],
  [parsers.retries, ['-1', '0.5', '101']],
  [parsers.steps, ['0', '-3', '1.2', '1000001']],
  [parsers.timeoutMultiplier, ['0', '-1', 'NaN', '1001', 'fast']],
  [parsers.seconds, ['0', '-5', 'NaN', '1e9']],
  [parsers.minutes, ['0', '-5', '1e9']],
  [parsers.usd, ['0', '-1', 'NaN', '1e7', '$5']],
  [parsers.lockMs, ['0', '999', '1.5', '3e9']],
  [parsers.fraction, ['-0.1', '1.01', 'NaN', '50%', '']],
];

const GOOD: [parsers.ValueParser<unknown>, string, unknown][] = [
  [parsers.existingDir, work, work],
  [parsers.existingFile, aFile, aFile],
  [parsers.outputDir, join(work, 'new', 'dir'), join(work, 'new', 'dir')],
  [parsers.outputFile, join(work, 'new.jsonl'), join(work, 'new.jsonl')],
  [parsers.positiveInt, '12', 12],
  [parsers.nonNegativeInt, '0', 0],
  [parsers.timeoutMultiplier, '2.5', 2.5],
  [parsers.usd, '.5', 0.5],
  [parsers.iterations, '0', 0],
  [parsers.iterationInterval, '1', 1],
  [parsers.fraction, '0.75', 0.75],
  [parsers.fraction, '1', 1],
];

test('each value parser refuses every bad value of its table with a reason, and keeps good values', () => {
  for (const [parse, values] of BAD) {
    for (const value of values)
      assert.throws(
        () => parse(value),
        /expected|does not exist|not a|cannot|not writable/,
        `${value} should be refused`,
      );
  }
  for (const [parse, value, expected] of GOOD) assert.deepEqual(parse(value), expected);
});

// Options that take free text (a model spec, an instruction, a task name, a URL checked when it is
// used): everything else must go through a parser of parse-options.ts.
const FREE_TEXT = new Set([
  '--model',
  '--evolve-model',
  '--debug-model',
  '--fallback-model',
  '--evolve-fallback-model',
  '--debug-fallback-model',
  '--instruction',
  '--task',
  '--exclude',
  '--holdout-task',
  '--holdout-exclude',
  '--queue',
  '--trial',
  '--evolver-hints',
  '--host',
  '<task>',
]);
const KNOWN_PARSERS = new Set<unknown>(Object.values(parsers).filter((v) => typeof v === 'function'));
const badFor = new Map<unknown, string[]>(BAD);

interface Leaf {
  path: string[];
  command: Command;
}
function commandsOf(command: Command, path: string[] = []): Leaf[] {
  return command.commands.flatMap((c) => [
    { path: [...path, c.name()], command: c },
    ...commandsOf(c, [...path, c.name()]),
  ]);
}
const parserOf = (x: Option | Argument) => (x as unknown as { parseArg?: unknown }).parseArg;

/** Parses argv on a fresh program; returns the usage error (the action must never run). */
async function parseError(argv: string[]): Promise<CommanderError> {
  const program = buildProgram();
  const quiet = (c: Command) => {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    c.commands.forEach(quiet);
    c.action(() => assert.fail(`the action of ${argv.join(' ')} ran`));
  };
  quiet(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error;
    throw error;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

/** Commander checks required options before arguments: give the others a good value. */
function mandatory(command: Command, except?: Option): string[] {
  const good = (o: Option) => (parserOf(o) === parsers.existingFile ? aFile : work);
  return command.options.filter((o) => o.mandatory && o !== except).flatMap((o) => [o.long!, good(o)]);
}

test('every path and number option of every command is checked: a bad value names the option and is a usage error', async () => {
  let checked = 0;
  for (const { path, command } of commandsOf(buildProgram())) {
    const args = command.registeredArguments;
    for (const option of command.options) {
      if (!option.required && !option.optional) continue; // a boolean flag
      if (option.argChoices) continue; // commander checks the choices itself
      const parse = parserOf(option);
      if (!parse) {
        assert.ok(
          FREE_TEXT.has(option.long!),
          `ahe ${path.join(' ')} ${option.flags}: give it a parser from src/cli/parse-options.ts (or list it as free text)`,
        );
        continue;
      }
      assert.ok(
        KNOWN_PARSERS.has(parse),
        `ahe ${path.join(' ')} ${option.flags}: its parser is not from parse-options.ts`,
      );
      const positional = args.map(() => work);
      for (const bad of badFor.get(parse) ?? []) {
        const error = await parseError([...path, ...positional, ...mandatory(command, option), option.long!, bad]);
        assert.equal(
          error.code,
          'commander.invalidArgument',
          `${path.join(' ')} ${option.long} ${bad}: ${error.message}`,
        );
        assert.ok(error.message.includes(option.long!), error.message);
        assert.equal(error.message.split('\n').length, 1, error.message);
        checked += 1;
      }
    }
    for (const [i, argument] of args.entries()) {
      const parse = parserOf(argument);
      if (!parse && FREE_TEXT.has(`<${argument.name()}>`)) continue;
      assert.ok(
        parse && KNOWN_PARSERS.has(parse),
        `ahe ${path.join(' ')} <${argument.name()}>: give it a parser from src/cli/parse-options.ts`,
      );
      for (const bad of badFor.get(parse) ?? []) {
        const positional = args.map((_, j) => (j === i ? bad : work));
        const error = await parseError([...path, ...positional, ...mandatory(command)]);
        assert.equal(error.code, 'commander.invalidArgument', `${path.join(' ')} ${bad}: ${error.message}`);
        assert.ok(error.message.includes(argument.name()), error.message);
        checked += 1;
      }
    }
  }
  assert.ok(checked > 150, `only ${checked} bad values were tried`);
});

test('a file-system refusal that slips past the checks is one line naming the path, not an internal error', () => {
  const lines: string[] = [];
  const stream = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
  const error = Object.assign(new Error("EEXIST: file already exists, mkdir 'README.md'"), {
    code: 'EEXIST',
    syscall: 'mkdir',
    path: 'README.md',
  });
  assert.equal(reportError(error, stream), 2);
  assert.equal(lines.join('').trim().split('\n').length, 1);
  assert.match(lines.join(''), /cannot mkdir README\.md/);
});

test('the CLI: path mistakes of the issue are one line naming the option, exit 2, never a stack trace', async () => {
  const readme = join(ROOT, 'README.md');
  const cases: [string[], RegExp][] = [
    [['eval', '--tasks', readme, '--agent', 'oracle'], /--tasks .*README\.md is a file, not a directory/],
    [
      ['eval', '--tasks', join(ROOT, 'tasks', 'train'), '--agent', 'oracle', '--out', readme],
      /--out .*README\.md is a file, not a directory/,
    ],
    [['evolve', '--resume', readme], /--resume .*is a file, not a directory/],
    [
      ['eval', '--tasks', join(ROOT, 'tasks', 'train'), '-k', '0'],
      /-k, --k .*expected an integer from 1 to 1000, got 0/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, STACK_LINE);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
});

test('a model flag with something that is not a model spec is named with its flag, before anything runs', async () => {
  const seed = join(ROOT, 'harnesses', 'seed');
  const tasks = join(ROOT, 'tasks', 'train');
  const work = mkdtempSync(join(tmpdir(), 'ahe-model-flags-'));
  const evolve = ['evolve', '--harness', seed, '--tasks', tasks, '--out', join(work, 'run')];
  const cases: [string[], RegExp][] = [
    [
      [...evolve, '--model', 'scripted:x.yaml', '--evolve-model', 'bogus'],
      /^ahe: --evolve-model bogus: not a model spec: expected openai:<model>, .*$/m,
    ],
    [
      [...evolve, '--model', 'scripted:x.yaml', '--debug-model', 'nothing'],
      /^ahe: --debug-model nothing: not a model spec: .*; or 'none' for the heuristic report only$/m,
    ],
    [
      ['eval', '--tasks', tasks, '--harness', seed, '--model', 'scripted:x.yaml', '--fallback-model', 'bogus:x'],
      /^ahe: --fallback-model bogus:x: unknown model provider 'bogus' \(expected openai:<model>, .*\)$/m,
    ],
    [
      ['eval', '--tasks', tasks, '--harness', seed, '--model', 'chaos:2:scripted:x.yaml'],
      /^ahe: --model chaos:2:scripted:x\.yaml: .*the rate must be a number from 0 to 1/m,
    ],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(args, { cwd: work });
    assert.equal(res.exitCode, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message);
    assert.doesNotMatch(res.stderr, STACK_LINE);
  }
});

test('a mistyped option is reported as unknown (with a suggestion), not as a missing required one', async () => {
  const seed = join(ROOT, 'harnesses', 'seed');
  for (const [args, message] of [
    [
      ['run', '--harnes', seed, '--model', 'scripted:x.yaml', '--instruction', 'x'],
      /unknown option '--harnes'\n\(Did you mean --harness\?\)/,
    ],
    [['transfer', seed, '--modle', 'scripted:x.yaml'], /unknown option '--modle'\n\(Did you mean --model\?\)/],
    [['run', '--harness', seed, '--instruction', 'x'], /required option '--model <spec>' not specified/],
    [['worker'], /required option '--queue <url>' not specified/],
  ] as const) {
    const res = await runCli([...args]);
    assert.equal(res.exitCode, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message);
  }
});

test("an error message never prints a secret environment variable's value (an experiment file's ${OPENAI_API_KEY} echoed)", async () => {
  const work = mkdtempSync(join(tmpdir(), 'ahe-secret-echo-'));
  writeFileSync(join(work, 'exp.yaml'), 'iterations: ${OPENAI_API_KEY}\n');
  writeFileSync(join(work, 'model.yaml'), `harness: ${join(ROOT, 'harnesses', 'seed')}\nmodel: \${OPENAI_API_KEY}\n`);
  const env = { OPENAI_API_KEY: 'test-SECRET-value-123' };
  const iterations = await runCli(['evolve', '--config', 'exp.yaml', '--out', 'run'], { env, cwd: work });
  assert.equal(iterations.exitCode, 2, iterations.stderr);
  assert.match(iterations.stderr, /iterations: expected an integer .*got '\[REDACTED:OPENAI_API_KEY\]'/);
  const model = await runCli(
    ['evolve', '--config', 'model.yaml', '--tasks', join(ROOT, 'tasks', 'train'), '--out', 'run'],
    {
      env,
      cwd: work,
    },
  );
  assert.equal(model.exitCode, 2, model.stderr);
  assert.match(model.stderr, /--model \[REDACTED:OPENAI_API_KEY\]: not a model spec/);
  for (const res of [iterations, model]) assert.doesNotMatch(res.stdout + res.stderr, /SECRET-value/);
});

test('an empty --instruction-file and a simulate --harness that is not a harness are refused, naming the flag', async () => {
  const work = mkdtempSync(join(tmpdir(), 'ahe-empty-inputs-'));
  writeFileSync(join(work, 'task.md'), '\n  \n');
  const run = await runCli(
    [
      'run',
      '--harness',
      join(ROOT, 'harnesses', 'seed'),
      '--model',
      'scripted:x.yaml',
      '--instruction-file',
      'task.md',
    ],
    { cwd: work },
  );
  assert.equal(run.exitCode, 2, run.stderr);
  assert.match(run.stderr, /--instruction-file: .*task\.md is empty: the agent would have no task/);
  const simulate = await runCli(
    ['simulate', join(ROOT, 'examples', 'simulation', 'stable-40.yaml'), '--runs', '1', '--harness', work],
    { cwd: work },
  );
  assert.equal(simulate.exitCode, 2, simulate.stderr);
  assert.match(simulate.stderr, /--harness .*: not a harness \(no harness\.yaml\)/);
});
