// The verifier's side of a digest and trials with no trajectory: CTRF reports (best), pytest-style output
// without one, reward files, exception_info, agent logs as the only evidence, and nothing at all.

import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { digestTrial } from '../../src/debugger/digest-trial.ts';
import { harborResult, writeTrial } from './trial-files.ts';

const pytestOutput = `============================= test session starts ==============================
collected 4 items

tests/test_outputs.py::test_file_exists PASSED                           [ 25%]
tests/test_outputs.py::test_header PASSED                                [ 50%]
tests/test_outputs.py::TestReport::test_totals FAILED                    [ 75%]
tests/test_outputs.py::test_sorted FAILED                                [100%]

=================================== FAILURES ===================================
___________________________ TestReport.test_totals ____________________________

    def test_totals(self):
>       assert totals["north"] == 1200
E       assert 1100 == 1200
E        +  where 1100 = <built-in method get of dict object>('north')

tests/test_outputs.py:31: AssertionError
_________________________________ test_sorted __________________________________

    def test_sorted():
>       assert rows == sorted(rows)
E       AssertionError: rows are not sorted by region

tests/test_outputs.py:40: AssertionError
=========================== short test summary info ============================
FAILED tests/test_outputs.py::TestReport::test_totals - assert 1100 == 1200
FAILED tests/test_outputs.py::test_sorted - AssertionError: rows are not sorted by region
========================= 2 failed, 2 passed in 0.05s ==========================
`;

test('without ctrf.json, failing tests and counts come from pytest-style output; passing lines are dropped from the excerpt', async () => {
  const dir = writeTrial({
    'result.json': harborResult(),
    'verifier/test-stdout.txt': pytestOutput,
    'verifier/reward.txt': '0',
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'none');
  assert.deepEqual(d.verifier.summary, { tests: 4, passed: 2, failed: 2 });
  assert.deepEqual(d.verifier.failing, [
    {
      name: 'tests/test_outputs.py::TestReport::test_totals',
      message: "assert 1100 == 1200 / +  where 1100 = <built-in method get of dict object>('north')",
    },
    { name: 'tests/test_outputs.py::test_sorted', message: 'AssertionError: rows are not sorted by region' },
  ]);
  assert.doesNotMatch(d.verifier.excerpt, /test_header PASSED/);
  assert.match(d.verifier.excerpt, /2 failed, 2 passed in 0\.05s/);
  assert.match(d.verifier.excerpt, /⟨2 lines of passing tests not shown⟩/);
  assert.equal(d.steps.length, 0);
});

test('ctrf.json is the best source of failing tests: the assertion from the trace, not the generic message', async () => {
  const ctrf = {
    results: {
      tool: { name: 'pytest' },
      summary: { tests: 3, passed: 1, failed: 1, skipped: 1 },
      tests: [
        { name: 'test_outputs.py::test_a', status: 'passed' },
        {
          name: 'test_outputs.py::test_b',
          status: 'failed',
          message: 'The test failed in the call phase due to an assertion error',
          trace:
            "def test_b():\n>       assert out == 'x'\nE       AssertionError: output differs\nE       assert 'y' == 'x'\n\n/tests/test_outputs.py:9: AssertionError",
        },
        { name: 'test_outputs.py::test_c', status: 'skipped' },
      ],
    },
  };
  const dir = writeTrial({
    'result.json': harborResult(),
    'verifier/ctrf.json': ctrf,
    'verifier/test-stdout.txt': pytestOutput,
  });
  const d = await digestTrial(dir);
  assert.deepEqual(d.verifier.summary, { tests: 3, passed: 1, failed: 1, skipped: 1 });
  assert.deepEqual(d.verifier.failing, [
    { name: 'test_outputs.py::test_b', message: "AssertionError: output differs / assert 'y' == 'x'" },
  ]);
});

test('reward from reward.json when result.json is missing; names from the directory', async () => {
  const dir = writeTrial({ 'verifier/reward.json': { reward: 0.5, partial: 2 } }, 'sqlite-index__Xk3p9aZ');
  const d = await digestTrial(dir);
  assert.deepEqual(
    [d.task, d.trial, d.reward, d.passed, d.source],
    ['sqlite-index', 'sqlite-index__Xk3p9aZ', 0.5, false, 'none'],
  );
  assert.ok(d.sourceFiles.includes('verifier/reward.json'));
});

test('a malformed result.json and a verifier that needed the network: problems and the error lines, no crash', async () => {
  const dir = writeTrial({
    'result.json': '{"task_name": "t", "trial_name": ',
    'verifier/test-stdout.txt':
      'curl: (6) Could not resolve host: astral.sh\n/tests/test.sh: line 5: uv: command not found\n',
  });
  const d = await digestTrial(dir);
  assert.match(d.problems[0]!, /^result\.json: not valid JSON/);
  assert.deepEqual(d.verifier.errors, [
    'curl: (6) Could not resolve host: astral.sh',
    '/tests/test.sh: line 5: uv: command not found',
  ]);
  assert.equal(d.reward, null);
});

test('no trajectory: Harbor installed-agent logs become steps (setup first, commands with exit codes)', async () => {
  const dir = writeTrial({
    'result.json': harborResult({
      exception_info: { exception_type: 'NonZeroAgentExitCodeError', exception_message: 'command-0 exited with 1' },
    }),
    'agent/setup/stdout.txt': `Installing agent…\n${'Unpacking node (20.1)\n'.repeat(300)}done\n`,
    'agent/command-0/command.txt': 'codex exec --full-auto "fix the build"',
    'agent/command-0/return-code.txt': '1\n',
    'agent/command-0/stdout.txt':
      'thinking…\nexec bash -lc make\nmake: *** No rule to make target `all`.  Stop.\nerror: the build still fails\n',
    'agent/codex.txt': '',
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'agent-logs');
  assert.deepEqual(
    d.steps.map((s) => [s.step, s.kind, s.command ?? s.args, s.exitCode]),
    [
      [1, 'tool', 'agent/setup/stdout.txt', undefined],
      [2, 'command', 'codex exec --full-auto "fix the build"', 1],
    ],
  );
  assert.match(d.steps[0]!.output!, /Unpacking node \(20\.1\) \[×300\]/);
  assert.deepEqual(d.steps[1]!.errors, [
    'make: *** No rule to make target `all`.  Stop.',
    'error: the build still fails',
  ]);
  assert.deepEqual(d.exception, { type: 'NonZeroAgentExitCodeError', message: 'command-0 exited with 1' });
  assert.ok(d.sourceFiles.includes('agent/codex.txt'), 'an empty log is listed as read');
});

test('a result.json that is a directory, an unreadable verifier file: problems, never an exception', async () => {
  const dir = writeTrial(
    { 'result.json/oops': 'x', 'verifier/ctrf.json/oops': 'x', 'agent/trajectory.json': { steps: 'not a list' } },
    'odd__1',
  );
  const d = await digestTrial(dir);
  assert.equal(d.trial, 'odd__1');
  assert.ok(
    d.problems.some((p) => p.startsWith('result.json: not valid JSON (EISDIR')),
    d.problems.join('\n'),
  );
  assert.ok(
    d.problems.some((p) => p.startsWith('verifier/ctrf.json: not valid JSON (EISDIR')),
    d.problems.join('\n'),
  );
  assert.ok(d.problems.includes('agent/trajectory.json: not an ATIF trajectory (no steps list)'));
});

test('a trial with nothing in it, and a path that does not exist: a digest with problems, never an exception', async () => {
  const empty = writeTrial({}, 'empty__1');
  const d = await digestTrial(empty);
  assert.deepEqual([d.source, d.steps.length, d.reward, d.stopReason], ['none', 0, null, 'unknown']);
  const missing = await digestTrial(join(tmpdir(), 'no-such-trial__1'));
  assert.equal(missing.source, 'none');
  assert.match(missing.problems[0]!, /not a trial directory/);
  assert.ok(missing.stats.digestBytes > 0);
});
