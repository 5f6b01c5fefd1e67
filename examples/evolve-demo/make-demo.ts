// The offline evolution demo: six bundled training tasks, a scripted coding model that does better
// when a general lesson is in its context (and worse under a harmful one: it then gives up on four tasks
// it otherwise solves), and a scripted evolve agent that, over three iterations, adds the helpful lesson
// (predicting the fix), tries a leaking change (rejected), adds a harmful lesson (rolled back
// automatically: four tasks worse and none better is beyond noise, one-sided p = 1/16), then changes
// nothing. Used by the end-to-end test and by `npm run demo:evolve`. Writes into `dir` and returns the paths.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEMO_TASKS = [
  'csv-region-totals',
  'incident-timeline',
  'repair-json-config',
  'session-durations',
  'sort-files-by-extension',
  'top-words',
];
export const HELPFUL_LESSON =
  'Before finishing, list every ordering and tie-breaking rule the instruction states and check the output against each one.';
export const HARMFUL_LESSON =
  'To save time, stop as soon as a plausible answer exists and never run extra verification commands.';

const call = (name: string, args: Record<string, unknown>, content = '') => ({
  reply: { content, tool_calls: [{ name, arguments: args }] },
});
const say = (content: string) => ({ reply: { content } });

function codingScript(): unknown {
  const solve = (task: string) => readFileSync(join(ROOT, 'tasks', 'train', task, 'solution', 'solve.sh'), 'utf8');
  const solving = (when: Record<string, string>, task: string) => ({
    when,
    turns: [call('run_shell_command', { command: solve(task) }, 'Working on it.'), say('Done: the output is written.')],
  });
  const givingUp = (when: Record<string, string>) => ({ when, turns: [say('I believe this is done.')] });
  return {
    name: 'demo-coding-agent',
    variants: [
      solving({ system_contains: 'tie-breaking rule', user_contains: 'book.txt' }, 'top-words'),
      givingUp({ user_contains: 'book.txt' }),
      // Under the harmful lesson it stops early on the four tasks it otherwise solves.
      givingUp({ system_contains: 'never run extra verification', user_contains: 'sales.csv' }),
      givingUp({ system_contains: 'never run extra verification', user_contains: '/app/incoming' }),
      givingUp({ system_contains: 'never run extra verification', user_contains: 'auth.log' }),
      givingUp({ system_contains: 'never run extra verification', user_contains: 'incident report' }),
      solving({ user_contains: 'sales.csv' }, 'csv-region-totals'),
      solving({ user_contains: '/app/incoming' }, 'sort-files-by-extension'),
      solving({ user_contains: 'auth.log' }, 'session-durations'),
      solving({ user_contains: 'incident report' }, 'incident-timeline'),
      givingUp({ user_contains: 'config.json' }),
    ],
  };
}

function change(id: string, file: string, predicted: string[], risks: string[], description: string) {
  return {
    id,
    type: 'new',
    component: 'memory',
    files: [file],
    description,
    evidence: ['debugger_overview', 'classification'],
    root_cause: 'The agent stops without checking its output against the rules the instruction states.',
    failure_pattern: 'test assertions on ordering fail after the agent claims success',
    predicted_fixes: predicted,
    risk_tasks: risks,
    why_this_component: 'A lesson the agent needs at the start of every task: memory.',
  };
}

function evolveScript(): unknown {
  return {
    name: 'demo-evolve-agent',
    variants: [
      {
        when: { user_contains: 'Iteration 0 ' },
        turns: [
          call('read_evidence', { section: 'overview' }, 'Reading the evidence.'),
          call('read_evidence', { section: 'debugger_overview' }),
          call(
            'write_file',
            { path: 'memory/lessons.md', content: `- ${HELPFUL_LESSON}\n` },
            'A general lesson about checking stated rules.',
          ),
          call('validate', {}),
          call('commit_change', {
            id: 'check-stated-rules',
            message: 'memory lesson: check the output against every stated rule',
          }),
          call('write_manifest', {
            manifest: {
              iteration: 0,
              changes: [
                change(
                  'check-stated-rules',
                  'memory/lessons.md',
                  ['top-words'],
                  [],
                  'Adds a lesson to check every ordering rule the instruction states before finishing.',
                ),
              ],
            },
          }),
          say('Added one memory lesson; it should fix top-words.'),
        ],
      },
      {
        when: { user_contains: 'Iteration 1 ' },
        turns: [
          call('read_evidence', { section: 'attribution' }, 'Checking my previous change.'),
          call(
            'write_file',
            {
              path: 'memory/speed.md',
              content: '- For top-words, write the ten words to /app/top10.txt sorted by count.\n',
            },
            'Trying a direct hint.',
          ),
          call('commit_change', { id: 'direct-hint', message: 'hint' }),
          call(
            'write_file',
            { path: 'memory/speed.md', content: `- ${HARMFUL_LESSON}\n` },
            'That was task-specific; a general speed lesson instead.',
          ),
          call('commit_change', { id: 'save-time', message: 'memory lesson: stop early to save time' }),
          call('write_manifest', {
            manifest: {
              iteration: 1,
              changes: [
                change(
                  'save-time',
                  'memory/speed.md',
                  ['repair-json-config'],
                  ['csv-region-totals'],
                  'Adds a lesson to stop early and skip verification.',
                ),
              ],
            },
          }),
          say('Added a speed lesson.'),
        ],
      },
      {
        when: { user_contains: 'Iteration 2 ' },
        turns: [
          call('read_evidence', { section: 'attribution' }, 'My last change was harmful and has been rolled back.'),
          call('write_manifest', { manifest: { iteration: 2, changes: [] } }),
          say('No change this iteration.'),
        ],
      },
    ],
  };
}

export interface Demo {
  tasks: string;
  codingScript: string;
  evolveScript: string;
}

export function makeDemo(dir: string): Demo {
  const tasks = join(dir, 'tasks');
  mkdirSync(tasks, { recursive: true });
  for (const t of DEMO_TASKS) cpSync(join(ROOT, 'tasks', 'train', t), join(tasks, t), { recursive: true });
  const coding = join(dir, 'coding-agent.script.yaml');
  const evolver = join(dir, 'evolve-agent.script.yaml');
  writeFileSync(coding, stringify(codingScript()));
  writeFileSync(evolver, stringify(evolveScript()));
  return { tasks, codingScript: coding, evolveScript: evolver };
}
