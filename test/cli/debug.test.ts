// `ahe debug` as a user meets it: an eval job with real traces, the heuristic report, a scripted analyst
// (cached on the second run: zero calls), drilling down with `debug show`, and bad input.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { readReport } from '../../src/debugger/report-schema.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-debug-${prefix}-`));

const analysis = {
  root_cause: 'The agent stopped without editing the config.',
  pass_vs_fail: 'no attempt passed',
  critical_mistake: 'Step 1: it answered without running any command.',
  general_mechanism: 'Before finishing, run the check command the instruction names and read its output.',
  suggested_component: 'system_prompt',
  evidence: [{ trial: 'repair-json-config__1', step: 1, note: 'gave up at once' }],
};

test('ahe debug on an eval job: heuristic report, scripted analyst cached on the second run, debug show', {
  skip,
}, async () => {
  const dir = tmp('job');
  const solve = readFileSync(join(ROOT, 'tasks', 'train', 'top-words', 'solution', 'solve.sh'), 'utf8');
  const agentScript = join(dir, 'agent.yaml');
  writeFileSync(
    agentScript,
    stringify({
      variants: [
        {
          when: { user_contains: 'book.txt' },
          turns: [
            {
              reply: {
                content: 'Counting.',
                tool_calls: [{ name: 'run_shell_command', arguments: { command: `ls /app; ${solve}` } }],
              },
            },
            { reply: { content: 'Done.' } },
          ],
        },
        { when: { user_contains: 'config.json' }, turns: [{ reply: { content: 'I cannot fix this.' } }] },
      ],
    }),
  );
  const job = join(dir, 'job');
  const env = { AHE_CACHE_DIR: join(dir, 'cache') };
  const evalRun = await runCli(
    [
      'eval',
      '--tasks',
      join(ROOT, 'tasks', 'train'),
      '--task',
      'top-words',
      'repair-json-config',
      '--harness',
      join(ROOT, 'harnesses', 'seed'),
      '--model',
      `scripted:${agentScript}`,
      '--out',
      job,
      '--quiet',
    ],
    { env, timeoutMs: 120_000 },
  );
  assert.equal(evalRun.exitCode, 0, evalRun.stderr);

  const heuristic = await runCli(['debug', job, '--no-llm'], { env });
  assert.equal(heuristic.exitCode, 0, heuristic.stderr);
  assert.match(heuristic.stdout, /2 tasks, 2 trials: 1 tasks with failures/);
  const overview = readFileSync(join(job, 'debug', 'overview.md'), 'utf8');
  assert.match(overview, /repair-json-config/);
  assert.ok(existsSync(join(job, 'debug', 'detail', 'repair-json-config.md')));
  const first = readReport(join(job, 'debug', 'report.json'));
  assert.ok(first.ok);
  assert.equal(first.report.tasks['top-words']!.c, 1);
  assert.equal(first.report.model, null);

  const analystScript = join(dir, 'analyst.yaml');
  writeFileSync(
    analystScript,
    stringify({
      variants: [
        {
          when: { user_contains: '# Task repair-json-config' },
          turns: [{ reply: { content: JSON.stringify(analysis) } }],
        },
      ],
    }),
  );
  const llm = await runCli(['debug', job, '--model', `scripted:${analystScript}`, '--out', join(dir, 'report')], {
    env,
  });
  assert.equal(llm.exitCode, 0, llm.stderr);
  assert.match(llm.stdout, /analyst scripted:.*: 1 calls, 0 cached/);
  const withLlm = readReport(join(dir, 'report', 'report.json'));
  assert.ok(withLlm.ok);
  assert.deepEqual(withLlm.report.tasks['repair-json-config']!.analysis, analysis);
  assert.equal(withLlm.report.ledger.calls, 1);
  assert.match(readFileSync(join(dir, 'report', 'overview.md'), 'utf8'), /run the check command the instruction names/);

  const again = await runCli(['debug', job, '--model', `scripted:${analystScript}`, '--out', join(dir, 'report')], {
    env,
  });
  assert.match(again.stdout, /: 0 calls, 1 cached/);

  const task = await runCli(['debug', 'show', job, 'repair-json-config', '--report', join(dir, 'report')], { env });
  assert.equal(task.exitCode, 0, task.stderr);
  assert.match(task.stdout, /repair-json-config: 0\/1 attempts passed/);
  assert.match(task.stdout, /root cause: The agent stopped without editing the config\./);
  const step = await runCli(['debug', 'show', job, 'top-words', '--trial', '1', '--step', '1', '--raw'], { env });
  assert.equal(step.exitCode, 0, step.stderr);
  assert.match(step.stdout, /## model_call \(step 1\)/);
  assert.match(step.stdout, /## tool_result run_shell_command/);
  assert.match(step.stdout, /book\.txt/); // the full output of `ls /app`
  const cleaned = await runCli(['debug', 'show', job, 'top-words', '--trial', 'top-words__1'], { env });
  assert.match(cleaned.stdout, /top-words__1 — pass/i);
});

test('ahe debug on something that is not a job, and show on an unknown task, say so without a stack', async () => {
  const empty = tmp('empty');
  const r = await runCli(['debug', empty]);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /no trial directories found/);
  const both = await runCli(['debug', empty, '--model', 'scripted:x.yaml', '--no-llm']);
  assert.equal(both.exitCode, 2);
  assert.match(both.stderr, /give --model or --no-llm, not both/);
  for (const x of [r, both]) assert.doesNotMatch(x.stderr, STACK_LINE);
});

test('ahe debug reads real published runs: Harbor (gemini-cli), Terminal-Bench 1 (OpenHands, mini-swe-agent), ATIF writers', async () => {
  const out = tmp('fixtures');
  const r = await runCli(['debug', join(ROOT, 'test', 'fixtures', 'runs'), '--no-llm', '--out', out]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stderr, /7 trials found/);
  const report = readReport(join(out, 'report.json'));
  assert.ok(report.ok);
  assert.deepEqual(Object.keys(report.report.tasks).sort(), [
    'atif-openhands-hello-world',
    'atif-terminus2-invalid-json',
    'atif-terminus2-summarization',
    'atif-terminus2-timeout',
    'cron-broken-network',
    'dialogue-parser',
    'extract-safely',
  ]);
  assert.ok(report.report.tasks['extract-safely']!.signatures.some((s) => s.id === 'test-assertion'));
  const show = await runCli([
    'debug',
    'show',
    join(ROOT, 'test', 'fixtures', 'runs'),
    'dialogue-parser',
    '--trial',
    '1',
  ]);
  assert.equal(show.exitCode, 0, show.stderr);
  assert.match(show.stdout, /dialogue-parser__rwnM43w/);
});
