// One scripted evolution offline that uses the whole harness, not only memory: following the component
// guide (read_guide), the evolve agent drills into a raw trace (read_trace), writes a new tool, a
// middleware (first with a misspelled hook, refused, then fixed) and a skill, tries each before
// committing (try_component, render_context), commits them one change at a time and writes its
// manifest; the next evaluation runs the coding agent with all three (the tool called, the middleware's
// note in a tool result, the skill loaded), and the run summary counts the changes per component type.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { guideExamples } from '../../src/evolve/component-guide.ts';
import { type EvolveConfig, runEvolve } from '../../src/evolve/run-evolve.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

type Turn = { expect?: Record<string, unknown>; reply: { content: string; tool_calls?: unknown[] } };
const call = (name: string, args: Record<string, unknown>, expect?: Record<string, unknown>): Turn => ({
  ...(expect ? { expect } : {}),
  reply: { content: '', tool_calls: [{ name, arguments: args }] },
});
const say = (content: string, expect?: Record<string, unknown>): Turn => ({
  ...(expect ? { expect } : {}),
  reply: { content },
});
const after = (text: string) => ({ last_tool_result_contains: text });

const ex = guideExamples();
const TOOL_YAML = ex.tools['tools/count_lines.yaml']!;
const TOOL_TS = ex.tools['tools/count_lines.ts']!;
const MIDDLEWARE = ex.middleware['middleware/error-streak-hint.ts']!;
const SKILL = ex.skills['skills/verify-before-finishing/SKILL.md']!;

function change(id: string, component: string, files: string[], predicted: string[], description: string) {
  return {
    id,
    type: 'new',
    component,
    files,
    description,
    evidence: ['debugger_overview'],
    root_cause: 'The agent finishes without checking its output, and repeats failing commands blindly.',
    failure_pattern: 'claims success without verification',
    predicted_fixes: predicted,
    risk_tasks: [],
    why_this_component: `The mechanism is a ${component}.`,
  };
}

function evolveScript(): unknown {
  return {
    name: 'evolve-all-components',
    turns: [
      call('read_evidence', { section: 'overview' }),
      call('read_trace', { task: 'top-words' }),
      call('read_trace', { task: 'top-words', trial: '1', steps: '1' }, after('attempts passed')),
      // A tool, as the guide shows it.
      call('read_guide', { component: 'tool' }),
      call('write_file', { path: 'tools/count_lines.yaml', content: TOOL_YAML }, after(TOOL_TS.slice(0, 60))),
      call('write_file', { path: 'tools/count_lines.ts', content: TOOL_TS }),
      call('try_component', {
        kind: 'tool',
        name: 'count_lines',
        args: { path: '/app/sample.csv' },
        exec: [{ match: 'wc -l', stdout: '7\n' }],
      }),
      call('commit_change', { id: 'count-lines-tool', message: 'tool: count the lines of a file' }, after('7 lines')),
      // A middleware: a misspelled hook is refused at commit, then fixed and tried.
      call('read_guide', { component: 'middleware' }, after('committed count-lines-tool')),
      call(
        'write_file',
        { path: 'middleware/error-streak-hint.ts', content: MIDDLEWARE.replace('afterTool(', 'afterToll(') },
        after('wrapToolCall'),
      ),
      call('commit_change', { id: 'error-streak-hint', message: 'middleware: note repeated tool errors' }),
      call(
        'write_file',
        { path: 'middleware/error-streak-hint.ts', content: MIDDLEWARE },
        after("did you mean 'afterTool'"),
      ),
      call('try_component', {
        kind: 'middleware',
        name: 'error-streak-hint',
        tool_result: { output: 'bash: nope: command not found', is_error: true },
        repeat: 3,
      }),
      call(
        'commit_change',
        { id: 'error-streak-hint', message: 'middleware: note repeated tool errors' },
        after('3 tool errors so far'),
      ),
      // A skill, seen in the rendered context before it is committed.
      call('read_guide', { component: 'skills' }, after('committed error-streak-hint')),
      call('write_file', { path: 'skills/verify-before-finishing/SKILL.md', content: SKILL }),
      call('render_context', {}),
      call(
        'commit_change',
        { id: 'verify-skill', message: 'skill: verify before finishing' },
        after('- verify-before-finishing: A procedure'),
      ),
      call(
        'write_manifest',
        {
          manifest: {
            iteration: 0,
            changes: [
              change(
                'count-lines-tool',
                'tool_implementation',
                ['tools/count_lines.yaml', 'tools/count_lines.ts'],
                ['csv-region-totals'],
                'A tool that counts lines.',
              ),
              change(
                'error-streak-hint',
                'middleware',
                ['middleware/error-streak-hint.ts'],
                ['top-words'],
                'Notes repeated tool errors.',
              ),
              change(
                'verify-skill',
                'skill',
                ['skills/verify-before-finishing/SKILL.md'],
                ['top-words', 'csv-region-totals'],
                'A verification procedure.',
              ),
            ],
          },
        },
        after('committed verify-skill'),
      ),
      say('Added a tool, a middleware and a skill.', after('manifest accepted')),
    ],
  };
}

function codingScript(): unknown {
  const solve = (task: string) => readFileSync(join(ROOT, 'tasks', 'train', task, 'solution', 'solve.sh'), 'utf8');
  const givingUp = (when: Record<string, string>) => ({ when, turns: [say('I believe this is done.')] });
  const evolved = { system_contains: 'verify-before-finishing' };
  return {
    name: 'coding-agent-using-evolved-components',
    variants: [
      {
        when: { ...evolved, user_contains: 'sales.csv' },
        turns: [
          call('count_lines', { path: '/app/sales.csv' }),
          call('load_skill', { name: 'verify-before-finishing' }, after(' lines')),
          call('run_shell_command', { command: solve('csv-region-totals') }, after('Verify before finishing')),
          say('Done.'),
        ],
      },
      {
        when: { ...evolved, user_contains: 'book.txt' },
        turns: [
          call('run_shell_command', { command: 'false' }),
          call('run_shell_command', { command: 'false' }),
          call('run_shell_command', { command: 'false' }),
          call('run_shell_command', { command: solve('top-words') }, after('3 tool errors so far')),
          say('Done.'),
        ],
      },
      givingUp({ user_contains: 'sales.csv' }),
      givingUp({ user_contains: 'book.txt' }),
      givingUp({ user_contains: 'config.json' }),
    ],
  };
}

function eventsOf(jobDir: string, task: string): string {
  const trial = readdirSync(jobDir).find((d) => d.startsWith(`${task}__`));
  assert.ok(trial, `a trial of ${task} in ${jobDir}`);
  return readFileSync(join(jobDir, trial, 'agent', 'events.jsonl'), 'utf8');
}

test('the evolve agent writes, tries and commits a tool, a middleware and a skill, and the next evaluation uses them', {
  skip,
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-evolve-components-'));
  const demo = makeDemo(dir);
  const evolver = join(dir, 'evolver.yaml');
  const coding = join(dir, 'coding.yaml');
  writeFileSync(evolver, stringify(evolveScript()));
  writeFileSync(coding, stringify(codingScript()));
  const config: EvolveConfig = demoEvolveConfig(demo, {
    model: `scripted:${coding}`,
    evolve_model: `scripted:${evolver}`,
    iterations: 1,
  });
  const runDir = join(dir, 'run');
  const state = await runEvolve({ runDir, config, log: () => {} });
  const it = (n: number, p: string) => join(runDir, 'iterations', String(n), p);
  assert.equal(state.step, 'done', JSON.stringify(state.stopped));
  // The evolve session followed the script to the end (a diverging turn would have failed the session).
  const manifest = readJson(it(0, 'change_manifest.json'));
  assert.deepEqual(
    manifest.changes.map((c: { id: string; component: string }) => [c.id, c.component]),
    [
      ['count-lines-tool', 'tool_implementation'],
      ['error-streak-hint', 'middleware'],
      ['verify-skill', 'skill'],
    ],
  );
  const files = execFileSync('git', ['ls-tree', '--name-only', '-r', 'iter-1'], { cwd: join(runDir, 'harness') })
    .toString()
    .split('\n');
  for (const f of [
    'tools/count_lines.ts',
    'tools/count_lines.yaml',
    'middleware/error-streak-hint.ts',
    'skills/verify-before-finishing/SKILL.md',
  ])
    assert.ok(files.includes(f), `${f} is in the evaluated harness`);
  // Evaluated: seed fails both, the evolved harness passes both, through the new components.
  const seed = readJson(it(0, 'job/result.json')).tasks;
  const next = readJson(it(1, 'job/result.json')).tasks;
  assert.equal(seed['csv-region-totals'].c, 0);
  assert.equal(seed['top-words'].c, 0);
  assert.equal(next['csv-region-totals'].c, 1, 'the coding agent called count_lines and load_skill, then solved it');
  assert.equal(next['top-words'].c, 1, "the middleware's note reached the coding agent after three errors");
  const csv = eventsOf(it(1, 'job'), 'csv-region-totals');
  assert.match(csv, /"type":"tool_result"[^\n]*"name":"count_lines"/);
  assert.match(csv, /"type":"tool_result"[^\n]*"name":"load_skill"/);
  assert.match(eventsOf(it(1, 'job'), 'top-words'), /3 tool errors so far/);
  // The refused attempt is on record, and the summary counts each type's changes.
  const attempts = readFileSync(it(0, 'evolve/commit-attempts.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    attempts.map((a: { id: string; outcome: string }) => `${a.id}:${a.outcome}`),
    [
      'count-lines-tool:committed',
      'error-streak-hint:invalid',
      'error-streak-hint:committed',
      'verify-skill:committed',
    ],
  );
  const outcomes = readJson(join(runDir, 'summary.json')).component_outcomes;
  const one = { proposed: 1, validated: 1, committed: 1, kept: 1, rolled_back: 0 };
  assert.deepEqual(outcomes.tool_implementation, one);
  assert.deepEqual(outcomes.middleware, one);
  assert.deepEqual(outcomes.skill, one);
  assert.deepEqual(outcomes.memory, { proposed: 0, validated: 0, committed: 0, kept: 0, rolled_back: 0 });
  const md = readFileSync(join(runDir, 'summary.md'), 'utf8');
  assert.match(md, /\| middleware \| 1 \| 1 \| 1 \| 1 \| 0 \|/);
  assert.match(md, /\| tool_implementation \| 1 \| 1 \| 1 \| 1 \| 0 \|/);
});
