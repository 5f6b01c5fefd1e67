// Digests of ahe's own traces: sessions produced by the real `ahe run` and `ahe eval`, a crafted event log
// with every awkward event (torn line, timeout, model and middleware errors, compaction, missing session
// end), and a realistic multi-megabyte trial for the compression ratio.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { digestTrial } from '../../src/debugger/digest-trial.ts';
import { renderDigest } from '../../src/debugger/render-digest.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { runCli } from '../support/run-cli.ts';
import { writeSyntheticTrial } from './synthetic-trial.ts';
import { harborResult, writeTrial } from './trial-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-digest-run-'));

test('a real `ahe run` session: commands with exit codes, the agent text, the final message, usage', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'wd'));
  const r = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/example'),
    '--model',
    `scripted:${join(ROOT, 'examples/hello.script.yaml')}`,
    '--workdir',
    join(dir, 'wd'),
    '--instruction',
    'Create hello.txt containing hello',
    '--out',
    join(dir, 'run'),
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const d = await digestTrial(join(dir, 'run'));
  assert.equal(d.source, 'ahe-events');
  assert.equal(d.instruction, 'Create hello.txt containing hello');
  assert.deepEqual(
    d.steps.map((s) => [s.step, s.kind, s.command ?? s.text, s.exitCode]),
    [
      [1, 'command', "printf 'hello\\n' > hello.txt && wc -c hello.txt", 0],
      [2, 'command', 'cat hello.txt', 0],
      [3, 'message', "hello.txt now contains 'hello'. Done.", undefined],
    ],
  );
  assert.equal(
    d.steps[1]!.output,
    'hello',
    'the shell tool’s [exit code: 0] trailer is shown as the exit code, not as output',
  );
  assert.equal(d.finalMessage, "hello.txt now contains 'hello'. Done.");
  assert.equal(d.stopReason, 'completed');
  assert.deepEqual(d.stats.tokens, { prompt: 974, completion: 57, cached: 0 });
  assert.equal(d.stats.commands, 2);
  assert.deepEqual(d.problems, []);
});

test('a real session with a 165 KB output, a repeated read and a sub-agent: full output streamed, repeat referenced, sub-agent steps marked', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'wd'));
  writeFileSync(
    join(dir, 'wd/notes.txt'),
    'These are the notes of the project; they are long enough to be worth a reference rather than a repeat.\nsecond line\n',
  );
  const call = (command: string) => ({ name: 'run_shell_command', arguments: { command } });
  const script = {
    turns: [
      { reply: { content: 'Counting.', tool_calls: [call("seq 1 30000; echo 'error: widget failed' >&2; exit 3")] } },
      { reply: { content: 'Reading notes.', tool_calls: [call('cat notes.txt')] } },
      { reply: { content: 'Again.', tool_calls: [call('cat notes.txt')] } },
      {
        reply: {
          content: 'Asking the explorer.',
          tool_calls: [{ name: 'agent', arguments: { subagent: 'explorer', task: 'list the files' } }],
        },
      },
      { reply: { content: 'Listing.', tool_calls: [call('ls -1')] } },
      { reply: { content: 'There is notes.txt.' } },
      { reply: { content: 'Done: the count failed with exit 3.' } },
    ],
  };
  writeFileSync(join(dir, 'script.yaml'), stringify(script));
  const r = await runCli([
    'run',
    '--harness',
    join(ROOT, 'harnesses/example'),
    '--model',
    `scripted:${join(dir, 'script.yaml')}`,
    '--workdir',
    join(dir, 'wd'),
    '--instruction',
    'Count and report',
    '--out',
    join(dir, 'run'),
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const d = await digestTrial(join(dir, 'run'));
  const [count, read, reread, agent] = d.steps;
  assert.equal(count!.exitCode, 3);
  assert.equal(count!.isError, true);
  assert.ok(count!.outputBytes! > 160_000, 'outputBytes is the full output, not the truncated one the model saw');
  assert.ok(d.sourceFiles.includes('tool-outputs/call_0_0.txt'));
  assert.match(
    count!.output!,
    /^1\n {2}⟨… 29998 similar lines \(numbers differ\) …⟩\n30000\n\[stderr\]\nerror: widget failed/,
  );
  assert.deepEqual(count!.errors, ['error: widget failed']);
  assert.match(read!.output!, /^These are the notes/);
  assert.equal(reread!.repeatOf, 2);
  assert.equal(reread!.output, undefined);
  assert.equal(agent!.kind, 'subagent');
  assert.match(agent!.text!, /sub-agent explorer ended: completed, 2 steps/);
  const sub = d.steps.filter((s) => s.subagent === 'explorer');
  assert.deepEqual(
    sub.map((s) => [s.step, s.kind, s.command ?? s.text]),
    [
      [4, 'command', 'ls -1'],
      [4, 'message', 'There is notes.txt.'],
    ],
  );
  assert.equal(d.stats.steps, 5);
  assert.equal(d.finalMessage, 'Done: the count failed with exit 3.');
  assert.ok(
    d.stats.digestBytes < d.stats.rawBytes / 50,
    `digest ${d.stats.digestBytes} B of ${d.stats.rawBytes} B raw`,
  );
});

test('a real `ahe eval --agent oracle` trial: oracle log, verifier output, reward 1', {
  skip: bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`,
}, async () => {
  const out = join(tmp(), 'job');
  const r = await runCli(
    ['eval', '--tasks', join(ROOT, 'tasks/train'), '--task', 'top-words', '--agent', 'oracle', '--out', out],
    { timeoutMs: 120_000 },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const d = await digestTrial(join(out, 'top-words__1'));
  assert.equal(d.task, 'top-words');
  assert.equal(d.trial, 'top-words__1');
  assert.equal(d.reward, 1);
  assert.equal(d.passed, true);
  assert.equal(d.source, 'agent-logs');
  assert.ok(d.sourceFiles.includes('agent/oracle.txt'));
  assert.equal(d.verifier.exitCode, 0);
  assert.match(d.verifier.excerpt, /RESULT: all checks passed/);
  assert.deepEqual(d.problems, []);
});

const ev = (type: string, data: Record<string, unknown> = {}) => ({
  v: 1,
  ts: '2025-01-01T00:00:00.000Z',
  type,
  session_id: 'S',
  ...data,
});
const shell = (step: number, id: string, command: string) =>
  ev('model_call', {
    step,
    message: { content: `step ${step}`, tool_calls: [{ id, name: 'run_shell_command', arguments: { command } }] },
    usage: { prompt_tokens: 100, completion_tokens: 10, cached_tokens: 0 },
  });

test('crafted events: timeout, model and middleware errors, compaction, a torn last line and no session_end', async () => {
  const events = [
    ev('session_start', { instruction: 'Make the build pass' }),
    shell(1, 'c1', 'make'),
    ev('tool_result', {
      step: 1,
      call_id: 'c1',
      name: 'run_shell_command',
      output: 'compiling…\n[timed out after 30 s; the command was killed]',
      is_error: true,
      duration_ms: 30_012,
      metadata: { exit_code: null, timed_out: true, duration_ms: 30_000 },
    }),
    ev('model_error', { step: 2, error_type: 'RateLimitError', message: '429 Too Many Requests' }),
    ev('middleware_error', {
      step: 2,
      middleware: 'loop-guard',
      hook: 'beforeTool',
      message: 'TypeError: x is undefined',
    }),
    ev('compaction', {
      step: 3,
      strategy: 'summary',
      reason: 'context_overflow',
      tokens_before: 120_000,
      tokens_after: 30_000,
      messages_removed: 40,
    }),
    shell(3, 'c3', 'cat build.log'),
    ev('tool_result', {
      step: 3,
      call_id: 'c3',
      name: 'run_shell_command',
      output: 'x'.repeat(100),
      is_error: false,
      duration_ms: 5,
      full_output_file: '/etc/passwd',
      dropped_bytes: 5000,
      metadata: { exit_code: 0 },
    }),
  ];
  const dir = writeTrial({
    'result.json': harborResult({
      exception_info: { exception_type: 'AgentTimeoutError', exception_message: 'Agent timed out after 600 s' },
    }),
    'agent/events.jsonl': `${events.map((e) => JSON.stringify(e)).join('\n')}\n{"v":1,"type":"model_ca`,
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'ahe-events');
  const [make, modelError, mwError, compaction, cat] = d.steps;
  assert.deepEqual([make!.timedOut, make!.exitCode, make!.durationMs], [true, null, 30_000]);
  assert.equal(modelError!.kind, 'error');
  assert.equal(modelError!.text, 'RateLimitError: 429 Too Many Requests');
  assert.equal(mwError!.text, 'middleware loop-guard (beforeTool): TypeError: x is undefined');
  assert.equal(compaction!.text, 'summary, after a context overflow: 120000 → 30000 tokens, 40 messages removed');
  assert.equal(cat!.output, 'x'.repeat(100), 'a full output file outside the trial directory is never read');
  assert.equal(d.stopReason, 'timeout', 'no session_end: the stop reason comes from the AgentTimeoutError');
  assert.deepEqual(d.exception, { type: 'AgentTimeoutError', message: 'Agent timed out after 600 s' });
  assert.ok(
    d.problems.some((p) => /agent\/events\.jsonl:9: not a valid event/.test(p)),
    d.problems.join('\n'),
  );
  assert.ok(d.problems.some((p) => /ends without session_end/.test(p)));
  assert.ok(d.problems.some((p) => /full output of step 3 \(passwd\) is not in agent\/tool-outputs/.test(p)));
  assert.match(renderDigest(d), /#1 \$ make → TIMED OUT \(30s\)/);
  assert.equal(d.stats.errors, 3);
});

test('an events.jsonl that is entirely garbage falls back to the next source and says why', async () => {
  const dir = writeTrial({
    'result.json': harborResult(),
    'agent/events.jsonl': 'not json\n\x00\x01\n',
    'agent/agent.log': 'starting\nfatal: could not read config\n',
  });
  const d = await digestTrial(dir);
  assert.equal(d.source, 'agent-logs');
  assert.ok(d.problems.some((p) => p === 'agent/events.jsonl: no readable events'));
  assert.deepEqual(d.steps[0]!.errors, ['fatal: could not read config']);
});

test('a realistic 12 MB trial (300 steps, installs, tests, builds, dumps) digests to 1–5% of its size', async () => {
  const dir = join(tmp(), 'fix-pipeline__1');
  const written = writeSyntheticTrial(dir, { steps: 300, dumpBytes: 300_000 });
  const d = await digestTrial(dir);
  assert.ok(written > 10_000_000);
  assert.ok(d.stats.rawBytes >= written, `rawBytes ${d.stats.rawBytes} counts every file read`);
  const ratio = d.stats.digestBytes / d.stats.rawBytes;
  assert.ok(ratio >= 0.01 && ratio <= 0.05, `digest is ${(ratio * 100).toFixed(2)}% of raw`);
  assert.equal(d.stats.commands, 300);
  assert.equal(d.steps.filter((s) => s.kind === 'compaction').length, 3);
  const dump = d.steps.find((s) => s.step === 10)!;
  assert.ok(
    dump.errors!.some(
      (e) =>
        e.startsWith('Traceback (most recent call last):') &&
        e.endsWith("FileNotFoundError: [Errno 2] No such file or directory: '/data/part-10.csv'"),
    ),
  );
  assert.equal(d.verifier.failing.length, 1);
  assert.match(d.verifier.failing[0]!.message, /AssertionError: assert 999 == 1000/);
  assert.ok(
    d.steps.some((s) => s.repeatOf !== undefined),
    'the source file read again is referenced, not repeated',
  );
});
