// A finished evolve run made by hand for the ablation and transfer tests: the seed harness tagged in
// RUN/harness, and a RUN/best that changed three component types — memory (a general lesson about stated rules,
// enabled in harness.yaml's components:), tools (a count_words tool) and subagents (one that needs
// count_words) — where only the memory change matters to the scripted coding model (it solves
// top-words only with the lesson in its context). A second scripted model, for transfer, solves
// top-words without help but gives up on csv-region-totals once the lesson is in its context. The tasks
// and the first model are those of the offline demo's first version (examples/evolve-demo), kept here so
// that the demo can change without changing these tests.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createRunState, saveRunState } from '../../src/evolve/run-state.ts';
import { createWorkspace } from '../../src/evolve/workspace.ts';

export const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TASKS = ['csv-region-totals', 'repair-json-config', 'top-words'];
const LESSON =
  'Before finishing, list every ordering and tie-breaking rule the instruction states and check the output against each one.';

const COUNT_WORDS_YAML = `name: count_words
description: Count the words of a file in the task environment.
input_schema:
  type: object
  properties:
    path:
      type: string
      description: The file to count.
  required: [path]
  additionalProperties: false
`;
const COUNT_WORDS_TS = `import type { ToolContext, ToolResult } from 'ahe/harness';

export default async function countWords(args: { path: string }, ctx: ToolContext): Promise<ToolResult> {
  const result = await ctx.sandbox.exec(\`wc -w < '\${args.path}'\`, { timeoutSec: 30, signal: ctx.signal });
  return { output: result.stdout.trim(), isError: result.exitCode !== 0 };
}
`;
const SUBAGENT = `name: word-counter
description: Counts words in files and reports the numbers.
prompt: You count the words of the files you are given and report each count.
tools: [count_words]
`;

/** Writes the best harness's changes over a copy of the seed. */
function writeBest(dir: string): void {
  cpSync(SEED, dir, { recursive: true });
  mkdirSync(join(dir, 'memory'), { recursive: true });
  writeFileSync(join(dir, 'memory', 'lessons.md'), `- ${LESSON}\n`);
  writeFileSync(join(dir, 'tools', 'count_words.yaml'), COUNT_WORDS_YAML);
  writeFileSync(join(dir, 'tools', 'count_words.ts'), COUNT_WORDS_TS);
  mkdirSync(join(dir, 'subagents'), { recursive: true });
  writeFileSync(join(dir, 'subagents', 'word-counter.yaml'), SUBAGENT);
  const manifest = readFileSync(join(SEED, 'harness.yaml'), 'utf8');
  writeFileSync(
    join(dir, 'harness.yaml'),
    `${manifest}components:\n  memory: [lessons]   # enabled by the evolve agent\n`,
  );
}

const call = (name: string, args: Record<string, unknown>, content = '') => ({
  reply: { content, tool_calls: [{ name, arguments: args }] },
});
const say = (content: string) => ({ reply: { content } });
const solve = (task: string) => readFileSync(join(ROOT, 'tasks', 'train', task, 'solution', 'solve.sh'), 'utf8');
const solving = (when: Record<string, string>, task: string) => ({
  when,
  turns: [call('run_shell_command', { command: solve(task) }, 'Working on it.'), say('Done.')],
});
const givingUp = (when: Record<string, string>) => ({ when, turns: [say('I believe this is done.')] });

/** The run's coding model: top-words needs the lesson, csv-region-totals is solved, repair-json-config never. */
function firstScript(): unknown {
  return {
    name: 'first-coding-agent',
    variants: [
      solving({ system_contains: 'tie-breaking rule', user_contains: 'book.txt' }, 'top-words'),
      givingUp({ user_contains: 'book.txt' }),
      solving({ user_contains: 'sales.csv' }, 'csv-region-totals'),
      givingUp({ user_contains: 'config.json' }),
    ],
  };
}

/** The transfer target: good at top-words alone, but the lesson makes it give up on csv-region-totals. */
function secondScript(): unknown {
  return {
    name: 'second-coding-agent',
    variants: [
      givingUp({ system_contains: 'tie-breaking rule', user_contains: 'sales.csv' }),
      solving({ user_contains: 'sales.csv' }, 'csv-region-totals'),
      solving({ user_contains: 'book.txt' }, 'top-words'),
      givingUp({ user_contains: 'config.json' }),
    ],
  };
}

export interface AblationRun {
  runDir: string;
  tasks: string;
  model: string;
  secondModel: string;
}

export async function makeAblationRun(dir: string): Promise<AblationRun> {
  const tasks = join(dir, 'tasks');
  for (const t of TASKS) cpSync(join(ROOT, 'tasks', 'train', t), join(tasks, t), { recursive: true });
  const first = join(dir, 'first-agent.script.yaml');
  writeFileSync(first, stringify(firstScript()));
  const runDir = join(dir, 'run');
  await createWorkspace(runDir, SEED);
  writeBest(join(runDir, 'best'));
  const model = `scripted:${first}`;
  const state = createRunState({
    harness: SEED,
    tasks,
    holdout: null,
    model,
    evolve_model: model,
    debug_model: null,
    iterations: 1,
    k: 1,
    concurrency: 3,
    holdout_every: 5,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
  });
  saveRunState(runDir, {
    ...state,
    iteration: 1,
    step: 'done',
    best: { iteration: 1, pass_at_1: 2 / 3, ref: 'iter-1' },
    stopped: { reason: 'all 1 iterations done' },
  });
  const second = join(dir, 'second-agent.script.yaml');
  writeFileSync(second, stringify(secondScript()));
  return { runDir, tasks, model, secondModel: `scripted:${second}` };
}
