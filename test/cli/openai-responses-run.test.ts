// `ahe run --model openai-responses:… --reasoning-effort high` end to end against the strict fake
// Responses server: the tool loop runs, every request asks for the effort with one prompt-cache key,
// the reasoning item goes back verbatim, and the summary lands in the ATIF trajectory, not the prompt.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { responsesStream, startFakeOpenAIResponsesServer } from '../support/fake-openai-responses-server.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-responses-${prefix}-`));
const KEY = 'sk-fake-key-for-test-responses';

test('ahe run with openai-responses and --reasoning-effort high: reasoning carried, traced, never prompt text', async () => {
  const work = tmp('work');
  const out = join(tmp('out'), 'run');
  const server = await startFakeOpenAIResponsesServer([
    responsesStream({
      reasoning: [['Write the file with a shell command.']],
      toolCalls: [{ callId: 'call_w', name: 'run_shell_command', arguments: '{"command":"echo hi > out.txt"}' }],
      reasoningTokens: 12,
    }),
    responsesStream({ reasoning: [['The file is written.']], text: 'Done: out.txt holds hi.' }),
  ]);
  try {
    const run = await runCli(
      [
        'run',
        '--harness',
        join(ROOT, 'harnesses/seed'),
        '--model',
        'openai-responses:gpt-5',
        '--reasoning-effort',
        'high',
        '--instruction',
        'write hi to out.txt',
        '--workdir',
        work,
        '--out',
        out,
        '--max-retries',
        '0',
        '--quiet',
      ],
      { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }, timeoutMs: 120_000 },
    );
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(readFileSync(join(work, 'out.txt'), 'utf8').trim(), 'hi');
    assert.equal(server.requests.length, 2, 'the strict fake accepted both requests');
    const [first, second] = server.requests.map((r) => r.body);
    for (const body of [first, second]) {
      assert.deepEqual(body.reasoning, { effort: 'high', summary: 'auto' });
      assert.equal(body.store, false);
    }
    assert.ok(first.prompt_cache_key, 'a prompt cache key is sent');
    assert.equal(second.prompt_cache_key, first.prompt_cache_key, 'one key for the session');
    const input = second.input as { type?: string; role?: string; content?: string; encrypted_content?: string }[];
    const kinds = input.map((i) => i.type ?? i.role);
    assert.deepEqual(kinds.slice(-3), ['reasoning', 'function_call', 'function_call_output']);
    assert.match(input.at(-3)!.encrypted_content!, /^enc_/);
    assert.ok(
      !input.some((i) => typeof i.content === 'string' && i.content.includes('Write the file with a shell command.')),
      'the summary is never prompt text',
    );
    const calls = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'model_call');
    assert.deepEqual(
      calls.map((e) => e.usage.reasoning_tokens),
      [12, 0],
      'reasoning tokens traced per call',
    );
    const atif = JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8'));
    const reasoning = (atif.steps as { reasoning_content?: string }[]).map((s) => s.reasoning_content).filter(Boolean);
    assert.deepEqual(reasoning, ['Write the file with a shell command.', 'The file is written.']);
  } finally {
    await server.close();
  }
});

test('a reasoning effort the provider does not support stops ahe run before any request, naming the provider', async () => {
  const server = await startFakeOpenAIResponsesServer([]);
  try {
    const run = await runCli(
      [
        'run',
        '--harness',
        join(ROOT, 'harnesses/seed'),
        '--model',
        'anthropic:claude-sonnet-4-5',
        '--reasoning-effort',
        'minimal',
        '--instruction',
        'x',
        '--out',
        join(tmp('bad'), 'run'),
        '--quiet',
      ],
      { env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url } },
    );
    assert.equal(run.exitCode, 2, run.stderr);
    assert.match(run.stderr, /reasoning effort 'minimal' is not supported by provider 'anthropic'/);
    assert.doesNotMatch(run.stderr, STACK_LINE);
    assert.equal(server.requests.length, 0);
    // The same from harness.yaml's model.reasoning_effort.
    const harness = join(tmp('harness'), 'h');
    cpSync(join(ROOT, 'harnesses/seed'), harness, { recursive: true });
    const yaml = readFileSync(join(harness, 'harness.yaml'), 'utf8');
    writeFileSync(join(harness, 'harness.yaml'), yaml.replace('model:\n', 'model:\n  reasoning_effort: minimal\n'));
    const fromHarness = await runCli(
      [
        'run',
        '--harness',
        harness,
        '--model',
        'anthropic:claude-sonnet-4-5',
        '--instruction',
        'x',
        '--out',
        join(tmp('bad2'), 'run'),
        '--quiet',
      ],
      { env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url } },
    );
    assert.equal(fromHarness.exitCode, 2, fromHarness.stderr);
    assert.match(fromHarness.stderr, /reasoning effort 'minimal' is not supported by provider 'anthropic'/);
    assert.equal(server.requests.length, 0);
    const typo = await runCli([
      'run',
      '--harness',
      join(ROOT, 'harnesses/seed'),
      '--model',
      'openai:x',
      '--reasoning-effort',
      'huge',
      '--instruction',
      'x',
    ]);
    assert.equal(typo.exitCode, 2);
    assert.match(typo.stderr, /--reasoning-effort.*huge|Allowed choices/);
  } finally {
    await server.close();
  }
});

test('--reasoning-effort is offered by run and eval, and per role by evolve, with its levels', async () => {
  for (const [command, flags] of [
    ['run', ['--reasoning-effort']],
    ['eval', ['--reasoning-effort']],
    ['evolve', ['--reasoning-effort', '--evolve-reasoning-effort', '--debug-reasoning-effort']],
  ] as const) {
    const help = await runCli([command, '--help']);
    assert.equal(help.exitCode, 0, help.stderr);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const flag of flags) assert.match(text, new RegExp(`${flag} <level>`), `${command}: ${flag}`);
    assert.match(text, /"minimal", "low", "medium", "high", "xhigh"/);
  }
});
