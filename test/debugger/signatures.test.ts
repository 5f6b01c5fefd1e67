import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseDetail } from '../../src/debugger/normalise-detail.ts';
import { classifyTrial } from '../../src/debugger/signatures.ts';
import { commandStep, failingVerifier, makeDigest } from '../support/make-digest.ts';

const labels = (d: Parameters<typeof classifyTrial>[0]) => classifyTrial(d).map((s) => s.label);
const find = (d: Parameters<typeof classifyTrial>[0], id: string) => classifyTrial(d).find((s) => s.id === id);

test('a passing trial has no signatures; a failing one with no evidence is unknown', () => {
  assert.deepEqual(
    classifyTrial(makeDigest({ reward: 1, exception: { type: 'AgentTimeoutError', message: 'timed out' } })),
    [],
  );
  assert.deepEqual(classifyTrial(makeDigest({ reward: 0, stopReason: 'aborted', steps: [commandStep(1, 'ls')] })), [
    { id: 'unknown', label: 'unknown', steps: [] },
  ]);
  assert.equal(classifyTrial(makeDigest({ reward: null, stopReason: 'aborted' }))[0]!.label, 'unknown: no reward');
  assert.equal(
    classifyTrial(makeDigest({ source: 'none', stopReason: 'unknown' }))[0]!.label,
    'unknown: no agent trace',
  );
});

test('timeouts: agent (exception or stop reason) at the last step, verifier, and a command that hit its own limit', () => {
  const steps = [commandStep(1, 'make'), commandStep(2, 'python3 -m http.server 8000', '', 124, { timedOut: true })];
  const d = makeDigest({
    exception: { type: 'AgentTimeoutError', message: 'Agent timed out after 900 s' },
    stopReason: 'timeout',
    steps,
  });
  assert.deepEqual(find(d, 'agent-timeout'), { id: 'agent-timeout', label: 'agent timeout', steps: [2] });
  assert.deepEqual(find(d, 'command-timeout'), {
    id: 'command-timeout',
    label: 'command timeout: python3 -m http.server N',
    steps: [2],
  });
  assert.equal(find(makeDigest({ stopReason: 'timeout', steps }), 'agent-timeout')?.label, 'agent timeout');
  assert.deepEqual(
    labels(makeDigest({ exception: { type: 'VerifierTimeoutError', message: 'verifier exceeded 60 s' } })),
    ['verifier timeout'],
  );
});

test('causes outside the agent come first: environment, verifier needing the network, no reward, model errors', () => {
  const env = makeDigest({
    exception: {
      type: 'EnvironmentNotSatisfiableError',
      message:
        'environment not satisfiable here: Dockerfile:3 RUN needs Debian packages python3-numpy, missing on this machine; install them',
    },
    verifier: failingVerifier('tests/test_outputs.py::test_a'),
  });
  assert.deepEqual(labels(env), [
    'environment: needs Debian packages python3-numpy',
    'test assertion: test_outputs.py::test_a',
  ]);
  assert.equal(
    labels(makeDigest({ exception: { type: 'EnvironmentSetupError', message: 'RUN failed' } }))[0],
    'environment: EnvironmentSetup',
  );
  assert.deepEqual(labels(makeDigest({ exception: { type: 'VerifierNeedsNetworkError', message: 'x' } })), [
    'verifier needs network',
  ]);
  // Another tool's run: no exception type, but the verifier's own download failed.
  const offline = makeDigest({
    steps: [commandStep(1, 'ls'), commandStep(2, 'ls'), commandStep(3, 'ls')],
    verifier: { exitCode: 1, failing: [], excerpt: 'curl: (6) Could not resolve host: astral.sh' },
  });
  assert.ok(labels(offline).includes('verifier needs network'));
  assert.deepEqual(labels(makeDigest({ exception: { type: 'RewardFileNotFoundError', message: 'no reward' } })), [
    'no reward file',
  ]);
  const model = makeDigest({
    stopReason: 'error',
    exception: { type: 'AgentError', message: 'ModelResponseError: 500 from provider' },
    steps: [commandStep(1, 'ls'), { step: 2, kind: 'error', text: 'ModelResponseError: 500 Internal Server Error' }],
  });
  assert.deepEqual(classifyTrial(model)[0], {
    id: 'model-error',
    label: 'model error: ModelResponseError',
    steps: [2],
  });
  assert.deepEqual(labels(makeDigest({ exception: { type: 'NonZeroAgentExitCodeError', message: 'exit 2' } })), [
    'exception: NonZeroAgentExitCodeError',
  ]);
});

test('command not found: bash, sh, a missing executable path, and exit 127 with no message', () => {
  const d = makeDigest({
    steps: [
      commandStep(1, 'pytest -q', 'bash: pytest: command not found', 127),
      commandStep(2, 'cd /app && ./build.sh', 'bash: ./build.sh: No such file or directory', 127),
      commandStep(3, 'jq . x.json', 'sh: 1: jq: not found', 127),
      commandStep(4, 'rg foo', '', 127),
      commandStep(5, 'bash -c "pytest"', 'bash: line 1: pytest: command not found', 127),
    ],
  });
  const cnf = classifyTrial(d).filter((s) => s.id === 'command-not-found');
  assert.deepEqual(cnf, [
    { id: 'command-not-found', label: 'command not found: pytest', steps: [1, 5] },
    { id: 'command-not-found', label: 'command not found: build.sh', steps: [2] },
    { id: 'command-not-found', label: 'command not found: jq', steps: [3] },
    { id: 'command-not-found', label: 'command not found: rg', steps: [4] },
  ]);
  assert.equal(find(d, 'wrong-path'), undefined, 'a missing executable is not reported as a wrong path too');
});

test('missing dependencies across ecosystems, named by package', () => {
  const d = makeDigest({
    steps: [
      commandStep(
        1,
        'python3 solve.py',
        'Traceback (most recent call last):\n  File "solve.py", line 1\nModuleNotFoundError: No module named \'numpy.linalg\'',
        1,
      ),
      commandStep(
        2,
        'gcc main.c -lssl',
        '/usr/bin/ld: cannot find -lssl\ncollect2: error: ld returned 1 exit status',
        1,
      ),
      commandStep(3, 'gcc x.c', 'x.c:1:10: fatal error: zlib.h: No such file or directory\ncompilation terminated.', 1),
      commandStep(4, 'node index.js', "Error: Cannot find module 'express'\nRequire stack:", 1),
      commandStep(5, 'node y.js', "Error: Cannot find module '@scope/pkg/lib/x'", 1),
    ],
  });
  assert.deepEqual(
    classifyTrial(d)
      .filter((s) => s.id === 'missing-dependency')
      .map((s) => [s.label, s.steps]),
    [
      ['missing dependency: numpy', [1]],
      ['missing dependency: libssl', [2]],
      ['missing dependency: zlib.h', [3]],
      ['missing dependency: express', [4]],
      ['missing dependency: @scope/pkg', [5]],
    ],
  );
  assert.equal(find(d, 'compile-error'), undefined, 'the missing library explains the failed link');
  assert.equal(find(d, 'wrong-path'), undefined, 'a missing header is not a wrong path');
});

test('wrong paths from coreutils, Python and Node, with /tmp paths normalised; permission denied', () => {
  const d = makeDigest({
    steps: [
      commandStep(1, 'cat /app/data/input.csv', 'cat: /app/data/input.csv: No such file or directory', 1),
      commandStep(
        2,
        'python3 read.py',
        "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/tmpa81k2/out.json'",
        1,
      ),
      commandStep(3, 'ls /app/cfg', "ls: cannot access '/app/cfg': No such file or directory", 2),
      commandStep(4, 'node run.js', "Error: ENOENT: no such file or directory, open '/app/config.yaml'", 1),
      commandStep(5, 'cd /srv/app', 'bash: line 1: cd: /srv/app: No such file or directory', 1),
      commandStep(6, 'ls /maybe 2>&1 || true', "ls: cannot access '/elsewhere': No such file or directory", 0),
      commandStep(7, 'echo x > /etc/hosts', 'bash: /etc/hosts: Permission denied', 1),
    ],
  });
  assert.deepEqual(
    classifyTrial(d)
      .filter((s) => s.id === 'wrong-path')
      .map((s) => [s.label, s.steps]),
    [
      ['wrong path: /app/data/input.csv', [1]],
      ['wrong path: /tmp/…', [2]],
      ['wrong path: /app/cfg', [3]],
      ['wrong path: /app/config.yaml', [4]],
      ['wrong path: /srv/app', [5]],
    ],
  );
  assert.deepEqual(find(d, 'permission-denied'), {
    id: 'permission-denied',
    label: 'permission denied: /etc/hosts',
    steps: [7],
  });
});

test('syntax and compile errors are named by language', () => {
  const d = makeDigest({
    steps: [
      commandStep(
        1,
        'python3 app.py',
        '  File "app.py", line 3\n    def f(:\n          ^\nSyntaxError: invalid syntax',
        1,
      ),
      commandStep(2, 'bash run.sh', "run.sh: line 4: syntax error near unexpected token `fi'", 2),
      commandStep(3, 'gcc -o m main.c', "main.c:12:5: error: expected ';' before 'return'", 1),
      commandStep(4, 'cargo build', 'error[E0425]: cannot find value `x` in this scope', 101),
      commandStep(5, 'npx tsc', "src/a.ts(3,1): error TS2304: Cannot find name 'foo'.", 2),
    ],
  });
  assert.deepEqual(
    classifyTrial(d)
      .filter((s) => s.id === 'syntax-error' || s.id === 'compile-error')
      .map((s) => [s.label, s.steps]),
    [
      ['syntax error: python', [1]],
      ['syntax error: shell', [2]],
      ['compile error: c/c++', [3]],
      ['compile error: rust', [4]],
      ['compile error: typescript', [5]],
    ],
  );
});

test('tool errors: invalid arguments and failing non-shell tools', () => {
  const d = makeDigest({
    steps: [
      {
        step: 1,
        kind: 'tool',
        tool: 'run_shell_command',
        isError: true,
        output: 'Invalid arguments: missing required property "command"',
      },
      { step: 2, kind: 'tool', tool: 'edit_file', isError: true, output: 'old_string not found in /app/x.py' },
      { step: 3, kind: 'tool', tool: 'edit_file', isError: false, output: 'ok' },
    ],
  });
  assert.deepEqual(
    classifyTrial(d).filter((s) => s.id === 'tool-error'),
    [
      { id: 'tool-error', label: 'tool error: invalid arguments', steps: [1] },
      { id: 'tool-error', label: 'tool error: edit_file', steps: [2] },
    ],
  );
});

test('repeated command loop: the same command five times, or the same output three times', () => {
  const polling = Array.from({ length: 5 }, (_, i) =>
    commandStep(i + 1, `sleep ${i + 2}; curl -s localhost:8080`, `attempt ${i}: refused`, 7),
  );
  assert.deepEqual(find(makeDigest({ steps: polling }), 'repeated-command-loop'), {
    id: 'repeated-command-loop',
    label: 'repeated command loop: sleep N; curl -s localhost:N',
    steps: [1, 2, 3, 4, 5],
  });
  assert.equal(
    find(makeDigest({ steps: polling.slice(0, 4) }), 'repeated-command-loop'),
    undefined,
    'four test runs with changing output are normal iteration',
  );
  // A long output the cleaner replaced by a reference to its first occurrence, whichever command printed it.
  const log = Array.from(
    { length: 6 },
    (_, i) => `2024-01-01 12:00:0${i} ERROR worker crashed: connection refused`,
  ).join('\n');
  const sameLong = [
    commandStep(1, 'cat /var/log/app.log', log, 0),
    commandStep(3, 'tail -n 100 /var/log/app.log', '', 0, { repeatOf: 1, output: undefined }),
    commandStep(5, 'cat /var/log/app.log', '', 0, { repeatOf: 1, output: undefined }),
  ];
  assert.deepEqual(find(makeDigest({ steps: sameLong }), 'repeated-command-loop'), {
    id: 'repeated-command-loop',
    label: 'repeated command loop: cat /var/log/app.log',
    steps: [1, 3, 5],
  });
  // Short outputs stay verbatim: the same command with the same output three times is a loop…
  const refused = [2, 4, 6].map((n) =>
    commandStep(n, 'curl -s localhost:8080', 'curl: (7) Failed to connect to localhost port 8080', 7),
  );
  assert.deepEqual(find(makeDigest({ steps: refused }), 'repeated-command-loop')?.steps, [2, 4, 6]);
  // …but silence is not, nor the same short output from different commands.
  assert.equal(
    find(makeDigest({ steps: [1, 2, 3].map((n) => commandStep(n, 'mkdir -p /app/out', '')) }), 'repeated-command-loop'),
    undefined,
  );
  assert.equal(
    find(
      makeDigest({ steps: ['a', 'b', 'c'].map((f, i) => commandStep(i + 1, `grep -c x ${f}.txt`, '0', 1)) }),
      'repeated-command-loop',
    ),
    undefined,
  );
});

test('a repeated output is read from the first output of the step it repeats (tool calls of one step share its number)', () => {
  const missing = `bash: pytest: command not found\n${'(more context) '.repeat(8)}`;
  const steps = [
    commandStep(1, 'pytest', missing, 127),
    commandStep(1, 'ls', 'a.py', 0),
    commandStep(2, 'pytest', '', 127, { repeatOf: 1, output: undefined }),
  ];
  assert.deepEqual(find(makeDigest({ steps }), 'command-not-found')?.steps, [1, 2]);
});

test('a middleware that throws is named: it is a harness bug', () => {
  const d = makeDigest({
    steps: [
      commandStep(1, 'ls'),
      {
        step: 2,
        kind: 'error',
        isError: true,
        text: 'middleware verify-before-finish (afterModel): TypeError: x is undefined',
      },
    ],
  });
  assert.deepEqual(find(d, 'middleware-error'), {
    id: 'middleware-error',
    label: 'middleware error: verify-before-finish',
    steps: [2],
  });
  assert.equal(find(d, 'model-error'), undefined);
});

test('context exhausted, max steps, and stopping early (few commands, or claiming success while tests fail)', () => {
  const compacted = makeDigest({
    stopReason: 'token_budget',
    steps: [commandStep(1, 'ls'), { step: 4, kind: 'compaction' }, commandStep(9, 'ls')],
  });
  assert.deepEqual(find(compacted, 'context-exhausted'), {
    id: 'context-exhausted',
    label: 'context exhausted: token budget',
    steps: [4, 9],
  });
  assert.equal(
    find(makeDigest({ steps: [{ step: 2, kind: 'compaction' }], stopReason: 'max_steps' }), 'context-exhausted')?.label,
    'context exhausted: compacted',
  );
  assert.deepEqual(find(makeDigest({ stopReason: 'max_steps', steps: [commandStep(50, 'ls')] }), 'max-steps'), {
    id: 'max-steps',
    label: 'max steps reached',
    steps: [50],
  });
  assert.deepEqual(find(makeDigest({ stopReason: 'cost_budget', steps: [commandStep(7, 'ls')] }), 'cost-budget'), {
    id: 'cost-budget',
    label: 'cost limit reached',
    steps: [7],
  });
  const cut = makeDigest({ stopReason: 'truncated', steps: [commandStep(3, 'ls')], finalMessage: 'Here is the pl' });
  assert.equal(find(cut, 'reply-truncated')?.label, 'reply cut off by the output-token limit');
  assert.equal(find(cut, 'agent-stopped-early'), undefined, 'a cut-off reply is not a choice to stop');
  const filtered = makeDigest({ stopReason: 'content_filter', steps: [commandStep(4, 'ls')], finalMessage: 'I' });
  assert.deepEqual(find(filtered, 'content-filter')?.steps, [4]);
  assert.equal(find(filtered, 'agent-stopped-early'), undefined, 'a filtered reply is not a choice to stop');

  const verifier = failingVerifier('tests/test_outputs.py::test_report_totals');
  const few = makeDigest({
    steps: [commandStep(1, 'ls'), { step: 2, kind: 'message', text: 'Done.' }],
    finalMessage: 'Done.',
    verifier,
  });
  assert.deepEqual(labels(few), [
    'agent stopped early: few commands',
    'test assertion: test_outputs.py::test_report_totals',
  ]);
  const many = [commandStep(1, 'ls'), commandStep(2, 'vim x'), commandStep(3, 'python3 x.py')];
  assert.equal(
    find(
      makeDigest({ steps: many, finalMessage: 'I have implemented the fix and all tests pass.', verifier }),
      'claimed-success',
    )?.label,
    'claimed success unverified',
  );
  assert.equal(
    find(
      makeDigest({ steps: many, finalMessage: 'I could not get the build to work.', verifier }),
      'agent-stopped-early',
    ),
    undefined,
  );
  assert.equal(
    find(makeDigest({ steps: many, stopReason: 'max_steps', finalMessage: 'Done.', verifier }), 'agent-stopped-early'),
    undefined,
  );
});

test('test assertions: one per failing test, directories dropped, parameters normalised, capped', () => {
  const d = makeDigest({
    steps: [commandStep(1, 'a'), commandStep(2, 'b'), commandStep(3, 'c')],
    verifier: failingVerifier('tests/unit/test_io.py::TestRead::test_csv[3]', 'tests/test_io.py::test_json'),
  });
  assert.deepEqual(classifyTrial(d), [
    { id: 'test-assertion', label: 'test assertion: test_io.py::TestRead::test_csv[N]', steps: [] },
    { id: 'test-assertion', label: 'test assertion: test_io.py::test_json', steps: [] },
  ]);
  const many = makeDigest({ verifier: failingVerifier(...Array.from({ length: 30 }, (_, i) => `t.py::test_${i}`)) });
  assert.equal(classifyTrial(many, { maxTests: 5 }).filter((s) => s.id === 'test-assertion').length, 5);
  const unnamed = makeDigest({
    steps: [commandStep(1, 'a'), commandStep(2, 'b'), commandStep(3, 'c')],
    verifier: { exitCode: 1, summary: { tests: 3, passed: 1, failed: 2 }, failing: [], excerpt: '' },
  });
  assert.deepEqual(labels(unnamed), ['test assertion: unnamed']);
});

test('order: infrastructure, then step findings by step, then how the run ended, then tests', () => {
  const d = makeDigest({
    stopReason: 'max_steps',
    steps: [
      commandStep(1, 'cat /app/in.txt', 'cat: /app/in.txt: No such file or directory', 1),
      commandStep(2, 'pytest', 'bash: pytest: command not found', 127),
    ],
    verifier: failingVerifier('t.py::test_x'),
  });
  assert.deepEqual(
    classifyTrial(d).map((s) => s.id),
    ['wrong-path', 'command-not-found', 'max-steps', 'test-assertion'],
  );
});

test('label details are normalised so the same cause clusters across runs', () => {
  assert.equal(normaliseDetail("'/tmp/pytest-of-root/pytest-3/test_a0/out.txt'"), '/tmp/…');
  assert.equal(normaliseDetail('python3 run.py --seed 1234 --id 9f8e7d6c5b'), 'python3 run.py --seed N --id <hex>');
  assert.equal(normaliseDetail('x'.repeat(100)).length, 80);
});
