// Running into an existing job directory continues that job, so it must be the same experiment: every
// setting that can change a trial's outcome or what pass@k is computed over has to match what the
// job's config.json recorded. Otherwise trials run under different conditions would be silently mixed
// into one set of numbers (e.g. a training run merged into a held-out job whose config still says
// held-out). Settings that do not change outcomes (concurrency, where the harness lives) may differ.
import { UserError } from '../errors.ts';

/** What config.json records of a job's conditions (a subset of run-job's JobConfig). */
export interface JobSettings {
  tasks_dir?: string;
  task_names?: string[];
  /** How the tasks were chosen (select-tasks.ts's TaskSelection). */
  task_selection?: { include?: string[]; exclude?: string[]; n_tasks?: number | null; sample_seed?: number | null };
  k?: number;
  agent?: {
    name?: string;
    model?: string | null;
    harness?: { content_hash?: string } | null;
    /** `--max-steps` and `--max-tokens` (null: the harness's own limits). */
    max_steps?: number | null;
    max_total_tokens?: number | null;
    /** `--fallback-model` and the reasoning effort in force (`--reasoning-effort` or harness.yaml's); null: none. */
    fallback_model?: string | null;
    reasoning_effort?: string | null;
  };
  backend?: string;
  timeout_multiplier?: number;
}

interface Setting {
  /** The config.json field. */
  field: string;
  /** The flag of `ahe eval` that sets it. */
  flag: string;
  get: (s: JobSettings) => unknown;
  show?: (recorded: unknown, requested: unknown) => string;
}

const showTaskSets = (recorded: unknown, requested: unknown): string => {
  const before = new Set(recorded as string[]);
  const after = new Set(requested as string[]);
  const added = [...after].filter((t) => !before.has(t));
  const dropped = [...before].filter((t) => !after.has(t));
  const list = (names: string[], sign: string) =>
    names.length
      ? ` ${sign}${names.slice(0, 3).join(` ${sign}`)}${names.length > 3 ? ` (${names.length} in all)` : ''}`
      : '';
  return `${before.size} tasks recorded, ${after.size} requested:${list(added, '+')}${list(dropped, '-')}`;
};

/** A task selection as the flags that give it. */
const describe = (v: unknown) => {
  const s = v as { include: string[]; exclude: string[]; n_tasks: number | null; sample_seed: number | null };
  const parts = [
    ...s.include.map((p) => `--task ${p}`),
    ...s.exclude.map((p) => `--exclude ${p}`),
    ...(s.n_tasks === null ? [] : [`--n-tasks ${s.n_tasks} --sample-seed ${s.sample_seed}`]),
  ];
  return parts.length ? `"${parts.join(' ')}"` : 'all tasks';
};

/** A setting of the agent; undefined when the config does not record it (a job from before it was recorded). */
const agentLimit = (s: JobSettings, key: 'max_steps' | 'max_total_tokens' | 'fallback_model' | 'reasoning_effort') =>
  s.agent && key in s.agent ? (s.agent[key] ?? null) : undefined;

/** Every setting that must match, in the order a user reads them. */
export const JOB_SETTINGS: Setting[] = [
  { field: 'tasks_dir', flag: '--tasks', get: (s) => s.tasks_dir },
  {
    field: 'task_names',
    flag: '--task',
    get: (s) => (s.task_names ? [...s.task_names].sort() : undefined),
    show: showTaskSets,
  },
  {
    field: 'task_selection',
    flag: '--task/--exclude/--n-tasks/--sample-seed',
    get: (s) =>
      s.task_selection && {
        include: s.task_selection.include ?? [],
        exclude: s.task_selection.exclude ?? [],
        n_tasks: s.task_selection.n_tasks ?? null,
        sample_seed: s.task_selection.sample_seed ?? null,
      },
    show: (recorded, requested) => `${describe(recorded)} recorded, ${describe(requested)} requested`,
  },
  { field: 'k', flag: '-k', get: (s) => s.k },
  { field: 'agent.name', flag: '--agent', get: (s) => s.agent?.name },
  { field: 'agent.model', flag: '--model', get: (s) => (s.agent ? (s.agent.model ?? null) : undefined) },
  {
    field: 'agent.harness.content_hash',
    flag: '--harness (its content)',
    get: (s) => (s.agent ? (s.agent.harness?.content_hash ?? null) : undefined),
  },
  { field: 'agent.max_steps', flag: '--max-steps', get: (s) => agentLimit(s, 'max_steps') },
  { field: 'agent.max_total_tokens', flag: '--max-tokens', get: (s) => agentLimit(s, 'max_total_tokens') },
  { field: 'agent.fallback_model', flag: '--fallback-model', get: (s) => agentLimit(s, 'fallback_model') },
  { field: 'agent.reasoning_effort', flag: '--reasoning-effort', get: (s) => agentLimit(s, 'reasoning_effort') },
  { field: 'backend', flag: '--backend', get: (s) => s.backend },
  { field: 'timeout_multiplier', flag: '--timeout-multiplier', get: (s) => s.timeout_multiplier },
];

const short = (v: unknown) => {
  const text = JSON.stringify(v) ?? 'none';
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

/**
 * The settings that differ between a job's recorded config and a new run into it, one phrase each
 * (`k: 1 recorded, 2 requested`). A field the recorded config lacks (an older or foreign job) is
 * not compared.
 */
export function differingSettings(recorded: JobSettings, requested: JobSettings): string[] {
  const differences: string[] = [];
  for (const s of JOB_SETTINGS) {
    const before = s.get(recorded);
    const after = s.get(requested);
    if (before === undefined || JSON.stringify(before) === JSON.stringify(after)) continue;
    differences.push(
      `${s.flag} (${s.field}: ${s.show ? s.show(before, after) : `${short(before)} recorded, ${short(after)} requested`})`,
    );
  }
  return differences;
}

/** Throws a one-line UserError listing what differs, when the run would mix conditions into the job. */
export function checkJobSettings(configFile: string, recorded: JobSettings, requested: JobSettings): void {
  const differences = differingSettings(recorded, requested);
  if (differences.length === 0) return;
  throw new UserError(
    `${configFile}: this job was run with other settings; differs: ${differences.join('; ')} — run it again with the recorded settings, or choose a new --out`,
  );
}
