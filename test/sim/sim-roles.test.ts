// The simulator's models only where their context exists: `sim:` as the coding agent of benchmark
// trials, `sim-evolver:` as ahe evolve's evolve agent. Anywhere else, or with a scenario that lacks a
// task to be run, the command refuses before anything runs (exit 2, naming the flag), instead of
// failing every call or scoring every trial as failed.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SEED = join(ROOT, 'harnesses', 'seed');
const TRAIN = join(ROOT, 'tasks', 'train');

test('sim: and sim-evolver: are refused where they cannot work, and sim: with a scenario that lacks a task', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-sim-roles-'));
  const scenario = join(dir, 's.yaml');
  writeFileSync(scenario, stringify({ seed: 1, tasks: { 'csv-region-totals': 0.5 }, candidates: [] }));
  const out = (name: string) => join(dir, name);
  const evalArgs = ['eval', '--tasks', TRAIN, '--harness', SEED];
  const cases: [string[], RegExp][] = [
    [
      [
        ...evalArgs,
        '--task',
        'top-words',
        '--task',
        'csv-region-totals',
        '--model',
        `sim:${scenario}`,
        '--out',
        out('a'),
      ],
      /--model sim:.*s\.yaml: .*s\.yaml gives no success probability for 1 task\(s\) to run: top-words; add them to its tasks or holdout/,
    ],
    [
      [...evalArgs, '--task', 'csv-region-totals', '--model', `sim-evolver:${scenario}`, '--out', out('b')],
      /--model sim-evolver:.*: sim-evolver: is the simulator's evolve agent \(ahe evolve --evolve-model\)/,
    ],
    [
      ['run', '--harness', SEED, '--model', `chaos:0.1:sim:${scenario}`, '--instruction', 'x', '--out', out('c')],
      /--model chaos:0\.1:sim:.*: sim: is the simulator's coding agent; it runs only as the model of benchmark trials/,
    ],
    [['debug', dir, '--model', `sim:${scenario}`], /--model sim:.*: sim: is the simulator's coding agent/],
    [
      [
        'evolve',
        '--harness',
        SEED,
        '--tasks',
        TRAIN,
        '--task',
        'csv-region-totals',
        '--model',
        `sim:${scenario}`,
        '--evolve-model',
        `sim:${scenario}`,
        '--debug-model',
        'none',
        '--out',
        out('d'),
      ],
      /--evolve-model sim:.*: sim: is the simulator's coding agent/,
    ],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(args, { cwd: dir });
    assert.equal(res.exitCode, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message);
    assert.doesNotMatch(res.stderr, STACK_LINE);
  }
  assert.deepEqual(readdirSync(dir).sort(), ['s.yaml'], 'nothing was started');
});
