// ATIF trajectories as different writers produce them (docs/debugger.md, "Cleaner and digests"): v1.4 and
// v1.7, message parts with images, arguments as objects or JSON strings, results in the call's step or a later
// one, with or without source_call_id, no user step, zero final metrics; malformed files fall through.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestTrial } from '../../src/debugger/digest-trial.ts';
import { viewToolCall } from '../../src/debugger/shell-command.ts';
import { harborResult, writeTrial } from './trial-files.ts';

const trajectory = (version: string, steps: unknown[], extra: Record<string, unknown> = {}) => ({
  schema_version: version,
  session_id: 's1',
  agent: { name: 'some-agent', version: '1.0' },
  steps,
  ...extra,
});

test('ATIF v1.4: message parts with an image, object arguments, results with source_call_id, a finish tool, zero metrics', async () => {
  const dir = writeTrial({
    'result.json': harborResult(),
    'agent/trajectory.json': trajectory(
      'ATIF-v1.4',
      [
        { step_id: 1, source: 'system', message: 'You are an agent.' },
        {
          step_id: 2,
          source: 'user',
          message: [
            { type: 'text', text: 'Fix the failing test in /app.' },
            { type: 'image', source: { media_type: 'image/png', data: 'iVBOR…' } },
          ],
        },
        {
          step_id: 3,
          source: 'agent',
          message: [{ type: 'text', text: 'Running the tests first.' }],
          tool_calls: [{ tool_call_id: 'a1', function_name: 'bash', arguments: { cmd: 'pytest -q', timeout: 60 } }],
          observation: {
            results: [
              {
                source_call_id: 'a1',
                content: [
                  { type: 'text', text: 'FAILED tests/test_app.py::test_sum - assert 3 == 4\n1 failed in 0.1s' },
                ],
              },
            ],
          },
        },
        {
          step_id: 4,
          source: 'agent',
          message: 'Done.',
          tool_calls: [{ tool_call_id: 'a2', function_name: 'finish', arguments: { message: 'I fixed the sum.' } }],
        },
      ],
      {
        final_metrics: {
          total_prompt_tokens: 0,
          total_completion_tokens: 0,
          total_cached_tokens: 0,
          total_cost_usd: 0,
          total_steps: 2,
        },
      },
    ),
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'atif');
  assert.equal(d.instruction, 'Fix the failing test in /app.\n[image]');
  const [pytest, finish] = d.steps;
  assert.deepEqual(
    [pytest!.kind, pytest!.tool, pytest!.command, pytest!.args],
    ['command', 'bash', 'pytest -q', '{"timeout":60}'],
  );
  assert.deepEqual(pytest!.errors, ['FAILED tests/test_app.py::test_sum - assert 3 == 4']);
  assert.equal(finish!.tool, 'finish');
  assert.equal(d.finalMessage, 'I fixed the sum.');
  assert.equal(d.stopReason, 'completed');
  assert.deepEqual(
    d.stats.tokens,
    { prompt: 1000, completion: 100, cached: 0 },
    'zero final_metrics mean unknown: the result.json usage is used',
  );
  assert.equal(d.stats.steps, 2);
});

test('ATIF v1.7: no user step, arguments as a JSON string, results in a separate step, codex-style command lists', async () => {
  const dir = writeTrial({
    'result.json': harborResult(),
    'agent/trajectory.json': trajectory('ATIF-v1.7', [
      {
        step_id: 1,
        source: 'agent',
        message: '',
        reasoning_content: 'Look at the repo layout first.',
        tool_calls: [
          {
            tool_call_id: 'c1',
            function_name: 'shell',
            arguments: '{"command": ["bash", "-lc", "ls -la /app"], "workdir": "/app"}',
          },
          { tool_call_id: 'c2', function_name: 'read_file', arguments: '{"path": "/app/main.py"}' },
        ],
      },
      {
        step_id: 2,
        source: 'system',
        message: '',
        observation: {
          results: [
            { source_call_id: 'c2', content: 'print("hi")' },
            { source_call_id: 'c1', content: 'total 8\nmain.py' },
          ],
        },
      },
      { step_id: 3, source: 'agent', message: 'All good.' },
    ]),
  });
  const d = await digestTrial(dir);
  assert.equal(d.instruction, undefined);
  const [ls, read, said] = d.steps;
  assert.deepEqual(
    [ls!.step, ls!.command, ls!.args, ls!.output, ls!.text],
    [1, 'ls -la /app', '{"workdir":"/app"}', 'total 8\nmain.py', 'Look at the repo layout first.'],
  );
  assert.deepEqual([read!.kind, read!.args, read!.output], ['tool', '{"path":"/app/main.py"}', 'print("hi")']);
  assert.deepEqual([said!.kind, said!.text], ['message', 'All good.']);
  assert.equal(d.finalMessage, 'All good.');
});

test('results without source_call_id answer the calls in order, in their own step or a later one', async () => {
  const dir = writeTrial({
    'agent/trajectory.json': trajectory('ATIF-v1.5', [
      { step_id: 1, source: 'user', message: 'go' },
      {
        step_id: 2,
        source: 'agent',
        message: 'two commands',
        tool_calls: [
          { tool_call_id: 'k1', function_name: 'bash_command', arguments: { keystrokes: 'cd /app\n', duration: 0.1 } },
          { tool_call_id: 'k2', function_name: 'bash_command', arguments: { keystrokes: 'make test\n', duration: 5 } },
        ],
        observation: { results: [{ content: 'first' }, { content: 'make: *** [test] Error 2\nExit Code: 2' }] },
      },
      {
        step_id: 3,
        source: 'agent',
        message: 'retry',
        tool_calls: [{ tool_call_id: 'k3', function_name: 'execute_bash', arguments: { command: 'make test' } }],
      },
      {
        step_id: 4,
        source: 'user',
        message: '',
        observation: { results: [{ content: 'ok\n[The command completed with exit code 0.]' }] },
      },
    ]),
  });
  const d = await digestTrial(dir);
  assert.deepEqual(
    d.steps.map((s) => [s.step, s.command, s.output?.split('\n')[0], s.exitCode]),
    [
      [2, 'cd /app', 'first', undefined],
      [2, 'make test', 'make: *** [test] Error 2', 2],
      [3, 'make test', 'ok', 0],
    ],
  );
  assert.equal(d.steps[1]!.isError, true);
  assert.equal(d.problems.length, 0, d.problems.join('\n'));
});

test('a trajectory that is not JSON is a problem; artifacts/trajectory.json is tried next', async () => {
  const dir = writeTrial({
    'agent/trajectory.json': '{"schema_version": "ATIF-v1.5", "steps": [',
    'artifacts/trajectory.json': trajectory('ATIF-v1.6', [{ step_id: 1, source: 'agent', message: 'from artifacts' }]),
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'atif');
  assert.deepEqual(d.sourceFiles, ['agent/trajectory.json', 'artifacts/trajectory.json']);
  assert.match(d.problems[0]!, /^agent\/trajectory\.json: not valid JSON/);
  assert.equal(d.finalMessage, 'from artifacts');
});

test('a non-ATIF <agent>.trajectory.json and a broken trajectory fall back to the agent logs', async () => {
  const dir = writeTrial({
    'result.json': harborResult({
      verifier_result: null,
      exception_info: { exception_type: 'NonZeroAgentExitCodeError', exception_message: 'exit 1' },
    }),
    'agent/gemini-cli.trajectory.json': { sessionId: 'x', messages: [{ type: 'user', content: 'hi' }] },
    'agent/trajectory.json': '<html>502 Bad Gateway</html>',
    'agent/gemini-cli.txt': 'Loaded cached credentials.\nError: API key not valid. Please pass a valid API key.\n',
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'agent-logs');
  assert.ok(d.problems.some((p) => p.startsWith('agent/trajectory.json: not valid JSON')));
  assert.ok(d.problems.includes('agent/gemini-cli.trajectory.json: not an ATIF trajectory (no steps list)'));
  assert.deepEqual(d.steps[0]!.errors, ['Error: API key not valid. Please pass a valid API key.']);
  assert.equal(d.reward, null);
  assert.equal(d.passed, false);
  assert.deepEqual(d.exception, { type: 'NonZeroAgentExitCodeError', message: 'exit 1' });
});

test('an ATIF trajectory under another name (agent/<name>.trajectory.json) is found', async () => {
  const dir = writeTrial({
    'agent/claude-code.trajectory.json': trajectory('ATIF-v1.5', [
      {
        step_id: 1,
        source: 'agent',
        message: 'named file',
        tool_calls: [{ tool_call_id: 't', function_name: 'Bash', arguments: { command: 'git status' } }],
        observation: { results: [{ source_call_id: 't', content: 'fatal: not a git repository' }] },
      },
    ]),
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'atif');
  assert.deepEqual([d.steps[0]!.command, d.steps[0]!.errors], ['git status', ['fatal: not a git repository']]);
});

test('shell commands are recognised across tool names and argument shapes; editor commands are not shell', () => {
  const cases: [string, unknown, string | undefined][] = [
    ['run_shell_command', { command: 'ls' }, 'ls'],
    ['bash', { cmd: 'ls -la' }, 'ls -la'],
    ['execute_bash', '{"command": "pytest", "security_risk": "LOW"}', 'pytest'],
    ['bash_command', { keystrokes: 'make\n', duration: 1 }, 'make'],
    ['terminal', { input: 'echo hi' }, 'echo hi'],
    ['tmux_send_keys', { keys: 'C-c' }, 'C-c'],
    ['shell', { command: ['bash', '-lc', 'cat x; tmux wait -S done'] }, 'cat x'],
    ['execute_command', { command: ['python', 'app.py'] }, 'python app.py'],
    ['str_replace_editor', { command: 'create', path: '/a' }, undefined],
    ['task_tracker', { command: 'plan' }, undefined],
    ['read_file', { path: '/a' }, undefined],
  ];
  for (const [tool, args, command] of cases)
    assert.equal(viewToolCall(tool, args).command, command, `${tool} ${JSON.stringify(args)}`);
  assert.deepEqual(viewToolCall('str_replace_editor', { command: 'create', path: '/a' }), {
    args: '{"command":"create","path":"/a"}',
  });
});
