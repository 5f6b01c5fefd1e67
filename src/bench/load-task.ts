// Reads published task directories unchanged: Harbor / Terminal-Bench 2 (task.toml + instruction.md)
// and Terminal-Bench 1 (task.yaml). A malformed task is a problem naming its path and field, never a crash.
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseSizeMb } from './parse-size.ts';
import { substituteEnvTable } from './substitute-env.ts';
import {
  type ArtifactEntry,
  DEFAULT_AGENT_TIMEOUT_SEC,
  DEFAULT_VERIFIER_TIMEOUT_SEC,
  type Healthcheck,
  type Task,
  type TaskStep,
  type UnsupportedField,
} from './task.ts';
import {
  type ArtifactListConfig,
  type HarborTaskConfig,
  HarborTaskSchema,
  type HealthcheckConfig,
  Tb1TaskSchema,
} from './task-schema.ts';

export interface TaskProblem {
  /** The file (or directory) at fault. */
  path: string;
  field?: string;
  message: string;
}

export type LoadedTask = { task: Task; problem?: undefined } | { task?: undefined; problem: TaskProblem };

const fileIf = (path: string) => (existsSync(path) ? path : undefined);
const readText = (path: string) => readFileSync(path, 'utf8');

function validate<T>(schema: z.ZodType<T>, raw: unknown, path: string): { value: T } | { problem: TaskProblem } {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { value: parsed.data };
  const { issues } = parsed.error;
  const fieldOf = (issue: (typeof issues)[number]) => issue.path.join('.') || undefined;
  if (issues.length === 1) return { problem: { path, field: fieldOf(issues[0]!), message: issues[0]!.message } };
  // Every problem at once: a task author fixes the file in one go.
  const listed = issues.map((issue) => `${fieldOf(issue) ? `${fieldOf(issue)}: ` : ''}${issue.message}`);
  return { problem: { path, message: `${issues.length} problems: ${listed.join('; ')}` } };
}

function loadHarbor(dir: string, env: NodeJS.ProcessEnv): LoadedTask {
  const configPath = join(dir, 'task.toml');
  let raw: unknown;
  try {
    raw = parseToml(readText(configPath));
  } catch (error) {
    const e = error as { line?: number; message: string };
    return { problem: { path: `${configPath}${e.line ? `:${e.line}` : ''}`, message: e.message.split('\n')[0]! } };
  }
  const checked = validate(HarborTaskSchema, raw, configPath);
  if ('problem' in checked) return checked;
  const c = checked.value;
  const stepsLoaded = loadSteps(dir, c, env);
  if ('problem' in stepsLoaded) return stepsLoaded;
  const { steps } = stepsLoaded;
  const instructionFile = fileIf(join(dir, 'instruction.md'));
  if (!instructionFile && steps.length === 0)
    return {
      problem: {
        path: join(dir, 'instruction.md'),
        message: 'missing: a Harbor task needs instruction.md (or [[steps]] with steps/<name>/instruction.md)',
      },
    };
  const tagTable = c.tags && !Array.isArray(c.tags) ? Object.keys(c.tags) : [];
  const e = c.environment ?? {};
  const dockerfile = fileIf(join(dir, 'environment', 'Dockerfile'));
  return {
    task: {
      name: basename(dir),
      dir,
      format: 'harbor',
      instruction: instructionFile ? readText(instructionFile) : steps[0]!.instruction,
      difficulty: c.metadata?.difficulty,
      category: c.metadata?.category,
      tags: [...(c.metadata?.tags ?? []), ...(Array.isArray(c.tags) ? c.tags : tagTable)],
      agentTimeoutSec: c.agent?.timeout_sec ?? DEFAULT_AGENT_TIMEOUT_SEC,
      verifierTimeoutSec: c.verifier?.timeout_sec ?? DEFAULT_VERIFIER_TIMEOUT_SEC,
      environment: {
        dockerfile,
        buildContext: dockerfile ? join(dir, 'environment') : undefined,
        dockerImage: e.docker_image ?? e.image,
        cpus: e.cpus,
        memoryMb: e.memory_mb ?? parseSizeMb(e.memory),
        storageMb: e.storage_mb ?? parseSizeMb(e.storage),
        allowInternet: e.allow_internet ?? false,
        buildTimeoutSec: e.build_timeout_sec,
        workdir: e.workdir,
        env: substituteEnvTable(e.env, env),
      },
      testScript: fileIf(join(dir, 'tests', 'test.sh')),
      testsDir: fileIf(join(dir, 'tests')),
      solutionScript: fileIf(join(dir, 'solution', 'solve.sh')),
      verifierEnv: substituteEnvTable(c.verifier?.env, env),
      solutionEnv: substituteEnvTable(c.solution?.env, env),
      steps,
      ...(steps.length ? { multiStepRewardStrategy: c.multi_step_reward_strategy ?? 'mean' } : {}),
      artifacts: artifactEntries(c.artifacts),
      ...(e.healthcheck ? { healthcheck: healthcheckOf(e.healthcheck) } : {}),
      unsupported: unsupportedFields(dir, c),
      config: c,
    },
  };
}

const healthcheckOf = (h: HealthcheckConfig): Healthcheck => ({
  command: h.command,
  intervalSec: h.interval_sec,
  timeoutSec: h.timeout_sec,
  startPeriodSec: h.start_period_sec,
  startIntervalSec: h.start_interval_sec,
  retries: h.retries,
});

const artifactEntries = (list: ArtifactListConfig | undefined): ArtifactEntry[] =>
  (list ?? []).map((a) =>
    typeof a === 'string'
      ? { source: a }
      : { source: a.source, ...(a.destination ? { destination: a.destination } : {}) },
  );

/** `[[steps]]` with their files under steps/<name>/ (Harbor's layout: docs/jobs.md, "Multi-step tasks"). */
function loadSteps(
  dir: string,
  c: HarborTaskConfig,
  env: NodeJS.ProcessEnv,
): { steps: TaskStep[] } | { problem: TaskProblem } {
  const configPath = join(dir, 'task.toml');
  const steps: TaskStep[] = [];
  const topTest = fileIf(join(dir, 'tests', 'test.sh'));
  const topSolution = fileIf(join(dir, 'solution', 'solve.sh'));
  for (const [i, s] of (c.steps ?? []).entries()) {
    if (steps.some((t) => t.name === s.name))
      return { problem: { path: configPath, field: `steps.${i}.name`, message: `"${s.name}" names two steps` } };
    const stepDir = join(dir, 'steps', s.name);
    const instruction = join(stepDir, 'instruction.md');
    if (!existsSync(instruction))
      return { problem: { path: instruction, message: `missing: step "${s.name}" needs its instruction.md` } };
    const testsDir = fileIf(join(stepDir, 'tests'));
    steps.push({
      name: s.name,
      instruction: readText(instruction),
      ...(s.min_reward !== undefined ? { minReward: s.min_reward } : {}),
      dependencies: s.dependencies ?? [],
      agentTimeoutSec: s.agent?.timeout_sec,
      verifierTimeoutSec: s.verifier?.timeout_sec,
      dir: stepDir,
      workdir: fileIf(join(stepDir, 'workdir')),
      testsDir,
      testScript: fileIf(join(stepDir, 'tests', 'test.sh')) ?? topTest,
      solutionScript: fileIf(join(stepDir, 'solution', 'solve.sh')) ?? topSolution,
      verifierEnv: substituteEnvTable(s.verifier?.env, env),
      ...(s.healthcheck ? { healthcheck: healthcheckOf(s.healthcheck) } : {}),
      artifacts: artifactEntries(s.artifacts),
    });
  }
  return { steps };
}

/** What a trial here cannot honour, each named by its file and field (the trial is refused, never run without it). */
function unsupportedFields(dir: string, c: HarborTaskConfig): UnsupportedField[] {
  const out: UnsupportedField[] = [];
  const add = (field: string, reason: string) => out.push({ field: `task.toml ${field}`, reason });
  for (const compose of ['docker-compose.yaml', 'docker-compose.yml', 'compose.yaml', 'compose.yml'])
    if (existsSync(join(dir, 'environment', compose)))
      out.push({
        field: `environment/${compose}`,
        reason: 'docker-compose environments (several services) are not run by ahe',
      });
  if (c.environment?.mcp_servers?.length)
    add('[environment].mcp_servers', 'MCP server sidecars are not started by ahe, and its agent has no MCP client');
  const verifier = (section: string, v: NonNullable<HarborTaskConfig['verifier']>) => {
    if (v.environment_mode === 'separate' || v.environment)
      add(
        `${section}.${v.environment ? 'environment' : 'environment_mode'}`,
        'a separate verifier environment is not run by ahe',
      );
    if (v.collect?.length) add(`${section}.collect`, 'collect hooks run in compose services, which ahe does not run');
    if (v.user !== undefined)
      add(`${section}.user`, 'ahe runs the verifier as the sandbox user; it cannot switch users');
  };
  if (c.verifier) verifier('[verifier]', c.verifier);
  const artifacts = (section: string, list: ArtifactListConfig | undefined) => {
    for (const [i, a] of (list ?? []).entries()) {
      if (typeof a === 'string') continue;
      if (a.service && a.service !== 'main')
        add(`${section}[${i}].service`, `artifacts of the compose service "${a.service}" cannot be collected`);
      if (a.exclude?.length) add(`${section}[${i}].exclude`, 'exclude patterns on artifacts are not applied by ahe');
    }
  };
  artifacts('artifacts', c.artifacts);
  for (const [i, s] of (c.steps ?? []).entries()) {
    if (s.verifier) verifier(`[[steps]][${i}].verifier`, s.verifier);
    if (s.agent?.user !== undefined)
      add(`[[steps]][${i}].agent.user`, 'ahe runs the agent as the sandbox user; it cannot switch users per step');
    artifacts(`[[steps]][${i}].artifacts`, s.artifacts);
  }
  return out;
}

function loadTb1(dir: string): LoadedTask {
  const configPath = join(dir, 'task.yaml');
  let raw: unknown;
  try {
    raw = parseYaml(readText(configPath));
  } catch (error) {
    const e = error as { linePos?: { line: number }[]; message: string };
    return {
      problem: {
        path: `${configPath}${e.linePos?.[0] ? `:${e.linePos[0].line}` : ''}`,
        message: e.message.split('\n')[0]!,
      },
    };
  }
  const checked = validate(Tb1TaskSchema, raw, configPath);
  if ('problem' in checked) return checked;
  const c = checked.value;
  const instruction =
    c.instruction ?? c.descriptions?.find((d) => d.key === 'base')?.description ?? c.descriptions?.[0]?.description;
  if (!instruction)
    return {
      problem: {
        path: configPath,
        field: 'instruction',
        message: 'missing: a TB1 task needs instruction (or descriptions)',
      },
    };
  const dockerfile = fileIf(join(dir, 'Dockerfile'));
  return {
    task: {
      name: basename(dir),
      dir,
      format: 'tb1',
      instruction,
      difficulty: c.difficulty,
      category: c.category,
      tags: c.tags ?? [],
      agentTimeoutSec: c.max_agent_timeout_sec ?? DEFAULT_AGENT_TIMEOUT_SEC,
      verifierTimeoutSec: c.max_test_timeout_sec ?? DEFAULT_VERIFIER_TIMEOUT_SEC,
      environment: { dockerfile, buildContext: dockerfile ? dir : undefined, allowInternet: false, env: {} },
      testScript: fileIf(join(dir, 'run-tests.sh')),
      testsDir: fileIf(join(dir, 'tests')),
      solutionScript: fileIf(join(dir, 'solution.sh')),
      verifierEnv: {},
      solutionEnv: {},
      steps: [],
      config: c,
    },
  };
}

export function isTaskDir(dir: string): boolean {
  return existsSync(join(dir, 'task.toml')) || existsSync(join(dir, 'task.yaml'));
}

/** Loads one task directory in whichever format it is. */
export function loadTask(dirArg: string, env: NodeJS.ProcessEnv = process.env): LoadedTask {
  const dir = resolve(dirArg);
  if (existsSync(join(dir, 'task.toml'))) return loadHarbor(dir, env);
  if (existsSync(join(dir, 'task.yaml'))) return loadTb1(dir);
  return { problem: { path: dir, message: 'not a task directory (no task.toml or task.yaml)' } };
}

export interface TaskSuite {
  tasks: Task[];
  problems: TaskProblem[];
}

/** Every task under a directory (the directory itself, or its sub-directories), sorted by name; broken ones reported. */
export function loadTaskSuite(dirArg: string, env: NodeJS.ProcessEnv = process.env): TaskSuite {
  const dir = resolve(dirArg);
  if (!existsSync(dir)) return { tasks: [], problems: [{ path: dir, message: 'does not exist' }] };
  const suite: TaskSuite = { tasks: [], problems: [] };
  // An entry that cannot be looked at (a symbolic link to nothing, no permission) is a broken task.
  const isDir = (path: string) => {
    try {
      return statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const link = code === 'ENOENT' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink();
      suite.problems.push({
        path,
        message: link
          ? `is a symbolic link to ${readlinkSync(path)}, which does not exist`
          : `cannot be read (${code})`,
      });
      return false;
    }
  };
  const dirs = isTaskDir(dir)
    ? [dir]
    : readdirSync(dir)
        .filter((d) => !d.startsWith('.'))
        .sort()
        .map((d) => join(dir, d))
        .filter((d) => isDir(d) && isTaskDir(d));
  for (const d of dirs) {
    const loaded = loadTask(d, env);
    if (loaded.task) suite.tasks.push(loaded.task);
    else suite.problems.push(loaded.problem);
  }
  return suite;
}
