// A provider outage mid-evaluation with --fallback-model: the trial completes on the fallback model, its
// trace shows the switch, its result.json is marked and the job summary counts it apart; when the fallback
// fails too the trial is an infrastructure error as without one (not counted, run again on resume).

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { summarizeTrials } from '../../src/bench/job-summary.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { runTrial, trialFinished } from '../../src/bench/run-trial.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import { createModel } from '../../src/model/create-model.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { closedPortUrl } from '../support/closed-port.ts';
import { openaiError, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { makeTask } from '../support/make-task.ts';
import { runCli } from '../support/run-cli.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const KEY = 'sk-test-key-abcdefghijklmnop';
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** A scripted model that solves makeTask's default task (create /app/done), or runs `command`. */
function solverScript(command = 'touch /app/done'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ahe-fallback-')), 'solver.yaml');
  writeFileSync(
    file,
    JSON.stringify({
      name: 'backup-solver',
      turns: [
        { reply: { tool_calls: [{ name: 'run_shell_command', arguments: { command } }] } },
        { reply: { content: 'Done.' } },
      ],
    }),
  );
  return file;
}

/** A fake provider that answers every request with HTTP 500: an outage. */
async function outage() {
  const replies = Array.from({ length: 50 }, () => openaiError(500, 'the server had an error'));
  return startFakeOpenAIServer(replies);
}

test('a provider outage: the fallback completes the trial; trace, result.json and summary show it', {
  skip,
}, async () => {
  const server = await outage();
  try {
    const root = mkdtempSync(join(tmpdir(), 'ahe-suite-'));
    const { task } = loadTask(makeTask({ name: 'task' }, root));
    assert.ok(task);
    const fallback = `scripted:${solverScript()}`;
    const newModel = () =>
      createModel('openai:gpt-5', {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
        maxRetries: 0,
        fallback,
      });
    const jobDir = join(root, 'job');
    const result = await runTrial({
      task,
      attempt: 1,
      jobDir,
      agent: { kind: 'harness', harness: await loadHarness(SEED), modelSpec: 'openai:gpt-5', newModel },
      backend: 'bwrap',
      environmentCache: false,
    });
    assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
    assert.equal(result.verifier_result?.rewards.reward, 1, 'the fallback solved the task');
    assert.equal(server.requests.length, 1, 'the primary was asked once, then left for the session');

    const saved = readJson(join(jobDir, 'task__1', 'result.json'));
    assert.equal(saved.ahe.fallback_used, true);
    assert.equal(saved.ahe.fallback.from, 'openai:gpt-5');
    assert.equal(saved.ahe.fallback.to, fallback);
    assert.equal(saved.ahe.fallback.calls, 2);
    assert.match(saved.ahe.fallback.reason, /^ModelUnavailableError: /);

    const calls = readFileSync(join(jobDir, 'task__1', 'agent', 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'model_call');
    assert.equal(calls.length, 2);
    for (const call of calls) {
      const data = call.data ?? call;
      assert.equal(data.fallback?.from, 'openai:gpt-5', JSON.stringify(call).slice(0, 500));
      assert.equal(data.model, 'backup-solver', 'the ledger names the model that spent');
    }

    const summary = summarizeTrials([saved, { ...saved, trial_name: 'task__2', ahe: { attempt: 2, passed: true } }]);
    assert.equal(summary.n_fallback_trials, 1);
    assert.equal(summary.pass_at_1, 1);
  } finally {
    await server.close();
  }
});

test('the fallback failing too: an infrastructure error, not counted, run again on resume', { skip }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ahe-suite-'));
  const { task } = loadTask(makeTask({ name: 'task' }, root));
  assert.ok(task);
  const primary = await closedPortUrl();
  const newModel = () =>
    createModel('openai:gpt-5', {
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: primary },
      maxRetries: 0,
      // Same environment, so the fallback is unreachable too.
      fallback: 'openai:gpt-5-mini',
    });
  const jobDir = join(root, 'job');
  const result = await runTrial({
    task,
    attempt: 1,
    jobDir,
    agent: { kind: 'harness', harness: await loadHarness(SEED), modelSpec: 'openai:gpt-5', newModel },
    backend: 'bwrap',
    environmentCache: false,
  });
  assert.equal(result.exception_info?.exception_type, 'InfrastructureError');
  assert.match(result.exception_info?.exception_message ?? '', /ModelConnectionError: cannot reach openai/);
  assert.equal(result.verifier_result, null);
  assert.equal(trialFinished(join(jobDir, 'task__1')), false, 'resume runs it again');
  const summary = summarizeTrials([result]);
  assert.equal(summary.n_infrastructure_errors, 1);
  assert.equal(
    summary.n_fallback_trials,
    undefined,
    'a trial that measured nothing is not counted as a fallback trial',
  );
});

test('ahe eval --fallback-model during an outage: the eval line counts the trials that used it', { skip }, async () => {
  const server = await outage();
  try {
    const root = mkdtempSync(join(tmpdir(), 'ahe-suite-'));
    for (const name of ['t1', 't2']) makeTask({ name }, root);
    const out = join(mkdtempSync(join(tmpdir(), 'ahe-jobs-')), 'job');
    const r = await runCli(
      [
        'eval',
        '--tasks',
        root,
        '--harness',
        SEED,
        '--model',
        'openai:gpt-5',
        '--fallback-model',
        `scripted:${solverScript()}`,
        '--max-retries',
        '0',
        '--concurrency',
        '1',
        '--quiet',
        '--out',
        out,
      ],
      { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url }, timeoutMs: 180_000 },
    );
    assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
    assert.match(r.stdout, /^2 trials used the fallback model \(100\.0% of the measured ones/m);
    assert.match(r.stdout, /pass@1 100\.0%/);
    const job = readJson(join(out, 'result.json'));
    assert.equal(job.n_fallback_trials, 2);
  } finally {
    await server.close();
  }
});

test('ahe run --fallback-model against a closed port: the session completes on the fallback and its trace says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-run-fallback-'));
  const out = join(dir, 'out');
  const r = await runCli(
    [
      'run',
      '--harness',
      SEED,
      '--model',
      'openai:gpt-5',
      '--fallback-model',
      // The session runs on the host: the script works in its own directory only.
      `scripted:${solverScript('touch done')}`,
      '--max-retries',
      '0',
      '--instruction',
      'Create done.',
      '--workdir',
      dir,
      '--quiet',
      '--out',
      out,
    ],
    { env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: await closedPortUrl() }, timeoutMs: 120_000 },
  );
  assert.equal(r.exitCode, 0, r.stderr.slice(0, 2000));
  const calls = readFileSync(join(out, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'model_call');
  assert.equal(calls.length, 2);
  assert.ok(existsSync(join(dir, 'done')), 'the fallback did the work');
  assert.match(
    JSON.stringify(calls[0]),
    /"fallback":\{"from":"openai:gpt-5","to":"scripted:[^"]+","reason":"ModelConnectionError: /,
  );
});
