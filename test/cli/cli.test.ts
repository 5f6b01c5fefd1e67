// The CLI as a user meets it: help, init/validate, a full offline `ahe run`, and bad input.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateAtif } from '../../src/trace/atif-schema.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-cli-${prefix}-`));

test('ahe --help and ahe run --help tell a user how to use it', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.exitCode, 0);
  assert.match(top.stdout, /run \[options\]/);
  assert.match(top.stdout, /harness/);
  const run = await runCli(['run', '--help']);
  assert.match(run.stdout, /--harness <dir>/);
  assert.match(run.stdout, /--model <spec>/);
  assert.match(run.stdout, /Exit codes/);
  // Every command that runs something says what its exit codes mean.
  for (const command of [
    ['eval'],
    ['evolve'],
    ['simulate'],
    ['serve'],
    ['worker'],
    ['gc'],
    ['debug'],
    ['debug', 'show'],
    ['trace', 'atif'],
    ['harness', 'init'],
    ['harness', 'validate'],
    ['experiments', 'run'],
    ['compare'],
  ]) {
    const help = await runCli([...command, '--help']);
    assert.equal(help.exitCode, 0, help.stderr);
    assert.match(help.stdout, /Exit codes?[: ]/, `ahe ${command.join(' ')} --help`);
  }
});

test('harness init writes a seed that validates; validate reports a broken harness with file:line', async () => {
  const dir = join(tmp('init'), 'h');
  const init = await runCli(['harness', 'init', dir]);
  assert.equal(init.exitCode, 0, init.stderr);
  const ok = await runCli(['harness', 'validate', dir]);
  assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /ok: .* 1 tools/);
  writeFileSync(
    join(dir, 'tools', 'run_shell_command.ts'),
    'export default async (args, ctx) => {\n  return "x" +;\n};\n',
  );
  const bad = await runCli(['harness', 'validate', dir]);
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stdout, /tools\/run_shell_command\.ts:2/);
  assert.doesNotMatch(bad.stdout + bad.stderr, STACK_LINE);
  const again = await runCli(['harness', 'init', dir]);
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /not empty/);
});

test('ahe run with a scripted model does the task on the host and writes events, ATIF and result; secrets are redacted', async () => {
  const work = tmp('work');
  const out = join(tmp('out'), 'run');
  const secret = 'sk-test-0123456789abcdefSECRET';
  const script = join(tmp('script'), 'leak.yaml');
  writeFileSync(
    script,
    [
      'turns:',
      '  - reply:',
      '      tool_calls:',
      '        - name: run_shell_command',
      '          arguments: { command: "echo key=$MY_SERVICE_API_KEY > leak.txt; cat leak.txt" }',
      '  - expect: { last_tool_result_contains: "key=" }',
      `    reply: { content: "done, the key was ${secret}" }`,
    ].join('\n'),
  );
  const res = await runCli(
    [
      'run',
      '--harness',
      join(ROOT, 'harnesses/seed'),
      '--model',
      `scripted:${script}`,
      '--workdir',
      work,
      '--out',
      out,
      '--instruction',
      'write the key',
    ],
    { env: { MY_SERVICE_API_KEY: secret } },
  );
  assert.equal(res.exitCode, 0, res.stderr);
  assert.match(res.stderr, /step 1 · run_shell_command/);
  assert.match(res.stdout, /status completed · 2 steps/);
  assert.equal(readFileSync(join(work, 'leak.txt'), 'utf8').trim(), `key=${secret}`); // the command really ran
  assert.ok(!res.stdout.includes(secret) && !res.stderr.includes(secret), 'the secret was printed');
  for (const file of ['events.jsonl', 'trajectory.json', 'result.json']) {
    const text = readFileSync(join(out, file), 'utf8');
    assert.ok(!text.includes(secret), `${file} leaks the secret`);
  }
  assert.match(readFileSync(join(out, 'events.jsonl'), 'utf8'), /REDACTED/);
  const trajectory = JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8'));
  assert.deepEqual(validateAtif(trajectory), []);
  assert.equal(trajectory.steps.filter((s: { source: string }) => s.source === 'agent').length, 2);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  assert.equal(result.status, 'completed');
  const again = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/seed'),
    '--model',
    `scripted:${script}`,
    '--workdir',
    work,
    '--out',
    out,
    '--instruction',
    'x',
  ]);
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /already holds a session/);
});

test('the offline demo in the README runs', async () => {
  const work = tmp('demo');
  const res = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/example'),
    '--model',
    `scripted:${join(ROOT, 'examples/hello.script.yaml')}`,
    '--workdir',
    work,
    '--out',
    join(work, '.run'),
    '--instruction',
    'Create hello.txt containing hello',
  ]);
  assert.equal(res.exitCode, 0, res.stderr);
  assert.equal(readFileSync(join(work, 'hello.txt'), 'utf8'), 'hello\n');
});

test('a missing API key is one clear line naming the variable, exit 2, no stack trace', async () => {
  const res = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/seed'),
    '--model',
    'openai:gpt-5.4',
    '--instruction',
    'x',
    '--out',
    tmp('nokey'),
  ]);
  assert.equal(res.exitCode, 2);
  assert.match(res.stderr, /OPENAI_API_KEY/);
  assert.doesNotMatch(res.stderr, STACK_LINE);
  const anthropic = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/seed'),
    '--model',
    'anthropic:claude-haiku-4-5',
    '--instruction',
    'x',
    '--out',
    tmp('nokey2'),
  ]);
  assert.equal(anthropic.exitCode, 2);
  assert.match(anthropic.stderr, /ANTHROPIC_API_KEY/);
});

test('an unreachable base URL and a reply that is not JSON fail the session with a clear message', async () => {
  const url = await closedPortUrl();
  const down = await runCli(
    [
      'run',
      '--harness',
      join(ROOT, 'harnesses/seed'),
      '--model',
      'openai:gpt-5.4',
      '--instruction',
      'x',
      '--max-retries',
      '0',
      '--out',
      tmp('down'),
      '--quiet',
    ],
    {
      env: { OPENAI_API_KEY: 'sk-fake-key-for-test-000', OPENAI_BASE_URL: url },
    },
  );
  assert.equal(down.exitCode, 1);
  assert.ok(down.stderr.includes(url), down.stderr);
  assert.match(down.stderr, /OPENAI_BASE_URL/);
  assert.doesNotMatch(down.stderr, STACK_LINE);
  assert.ok(!down.stderr.includes('sk-fake-key-for-test-000'));

  const server = await startFakeOpenAIServer([{ kind: 'raw', status: 200, body: 'this is not json {' }]);
  try {
    const garbage = await runCli(
      [
        'run',
        '--harness',
        join(ROOT, 'harnesses/seed'),
        '--model',
        'openai:gpt-5.4',
        '--instruction',
        'x',
        '--max-retries',
        '0',
        '--out',
        tmp('garbage'),
        '--quiet',
      ],
      {
        env: { OPENAI_API_KEY: 'sk-fake-key-for-test-000', OPENAI_BASE_URL: server.url },
      },
    );
    assert.equal(garbage.exitCode, 1);
    assert.match(garbage.stderr, /ModelResponseError/);
    assert.doesNotMatch(garbage.stderr, STACK_LINE);
  } finally {
    await server.close();
  }
});

test('bad flags, a bad model spec and a broken harness are clear errors', async () => {
  const steps = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/seed'),
    '--model',
    'scripted:x',
    '--instruction',
    'x',
    '--max-steps',
    'many',
  ]);
  assert.notEqual(steps.exitCode, 0);
  assert.match(steps.stderr, /--max-steps.*many|many.*--max-steps/s);
  const spec = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/seed'),
    '--model',
    'gpt-5.4',
    '--instruction',
    'x',
  ]);
  assert.equal(spec.exitCode, 2);
  assert.match(spec.stderr, /--model gpt-5\.4: not a model spec: expected openai:<model>/);
  // Run from an empty directory: a developer's own runs/ (e.g. from npm run demo:evolve) does not matter.
  const cwd = tmp('failed-run');
  const missing = await runCli(
    ['run', '--harness', '/nonexistent/harness', '--model', 'openai:x', '--instruction', 'x'],
    {
      cwd,
    },
  );
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /\/nonexistent\/harness/);
  assert.doesNotMatch(missing.stderr, STACK_LINE);
  assert.ok(!existsSync(join(cwd, 'runs')), 'a failed run must not leave a runs/ directory');
});

test('--record writes a cassette that replays the same session offline', async () => {
  const work = tmp('rec');
  const cassette = join(tmp('cassette'), 'session.jsonl');
  const script = join(ROOT, 'examples/hello.script.yaml');
  const common = [
    'run',
    '--harness',
    join(ROOT, 'harnesses/example'),
    '--workdir',
    work,
    '--instruction',
    'Create hello.txt containing hello',
    '--quiet',
  ];
  const recorded = await runCli([
    ...common,
    '--model',
    `scripted:${script}`,
    '--record',
    cassette,
    '--out',
    join(work, '.rec'),
  ]);
  assert.equal(recorded.exitCode, 0, recorded.stderr);
  assert.equal(readFileSync(cassette, 'utf8').trim().split('\n').length, 3);
  const replayed = await runCli([...common, '--model', `replay:${cassette}`, '--out', join(work, '.replay')]);
  assert.equal(replayed.exitCode, 0, replayed.stderr);
  assert.match(replayed.stdout, /hello\.txt now contains 'hello'/);
  const changed = await runCli([
    ...common.slice(0, -3),
    '--instruction',
    'Something else entirely',
    '--quiet',
    '--model',
    `replay:${cassette}`,
    '--out',
    join(work, '.diverged'),
  ]);
  assert.equal(changed.exitCode, 1);
  assert.match(changed.stderr, /diverged at completion 0/);
});

test('tasks list shows the table of a task directory and names broken tasks', async () => {
  const res = await runCli(['tasks', 'list', join(ROOT, 'test/fixtures/tasks')]);
  assert.equal(res.exitCode, 1);
  assert.match(res.stdout, /harbor-tb2 +harbor +medium +software-engineering +1800 +900/);
  assert.match(res.stdout, /5 tasks/);
  assert.match(res.stderr, /broken-field\/task\.toml: agent\.timeout_sec: expected a number/);
  const none = await runCli(['tasks', 'list', tmp('no-tasks')]);
  assert.equal(none.exitCode, 1);
  assert.match(none.stderr, /^no task under .*: a task is a directory with task\.toml/m);
  const one = await runCli(['tasks', 'list', join(ROOT, 'test/fixtures/tasks/tb1-basic'), '--json']);
  assert.equal(one.exitCode, 0);
  assert.equal(JSON.parse(one.stdout).tasks[0].name, 'tb1-basic');
});

test('after a crash, trace atif rebuilds a valid trajectory from what events.jsonl kept', async () => {
  const work = tmp('crash');
  const out = join(work, 'run');
  const res = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/seed'),
    '--model',
    `scripted:${join(ROOT, 'examples/hello.script.yaml')}`,
    '--workdir',
    work,
    '--out',
    out,
    '--instruction',
    'x',
    '--quiet',
  ]);
  assert.equal(res.exitCode, 0, res.stderr);
  // Simulate kill -9 during step 3: drop the last events, tear a line, lose the trajectory.
  const lines = readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(out, 'events.jsonl'), `${lines.slice(0, -3).join('\n')}\n${lines.at(-3)!.slice(0, 40)}`);
  rmSync(join(out, 'trajectory.json'));
  const rebuilt = await runCli(['trace', 'atif', out]);
  assert.equal(rebuilt.exitCode, 0, rebuilt.stderr);
  assert.match(rebuilt.stderr, /skipped .*events\.jsonl:\d+: not a complete event/);
  const trajectory = JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8'));
  assert.deepEqual(validateAtif(trajectory), []);
  assert.equal(trajectory.extra.status, 'incomplete');
  const missing = await runCli(['trace', 'atif', work]);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /events\.jsonl does not exist/);
  // An events file with no complete event, or a directory in its place: one line, no stack trace.
  for (const [name, make, message] of [
    ['empty', (f: string) => writeFileSync(f, ''), /events\.jsonl: no complete event in it/],
    ['garbage', (f: string) => writeFileSync(f, 'garbage\n'), /events\.jsonl: no complete event in it/],
    ['directory', (f: string) => mkdirSync(f), /events\.jsonl is a directory/],
  ] as const) {
    const session = join(work, name);
    mkdirSync(session);
    make(join(session, 'events.jsonl'));
    const bad = await runCli(['trace', 'atif', session]);
    assert.equal(bad.exitCode, 2, `${name}: ${bad.stderr}`);
    assert.match(bad.stderr, message);
    assert.doesNotMatch(bad.stderr, STACK_LINE);
  }
});
