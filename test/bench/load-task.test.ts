import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask, loadTaskSuite } from '../../src/bench/load-task.ts';
import { parseSizeMb } from '../../src/bench/parse-size.ts';

const TASKS = fileURLToPath(new URL('../fixtures/tasks', import.meta.url));
const env = { HOME: '/home/tester' };
const suite = loadTaskSuite(TASKS, env);
const byName = (name: string) => suite.tasks.find((t) => t.name === name)!;

test('a suite loads every valid task and reports each broken one with its path and field', () => {
  assert.deepEqual(
    suite.tasks.map((t) => t.name),
    ['harbor-new', 'harbor-steps', 'harbor-tb2', 'tb1-basic', 'tb1-descriptions'],
  );
  assert.equal(suite.problems.length, 2);
  const toml = suite.problems.find((p) => p.path.includes('broken-toml'))!;
  assert.match(toml.path, /broken-toml\/task\.toml:\d+$/);
  const field = suite.problems.find((p) => p.path.includes('broken-field'))!;
  assert.equal(field.field, 'agent.timeout_sec');
});

test('a symbolic link to nothing among the tasks is a broken task, not a crash; the rest load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-load-task-link-'));
  cpSync(join(TASKS, 'harbor-new'), join(dir, 'harbor-new'), { recursive: true });
  symlinkSync(join(dir, 'gone'), join(dir, 'old-task'));
  const linked = loadTaskSuite(dir, env);
  assert.deepEqual(
    linked.tasks.map((t) => t.name),
    ['harbor-new'],
  );
  assert.deepEqual(linked.problems, [
    { path: join(dir, 'old-task'), message: `is a symbolic link to ${join(dir, 'gone')}, which does not exist` },
  ]);
});

test('TB2-release style: float timeouts, string sizes, a prebuilt image next to a Dockerfile, vendor metadata kept', () => {
  const t = byName('harbor-tb2');
  assert.equal(t.format, 'harbor');
  assert.equal(t.instruction, 'Fix the bug in /app/main.py so that the tests pass.\n');
  assert.equal(t.difficulty, 'medium');
  assert.deepEqual(t.tags, ['git', 'debugging']);
  assert.equal(t.agentTimeoutSec, 1800);
  assert.equal(t.verifierTimeoutSec, 900);
  assert.equal(t.environment.memoryMb, 2048);
  assert.equal(t.environment.storageMb, 10240);
  assert.equal(t.environment.dockerImage, 'ghcr.io/example/harbor-tb2:20250101');
  assert.ok(t.environment.dockerfile!.endsWith('harbor-tb2/environment/Dockerfile'));
  assert.ok(t.testScript!.endsWith('tests/test.sh'));
  assert.ok(t.solutionScript!.endsWith('solution/solve.sh'));
  assert.equal((t.config.metadata as Record<string, unknown>).expert_time_estimate_min, 20);
  assert.equal(t.environment.allowInternet, false);
});

test('newer Harbor style: integer sizes, [task] table, [tags] table, env substitution, defaults for missing sections', () => {
  const t = byName('harbor-new');
  assert.equal(t.environment.memoryMb, 2048);
  assert.equal(t.environment.allowInternet, true);
  assert.deepEqual(t.tags, ['data']);
  assert.deepEqual(t.verifierEnv, { TOKEN_FILE: '/home/tester/token', MODE: 'strict' });
  assert.equal(t.agentTimeoutSec, 600);
  assert.equal(t.solutionScript, undefined);
  assert.deepEqual({ ...(t.config.environment as Record<string, object>).vendor_extension }, { anything: 1 });
});

test('multi-step tasks list their steps with instructions, dependencies and timeouts', () => {
  const t = byName('harbor-steps');
  assert.deepEqual(
    t.steps.map((s) => [s.name, s.instruction.trim(), s.dependencies, s.agentTimeoutSec]),
    [
      ['setup', 'Create the project skeleton.', [], 300],
      ['extend', 'Add a CLI to the project.', ['setup'], undefined],
    ],
  );
  assert.equal(t.instruction.trim(), 'Create the project skeleton.');
});

test('Terminal-Bench 1: task.yaml with a block instruction, or adapter descriptions', () => {
  const t = byName('tb1-basic');
  assert.equal(t.format, 'tb1');
  assert.match(t.instruction, /^Write a script \/app\/count\.sh/);
  assert.deepEqual(t.tags, ['bash', 'text']);
  assert.equal(t.agentTimeoutSec, 360);
  assert.equal(t.verifierTimeoutSec, 60);
  assert.ok(t.testScript!.endsWith('run-tests.sh'));
  assert.ok(t.solutionScript!.endsWith('solution.sh'));
  assert.equal(byName('tb1-descriptions').instruction, 'Solve the base variant.');
});

test('every bad value of a task.toml is named at once; a timeout, CPU count or size of zero or below is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-load-task-'));
  cpSync(join(TASKS, 'harbor-new'), join(dir, 't'), { recursive: true });
  const toml = join(dir, 't', 'task.toml');
  const original = readFileSync(toml, 'utf8');
  // The fixture has no [verifier] or [agent] table of its own.
  writeFileSync(toml, `${original}\n[verifier]\ntimeout_sec = "sixty"\n[agent]\ntimeout_sec = 0\n`);
  const { problem } = loadTask(join(dir, 't'), env);
  assert.ok(problem, 'refused');
  assert.equal(problem.field, undefined);
  assert.equal(
    problem.message,
    '2 problems: verifier.timeout_sec: expected a number; agent.timeout_sec: must be greater than 0',
  );
  writeFileSync(toml, `${original.replace(/^\[environment\][^[]*/m, '')}\n[environment]\ncpus = -2\ngpus = 0\n`);
  const one = loadTask(join(dir, 't'), env).problem;
  assert.deepEqual([one?.field, one?.message], ['environment.cpus', 'must be greater than 0']);
  // A size that cannot be read is refused, not left out (which ran the task without its limit).
  writeFileSync(
    toml,
    `${original.replace(/^\[environment\][^[]*/m, '')}\n[environment]\nmemory = "lots"\nstorage = "10G"\n`,
  );
  const size = loadTask(join(dir, 't'), env).problem;
  assert.deepEqual(
    [size?.field, size?.message],
    ['environment.memory', 'expected a size above 0 such as "2G", "512M" or a number of MB'],
  );
});

test('a directory that is not a task says so; sizes parse in the forms tasks use', () => {
  assert.match(loadTask(join(TASKS, '..')).problem!.message, /not a task directory/);
  assert.equal(parseSizeMb('2G'), 2048);
  assert.equal(parseSizeMb('512Mi'), 512);
  assert.equal(parseSizeMb('1.5 GB'), 1536);
  assert.equal(parseSizeMb(4096), 4096);
  assert.equal(parseSizeMb('lots'), undefined);
});
