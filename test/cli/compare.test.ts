// `ahe compare` as a user meets it: two job directories on disk (one with another tool's trial, a
// malformed file and an unfinished trial), the readable report, --json, and paths that are not jobs.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { comparePaired } from '../../src/bench/stats.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-cli-${prefix}-`));

function trial(task: string, suffix: string, reward: number | null, extra: Record<string, unknown> = {}) {
  return {
    task_name: task,
    trial_name: `${task}__${suffix}`,
    agent_info: { name: 'ahe', version: '0.1.0', model_info: { name: 'scripted', provider: 'scripted' } },
    agent_result: { n_input_tokens: 10, n_cache_tokens: 0, n_output_tokens: 5, cost_usd: null, metadata: null },
    verifier_result: reward === null ? null : { rewards: { reward } },
    exception_info: null,
    started_at: '2025-01-01T00:00:00.000Z',
    finished_at: '2025-01-01T00:01:00.000Z',
    ...extra,
  };
}

/** rewards: task → one reward per attempt; written as `<task>__<attempt>/result.json`. */
function writeJob(rewards: Record<string, (number | null)[]>): string {
  const job = tmp('job');
  writeFileSync(join(job, 'config.json'), '{}');
  for (const [task, list] of Object.entries(rewards)) {
    list.forEach((reward, i) => {
      mkdirSync(join(job, `${task}__${i + 1}`));
      writeFileSync(join(job, `${task}__${i + 1}`, 'result.json'), JSON.stringify(trial(task, String(i + 1), reward)));
    });
  }
  return job;
}

// A → B: fix-me fixed, break-me regressed, better improved (1/2 → 2/2), worse worsened (2/2 → 1/2 via
// another tool's trial with no reward), same unchanged; old-task only in A, new-task only in B.
function writeJobs(): { a: string; b: string } {
  const a = writeJob({
    'fix-me': [0, 0],
    'break-me': [1, 1],
    better: [1, 0],
    worse: [1, 1],
    same: [0.5, 0],
    'old-task': [1, 1],
  });
  const b = writeJob({
    'fix-me': [1, 0],
    'break-me': [0, 0],
    better: [1, 1],
    worse: [1],
    same: [0, 0],
    'new-task': [1, 1],
  });
  mkdirSync(join(b, 'worse__x9k2'));
  writeFileSync(
    join(b, 'worse__x9k2', 'result.json'),
    JSON.stringify(
      trial('worse', 'x9k2', null, {
        trial_uri: 'file:///other/worse__x9k2',
        source: 'terminal-bench',
        verifier_result: null,
        rollout: { tokens: [] },
        exception_info: {
          exception_type: 'AgentTimeoutError',
          exception_message: 'timed out',
          exception_traceback: '',
          occurred_at: '2025-01-01T00:01:00Z',
        },
      }),
    ),
  );
  mkdirSync(join(b, 'broken__1'));
  writeFileSync(
    join(b, 'broken__1', 'result.json'),
    JSON.stringify({ ...trial('broken', '1', 1), verifier_result: { rewards: { reward: 'yes' } } }),
  );
  mkdirSync(join(b, 'running__1', 'agent'), { recursive: true });
  return { a, b };
}

// Per-task rates on the common tasks (sorted: better, break-me, fix-me, same, worse).
const RATES_A = [0.5, 1, 0, 0, 1];
const RATES_B = [1, 0, 0.5, 0, 0.5];

test('ahe compare prints both pass@1 with intervals, the paired difference and p-value, and the flipped tasks', async () => {
  const { a, b } = writeJobs();
  const res = await runCli(['compare', a, b]);
  assert.equal(res.exitCode, 0, res.stderr);
  const out = res.stdout;
  assert.match(out, new RegExp(`A: ${a} \\(6 tasks, 12 trials\\)`));
  assert.match(out, new RegExp(`B: ${b} \\(6 tasks, 12 trials, 1 unfinished\\)`));
  assert.match(out, /common tasks: 5/);
  assert.match(out, /^A\s+50\.0%\s+\[\d+\.\d%, \d+\.\d%\]$/m); // (0.5 + 1 + 0 + 0 + 1) / 5
  assert.match(out, /^B\s+40\.0%\s+\[/m); // (1 + 0 + 0.5 + 0 + 0.5) / 5
  assert.match(out, /^B − A\s+−10\.0 pp\s+\[/m);
  const expected = comparePaired(
    RATES_A.map((r) => ({ n: 2, c: r * 2 })),
    RATES_B.map((r) => ({ n: 2, c: r * 2 })),
  );
  assert.match(out, new RegExp(`p-value ${expected.pValue.toFixed(3)} `));
  assert.match(out, /not distinguishable from noise on 5 tasks/);
  assert.match(out, /^fixed\s+fix-me\s+0\/2\s+1\/2$/m);
  assert.match(out, /^regressed\s+break-me\s+2\/2\s+0\/2$/m);
  assert.match(out, /^improved\s+better\s+1\/2\s+2\/2$/m);
  assert.match(out, /^worsened\s+worse\s+2\/2\s+1\/2$/m);
  assert.doesNotMatch(out, /^unchanged\s+same/m);
  assert.match(out, /fixed 1, regressed 1, improved 1, worsened 1, unchanged 1/);
  assert.match(out, /only in A \(1, not compared\): old-task/);
  assert.match(out, /only in B \(1, not compared\): new-task/);
  assert.ok(out.includes(`${join(b, 'broken__1', 'result.json')}: verifier_result.rewards.reward: `), out);
});

test('when the interval excludes 0 but the exact test cannot reject, the report says which decides and why', async () => {
  // Four of six tasks regress 2/2 → 0/2: the score interval excludes 0, the sign-flip test's p is 2/2⁴.
  const a = writeJob({ t1: [1, 1], t2: [1, 1], t3: [1, 1], t4: [1, 1], t5: [1, 1], t6: [0, 0] });
  const b = writeJob({ t1: [0, 0], t2: [0, 0], t3: [0, 0], t4: [0, 0], t5: [1, 1], t6: [0, 0] });
  const res = await runCli(['compare', a, b]);
  assert.equal(res.exitCode, 0, res.stderr);
  assert.match(res.stdout, /^B − A\s+−66\.7 pp\s+\[−\d+\.\d pp, −\d+\.\d pp\]$/m);
  assert.match(res.stdout, /p-value 0\.125 .*not distinguishable from noise/);
  assert.match(
    res.stdout,
    /^note: the interval excludes 0 but the test does not reject at 0\.05: .*the test is exact and decides; with 4 task\(s\) that differ, the smallest p it can give is 0\.125$/m,
  );
  // Where both agree there is no note.
  const { a: a2, b: b2 } = writeJobs();
  assert.doesNotMatch((await runCli(['compare', a2, b2])).stdout, /^note:/m);
});

test('ahe compare --json prints the machine-readable comparison', async () => {
  const { a, b } = writeJobs();
  const res = await runCli(['compare', a, b, '--json']);
  assert.equal(res.exitCode, 0, res.stderr);
  const json = JSON.parse(res.stdout);
  assert.deepEqual(json.commonTasks, ['better', 'break-me', 'fix-me', 'same', 'worse']);
  assert.deepEqual(json.counts, { fixed: 1, regressed: 1, improved: 1, worsened: 1, unchanged: 1 });
  assert.equal(json.a.passAt1, 0.5);
  assert.equal(json.b.passAt1, 0.4);
  const expected = comparePaired(
    RATES_A.map((r) => ({ n: 2, c: r * 2 })),
    RATES_B.map((r) => ({ n: 2, c: r * 2 })),
  );
  assert.deepEqual(json.paired, expected);
  assert.deepEqual(
    json.tasks.find((t: { task: string }) => t.task === 'worse'),
    { task: 'worse', change: 'worsened', a: { n: 2, c: 2 }, b: { n: 2, c: 1 } },
  );
  assert.deepEqual(json.onlyInA, ['old-task']);
  assert.deepEqual(json.onlyInB, ['new-task']);
  assert.equal(json.jobs.b.trials, 12);
  assert.deepEqual(json.jobs.b.unfinished, [join(b, 'running__1')]);
  assert.equal(json.jobs.b.problems.length, 1);
  assert.equal(json.jobs.b.problems[0].field, 'verifier_result.rewards.reward');
});

test('a path that is not a job directory is one clear line naming it, exit 2', async () => {
  const { a } = writeJobs();
  const empty = tmp('empty');
  mkdirSync(join(empty, 'task__1'));
  const notJob = await runCli(['compare', a, empty]);
  assert.equal(notJob.exitCode, 2);
  assert.ok(notJob.stderr.includes(`${empty} is not a job directory`), notJob.stderr);
  assert.doesNotMatch(notJob.stderr, STACK_LINE);
  const missing = join(empty, 'nope');
  const gone = await runCli(['compare', missing, a]);
  assert.equal(gone.exitCode, 2);
  assert.ok(gone.stderr.includes(`${missing} does not exist`), gone.stderr);
  const onlyBroken = tmp('broken');
  mkdirSync(join(onlyBroken, 'x__1'));
  writeFileSync(join(onlyBroken, 'x__1', 'result.json'), '{"task_name": 3}');
  const broken = await runCli(['compare', a, onlyBroken]);
  assert.equal(broken.exitCode, 2);
  assert.match(broken.stderr, /1 malformed, e\.g\. .*x__1\/result\.json: task_name: /);
});
