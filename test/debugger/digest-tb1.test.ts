// Terminal-Bench 1 run trials: results.json, the agent's terminal recording cut into commands at the shell
// prompts (asciinema casts give durations), commands.txt when nothing was recorded, and the tests' terminal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestTrial } from '../../src/debugger/digest-trial.ts';
import { isTb1Trial } from '../../src/debugger/source-tb1.ts';
import { writeTrial } from './trial-files.ts';

const results = (over: Record<string, unknown> = {}) => ({
  id: 'x',
  trial_name: 'fix-git.1-of-1.2025-08-01__10-00-00',
  task_id: 'fix-git',
  instruction: 'Find my lost changes and merge them into master.',
  is_resolved: false,
  failure_mode: 'unset',
  parser_results: { test_layout_file: 'passed', test_about_file: 'failed' },
  total_input_tokens: 0,
  total_output_tokens: 0,
  agent_started_at: '2025-08-01T10:00:10+00:00',
  agent_ended_at: '2025-08-01T10:02:40+00:00',
  ...over,
});

const cast = (events: [number, string][]) =>
  [
    JSON.stringify({ version: 2, width: 160, height: 40 }),
    ...events.map(([t, data]) => JSON.stringify([t, 'o', data])),
    JSON.stringify([9.9, 'i', 'exit\r']),
  ].join('\n');

const testsLog = `root@c0ffee:/app# bash /tests/run-tests.sh
============================= test session starts ==============================
collected 2 items

../tests/test_outputs.py .F                                              [100%]

=================================== FAILURES ===================================
_______________________________ test_about_file ________________________________

    def test_about_file():
>       assert hash_file(OLD) == hash_file(NEW)
E       AssertionError: File /app/resources/patch_files/about.md is not in the correct state
E       assert '83a57206' == '628cccbc'

/tests/test_outputs.py:19: AssertionError
=========================== short test summary info ============================
FAILED ../tests/test_outputs.py::test_about_file - AssertionError: File /app/resources/patch_files/about.md is not in the correct state
========================= 1 failed, 1 passed in 0.03s ==========================
`;

test('an asciinema cast is cut into command steps at the prompts, with durations, ANSI and redraws cleaned', async () => {
  const dir = writeTrial(
    {
      'results.json': results(),
      'sessions/agent.cast': cast([
        [0.1, '\x1b[?2004hroot@c0ffee:/app# '],
        [0.5, 'git log --oneline -3; tmux wait -S done\r\n\x1b[?2004l\r'],
        [0.7, '\x1b[33ma1b2c3d\x1b[m Move to Stanford\r\n9f8e7d6 Initial commit\r\n'],
        [1.0, '\x1b[?2004hroot@c0ffee:/app# '],
        [1.2, 'git merge feature\r\n'],
        [
          2.0,
          'Auto-merging _includes/about.md\r\nCONFLICT (content): Merge conflict in _includes/about.md\r\nAutomatic merge failed; fix conflicts and then commit the result.\r\n',
        ],
        [3.5, 'root@c0ffee:/app# '],
      ]),
      'sessions/tests.log': testsLog,
      'panes/post-agent.txt': 'not read: the cast is better\n',
    },
    'fix-git.1-of-1.2025-08-01__10-00-00',
  );
  assert.ok(isTb1Trial(dir));
  const d = await digestTrial(dir);
  assert.equal(d.source, 'tb1');
  assert.deepEqual([d.task, d.trial, d.reward, d.passed], ['fix-git', 'fix-git.1-of-1.2025-08-01__10-00-00', 0, false]);
  assert.equal(d.instruction, 'Find my lost changes and merge them into master.');
  assert.deepEqual(
    d.steps.map((s) => [s.step, s.command, s.output, s.durationMs]),
    [
      [1, 'git log --oneline -3', 'a1b2c3d Move to Stanford\n9f8e7d6 Initial commit', 500],
      [
        2,
        'git merge feature',
        'Auto-merging _includes/about.md\nCONFLICT (content): Merge conflict in _includes/about.md\nAutomatic merge failed; fix conflicts and then commit the result.',
        2300,
      ],
    ],
  );
  assert.deepEqual(d.sourceFiles, ['results.json', 'sessions/agent.cast', 'sessions/tests.log']);
  assert.deepEqual(d.verifier.summary, { tests: 2, passed: 1, failed: 1 });
  assert.deepEqual(d.verifier.failing, [
    {
      name: '../tests/test_outputs.py::test_about_file',
      message:
        "AssertionError: File /app/resources/patch_files/about.md is not in the correct state / assert '83a57206' == '628cccbc'",
    },
  ]);
  assert.equal(d.stats.durationSec, 150);
});

test('an agent timeout with nothing recorded but commands.txt', async () => {
  const dir = writeTrial(
    {
      'results.json': results({ is_resolved: null, failure_mode: 'agent_timeout', parser_results: null }),
      'commands.txt':
        "['asciinema rec --stdin /logs/agent.cast', 'Enter']\n['clear', 'Enter']\n[\"python3 -c 'print(1)'\", 'Enter']\n['sleep 900', 'Enter']\n['C-c']\n",
    },
    'fix-git.1-of-1.2025-08-01__10-00-00',
  );
  const d = await digestTrial(dir);
  assert.deepEqual(
    d.steps.map((s) => s.command),
    ['asciinema rec --stdin /logs/agent.cast', 'clear', "python3 -c 'print(1)'", 'sleep 900', 'C-c'],
  );
  assert.equal(d.reward, null);
  assert.equal(d.stopReason, 'timeout');
  assert.deepEqual(d.exception, { type: 'agent_timeout', message: 'the agent ran out of time' });
});

test('a torn cast line is a problem; the rest of the recording is still read', async () => {
  const good = cast([
    [0.1, 'root@h:/app# ls\r\n'],
    [0.2, 'a.txt\r\n'],
  ]).split('\n');
  const dir = writeTrial(
    { 'results.json': results(), 'sessions/agent.cast': [good[0], '[0.15, "o", "tor', ...good.slice(1)].join('\n') },
    'fix-git.1-of-1.x',
  );
  const d = await digestTrial(dir);
  assert.deepEqual(
    d.steps.map((s) => [s.command, s.output]),
    [['ls', 'a.txt']],
  );
  assert.deepEqual(d.problems, ['sessions/agent.cast:2: not valid JSON, skipped']);
});
