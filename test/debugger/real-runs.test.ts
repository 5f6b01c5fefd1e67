// Digests of real published runs (test/fixtures/runs/README.md says where each comes from): Terminal-Bench 1
// leaderboard trials, a Harbor trial of gemini-cli with a CTRF report, and ATIF trajectories written by
// Harbor's Terminus-2 and OpenHands writers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { digestTrial } from '../../src/debugger/digest-trial.ts';
import { renderDigest } from '../../src/debugger/render-digest.ts';

const run = (path: string) => fileURLToPath(new URL(`../fixtures/runs/${path}`, import.meta.url));

test('TB1 OpenHands run whose agent never started: the launch error and the test runner that could not run', async () => {
  const d = await digestTrial(run('tb1-openhands-cron-broken-network/cron-broken-network.1-of-1.openhands-sonnet'));
  assert.equal(d.source, 'tb1');
  assert.deepEqual([d.task, d.reward, d.passed], ['cron-broken-network', null, false]);
  assert.deepEqual(d.exception, { type: 'parse_error', message: 'the test output could not be parsed' });
  const launch = d.steps.find((s) => s.command?.startsWith('openhands '))!;
  assert.deepEqual(launch.errors, [
    '/usr/local/bin/openhands: line 2: /app/.venv/bin/python: No such file or directory',
  ]);
  const install = d.steps.find((s) => s.command?.startsWith('source /installed-agent/install-agent.sh'))!;
  assert.ok(
    install.durationMs! > 5000 && install.durationMs! < 6000 && launch.durationMs! < 100,
    'durations from the asciinema timing: the install ran 5.7 s, the launch failed at once',
  );
  assert.match(install.output!, /⟨… \d+ lines \([\d.]+ KB\) omitted …⟩/);
  assert.doesNotMatch(
    install.output!,
    /Reading package lists\.\.\. \d+%/,
    'apt progress redraws collapse to their final state',
  );
  assert.ok(d.verifier.errors!.includes('/tests/run-uv-pytest.sh: line 3: uv: command not found'));
  assert.ok(d.stats.digestBytes < d.stats.rawBytes / 5);
});

test('TB1 mini-swe-agent run: the agent binary missing, the failing assertion from the tests terminal', async () => {
  const d = await digestTrial(run('tb1-mini-swe-agent-extract-safely/extract-safely.1-of-1.2025-08-07__20-46-16'));
  assert.deepEqual([d.task, d.reward], ['extract-safely', 0]);
  assert.ok(d.steps.some((s) => s.errors?.includes('bash: mini: command not found')));
  assert.ok(d.steps.some((s) => s.errors?.includes('error: externally-managed-environment [×2]')));
  assert.deepEqual(d.verifier.summary, { tests: 3, passed: 2, failed: 1 });
  assert.equal(d.verifier.failing.length, 1);
  assert.equal(d.verifier.failing[0]!.name, '../tests/test_outputs.py::test_solution_found');
  assert.match(d.verifier.failing[0]!.message, /^AssertionError: Agent output file does not exist \/ assert False/);
});

test('Harbor trial of gemini-cli (ATIF-v1.2, CTRF): partial reward, the two failing assertions, exit codes parsed from the tool text', async () => {
  const d = await digestTrial(run('harbor-gemini-cli-dialogue-parser/dialogue-parser__rwnM43w'));
  assert.equal(d.source, 'atif');
  assert.deepEqual(
    [d.task, d.trial, d.reward, d.passed, d.stopReason],
    ['dialogue-parser', 'dialogue-parser__rwnM43w', 0.667, false, 'completed'],
  );
  assert.deepEqual(d.verifier.summary, { tests: 6, passed: 4, failed: 2 });
  assert.deepEqual(
    d.verifier.failing.map((f) => f.name),
    ['test_outputs.py::test_graph_logic', 'test_outputs.py::test_visualization_validity'],
  );
  assert.equal(
    d.verifier.failing[0]!.message,
    "AssertionError: Unreachable nodes found: ['End']... / assert not {'End'}",
  );
  assert.deepEqual(
    d.steps.filter((s) => s.kind === 'command').map((s) => [s.command, s.exitCode]),
    [
      ['python3 /app/solution.py', 0],
      ['head -n 20 /app/dialogue.json && tail -n 20 /app/dialogue.json && head -n 20 /app/dialogue.dot', 0],
    ],
  );
  assert.ok(
    d.steps.every((s) => !s.errors),
    '"Error: (none)" in gemini-cli tool output is not an error',
  );
  assert.deepEqual(d.stats.tokens, { prompt: 91388, completion: 11827, cached: 38698 });
  assert.match(d.finalMessage!, /^I have implemented a dialogue parser/);
  assert.match(d.verifier.excerpt, /2 failed, 33 passed in 0\.60s/);
});

test('Terminus-2 trajectories: keystroke commands, results without source_call_id, a parser error fed back, summarization sub-trajectories', async () => {
  const timeout = await digestTrial(run('atif-terminus2-timeout'));
  assert.deepEqual(
    timeout.steps.map((s) => [s.step, s.command]),
    [
      [2, "echo 'Hello, world!'"],
      [3, 'sleep 50'],
      [4, 'sleep 50'],
    ],
  );
  assert.match(timeout.steps[0]!.output!, /Hello, world!/);
  const invalid = await digestTrial(run('atif-terminus2-invalid-json'));
  assert.equal(invalid.steps[0]!.kind, 'message');
  assert.deepEqual(invalid.steps[0]!.errors, ['ERROR: Missing required fields: analysis, plan']);
  assert.equal(invalid.stopReason, 'completed');
  const summarized = await digestTrial(run('atif-terminus2-summarization'));
  const sub = summarized.steps.filter((s) => s.subagent);
  assert.ok(
    sub.length >= 3 && sub.every((s) => s.step === 5),
    'sub-trajectory steps sit under the parent step that ran them',
  );
  assert.equal(summarized.steps.indexOf(sub[0]!), summarized.steps.findIndex((s) => s.step === 5) + 1);
  assert.ok(!sub.some((s) => s.command === 'mkdir test_dir'), 'copied context is not repeated');
  assert.equal(summarized.sourceFiles.length, 4);
});

test('OpenHands trajectory: editor calls are tools, not commands; finish carries the final message', async () => {
  const d = await digestTrial(run('atif-openhands-hello-world'));
  assert.deepEqual(
    d.steps.map((s) => [s.step, s.kind, s.tool]),
    [
      [5, 'tool', 'str_replace_editor'],
      [6, 'tool', 'finish'],
    ],
  );
  assert.equal(d.finalMessage, "Task complete. Created /app/hello.txt with 'Hello, world!'");
  assert.equal(d.instruction, 'Create a file called hello.txt with "Hello, world!" as the content.');
  assert.match(renderDigest(d), /#5 str_replace_editor \{"command":"create","path":"\/app\/hello\.txt"/);
});
